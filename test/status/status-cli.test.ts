// `bc-mirror status` as a cron job runs it: exit 0 when all is well, 1 with the problems and their
// fixes when something needs a person (a mirror that never completed a sweep included), 2 when
// the API does not know the store hash or refuses the token; `--json` carries `runs` and
// `problems` too. The simulated store answers status's one API request.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import type { Executor } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { recordRun } from '../../src/sync/status/runs.ts'
import { runCli } from '../support/cli.ts'
import { seedDataDir } from '../support/serve-process.ts'
import { describeEachDatabase } from '../support/databases.ts'

let STORE: Record<string, string> = {}
let workDir = ''
let sim: SimStore | undefined

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-status-'))
  sim = await startSimStore({
    quota: null,
    storeHash: 'stat1',
    unknownStoreAnswer: 'not-found',
    data: { counts: { orders: 1 } },
  })
  STORE = {
    BIGCOMMERCE_STORE_HASH: 'stat1',
    BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
    BIGCOMMERCE_API_URL: sim.url,
  }
})
afterAll(async () => {
  await sim?.close()
  await rm(workDir, { recursive: true, force: true })
})

/** Every table's last sweep completed a minute ago. */
async function plantCompletedSweeps(db: Executor) {
  await db.execute(sql`
    insert into bigcommerce.sync_state (store_hash, table_name, last_status, last_success_at, last_finished_at)
    select 'stat1', t, 'completed', now() - interval '1 minute', now() - interval '1 minute'
    from unnest(array['coupons', 'customers', 'orders', 'products', 'categories', 'brands']) as t`)
}

/** A refused token, as serve recorded it, and the sweeps and hook check that failed with it. */
async function plantRefusedToken(db: Executor) {
  await db.execute(sql`
    insert into bigcommerce.sync_state (store_hash, table_name, last_status, last_error, last_started_at, last_finished_at)
    values ('stat1', 'api', 'refused', '401 Unauthorized on GET /v2/orders', now() - interval '10 minutes', now()),
           ('stat1', 'webhooks', 'failed', '401 Unauthorized on GET /v3/hooks', now(), now())
    on conflict (store_hash, table_name) do update set last_status = excluded.last_status,
      last_error = excluded.last_error, last_started_at = excluded.last_started_at,
      last_finished_at = excluded.last_finished_at`)
  await db.execute(sql`
    update bigcommerce.sync_state set last_status = 'failed', last_finished_at = now(),
      last_error = '401 Unauthorized on GET /v2/orders: the access token is wrong'
    where store_hash = 'stat1'
      and table_name in ('coupons', 'customers', 'orders', 'products', 'categories', 'brands')`)
}

async function plantFailedSweep(db: Executor) {
  await db.execute(sql`
    insert into bigcommerce.sync_state (store_hash, table_name, last_status, last_error, last_finished_at)
    values ('stat1', 'orders', 'failed', 'BigCommerce GET /v2/orders answered 500', now())
    on conflict (store_hash, table_name) do update set last_status = excluded.last_status,
      last_error = excluded.last_error, last_finished_at = excluded.last_finished_at`)
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
  /** The mirror's database for the CLI, and `plant` run on it while no CLI holds it. */
  async function mirror(plant: (db: Executor) => Promise<void>) {
    if (ctx.kind === 'postgres' && ctx.url) return plant(ctx.db)
    const db = await openPglite({ dataDir: join(workDir, 'embedded') })
    await plant(db).finally(() => db.close())
  }
  const env = () =>
    ctx.kind === 'postgres' && ctx.url
      ? { ...STORE, DATABASE_URL: ctx.url }
      : { ...STORE, DATA_DIR: join(workDir, 'embedded') }

  it('exits 1 before any sweep completed, 0 when nothing needs a person, 1 naming the problem and its fix', async () => {
    if (ctx.kind === 'pglite') await seedDataDir(join(workDir, 'embedded'))
    const never = await runCli(['status'], env())
    expect(never.code).toBe(1)
    expect(never.stdout).toContain('recent runs:\n  none yet')
    expect(never.stdout).toContain(
      '  - no sweep of coupons, customers, orders, products, categories and brands has completed yet: the mirror is not whole\n    fix: bc-mirror sync\n',
    )
    expect(never.stderr).toBe('bc-mirror: 1 problem needs attention (listed above)\n')

    await mirror(plantCompletedSweeps)
    const fine = await runCli(['status'], env())
    expect(fine.stderr).toBe('')
    expect(fine.code).toBe(0)
    expect(fine.stdout).not.toContain('needs attention')

    await mirror(plantFailedSweep)
    await expectAlert(env())
  })

  it('exits 2 for a store hash the API does not know, and for a refused token: one problem each', async () => {
    const unknown = await runCli(['status'], { ...env(), BIGCOMMERCE_STORE_HASH: 'nosuchstore' })
    expect(unknown.code).toBe(2)
    expect(unknown.stdout).toMatch(
      /needs attention:\n {2}- The API at .* does not know store hash "nosuchstore" \(404 on GET \/v3\/hooks\).*\n {4}fix: set BIGCOMMERCE_STORE_HASH/,
    )
    expect(unknown.stdout.match(/^ {2}- /gm)).toHaveLength(1)
    expect(unknown.stderr).toBe(
      'bc-mirror: 1 problem needs attention (listed above); exit code 2: a setting is wrong\n',
    )

    // serve saw the token refused; sweeps and the hook check failed with it: still one problem.
    await mirror(plantRefusedToken)
    const refused = await runCli(['status', '--json'], {
      ...env(),
      BIGCOMMERCE_ACCESS_TOKEN: 'revoked-token-1234',
    })
    expect(refused.code).toBe(2)
    const parsed = JSON.parse(refused.stdout) as {
      problems: Array<{ what: string; fix: string }>
      access: { result: string }
    }
    expect(parsed.access.result).toBe('token-refused')
    expect(parsed.problems).toHaveLength(1)
    expect(parsed.problems[0]?.what).toMatch(
      /^the store API refuses the access token: .*; the sweep of coupons, the sweep of customers, the sweep of orders, the sweep of products, the sweep of categories, the sweep of brands and the hook check failed because of it$/,
    )
    expect(parsed.problems[0]?.fix).toMatch(/^set BIGCOMMERCE_ACCESS_TOKEN/)
    expect(refused.stdout).not.toContain('revoked-token-1234')
  })
})
