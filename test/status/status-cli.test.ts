// `bc-mirror status` as a cron job runs it: exit 0 when all is well, 1 with the problems and their
// fixes when something needs a person; `--json` carries `runs` and `problems` too.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Executor } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { recordRun } from '../../src/sync/status/runs.ts'
import { runCli } from '../support/cli.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = { BIGCOMMERCE_STORE_HASH: 'stat1', BIGCOMMERCE_ACCESS_TOKEN: 'tok-secret-value' }
let workDir = ''

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-status-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})

async function plantFailedSweep(db: Executor) {
  await db.execute(sql`
    insert into bigcommerce.sync_state (store_hash, table_name, last_status, last_error, last_finished_at)
    values ('stat1', 'orders', 'failed', 'BigCommerce GET /v2/orders answered 500', now())`)
  const at = new Date()
  await recordRun(db, 'stat1', {
    kind: 'incremental',
    startedAt: at,
    finishedAt: at,
    outcome: 'failed',
    requests: 3,
    throttled: 1,
    tables: {
      orders: {
        status: 'failed',
        fetched: 0,
        written: 0,
        deleted: 0,
        rejected: 0,
        requests: 3,
        throttled: 1,
        seconds: 0.2,
      },
    },
    error: 'orders: BigCommerce GET /v2/orders answered 500',
  })
}

async function expectAlert(env: Record<string, string>) {
  const text = await runCli(['status'], env)
  expect(text.code).toBe(1)
  expect(text.stdout).toContain('needs attention:')
  expect(text.stdout).toContain(
    'the last sweep of orders failed: BigCommerce GET /v2/orders answered 500',
  )
  expect(text.stdout).toContain('fix: bc-mirror sync --tables orders')
  expect(text.stdout).toMatch(/incremental +failed .* 3 requests, 1 429s/)
  expect(text.stderr).toContain('1 problem needs attention')
  expect(text.stderr).not.toMatch(/\n\s+at /)
  const json = await runCli(['status', '--json'], env)
  expect(json.code).toBe(1)
  const parsed = JSON.parse(json.stdout) as {
    runs: Array<{ kind: string; outcome: string }>
    problems: Array<{ fix: string }>
  }
  expect(parsed.runs).toMatchObject([{ kind: 'incremental', outcome: 'failed' }])
  expect(parsed.problems.map((p) => p.fix)).toEqual(['bc-mirror sync --tables orders'])
}

describeEachDatabase('status exit code', (ctx) => {
  it('exits 0 when nothing needs a person, 1 naming the problem and its fix otherwise', async () => {
    let env: Record<string, string>
    if (ctx.kind === 'postgres' && ctx.url) {
      env = { ...STORE, DATABASE_URL: ctx.url }
      expect((await runCli(['status'], env)).code).toBe(0)
      await plantFailedSweep(ctx.db)
    } else {
      env = { ...STORE, DATA_DIR: join(workDir, 'embedded') }
      const fine = await runCli(['status'], env)
      expect(fine.stderr).toBe('')
      expect(fine.code).toBe(0)
      expect(fine.stdout).toContain('recent runs:\n  none yet')
      const db = await openPglite({ dataDir: env.DATA_DIR })
      await plantFailedSweep(db)
      await db.close()
    }
    await expectAlert(env)
  })
})
