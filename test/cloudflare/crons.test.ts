// The Worker's crons are written once, in src/sync/jobs.ts; wrangler.toml has to list the same
// expressions (TOML cannot import them), so this test is what keeps the two from drifting.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { CRON_PLANS, planForCron } from '../../src/sync/jobs.ts'
import { ROOT } from './wrangler.ts'

async function wranglerCrons(): Promise<string[]> {
  const toml = await readFile(`${ROOT}/wrangler.toml`, 'utf8')
  const line = toml.split('\n').find((l) => /^crons\s*=/.test(l))
  if (!line) throw new Error('wrangler.toml has no `crons = [...]` line under [triggers]')
  return [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string)
}

describe('the Worker crons', () => {
  it('wrangler.toml lists exactly the crons that src/sync/jobs.ts plans', async () => {
    expect(await wranglerCrons()).toEqual(CRON_PLANS.map((plan) => plan.cron))
  })

  it('each plan ends before the next run of its cron (no run finds the last one still busy)', () => {
    expect(CRON_PLANS[0].budgetMs).toBeLessThan(5 * 60_000)
    expect(CRON_PLANS[1].budgetMs).toBeLessThan(15 * 60_000)
  })

  it('an unknown cron does what the frequent one does; the hourly one also keeps house', () => {
    expect(planForCron('*/7 * * * *')).toBe(CRON_PLANS[0])
    expect(planForCron(' 0 * * * * ')).toMatchObject({ sweep: 'all', housekeeping: true })
    expect(planForCron(CRON_PLANS[0].cron)).toMatchObject({
      sweep: 'incremental',
      housekeeping: false,
    })
  })
})
