// `bc-mirror sync` as users run it, in a child process against the simulated store: bad input,
// the summary, a backfill killed with SIGKILL and resumed, and two syncs at once.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { BIN, NODE_FLAGS, cliEnv, runCli } from '../support/cli.ts'
import { createFreshDatabase, databaseKinds, type FreshDatabase } from '../support/databases.ts'
import { seedDataDir } from '../support/serve-process.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { expectMirrorEqualsStore, startStore, storeRows } from './support.ts'

let workDir = ''
let sim: SimStore | undefined
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-sync-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const storeEnv = (s: SimStore) => ({
  BIGCOMMERCE_STORE_HASH: s.storeHash,
  BIGCOMMERCE_ACCESS_TOKEN: s.accessToken,
  BIGCOMMERCE_API_URL: s.url,
})

describe('sync arguments', () => {
  it.each([
    [
      ['--tables', 'orders,refunds'],
      /--tables has unknown table "refunds"\. Expected a comma-separated list of coupons, customers, orders, products/,
    ],
    [
      ['--since', 'last tuesday'],
      /--since "last tuesday" is not a date\. Expected MM\/DD\/YYYY, YYYY-MM-DD or an ISO timestamp/,
    ],
    [['--since', '2999-01-01'], /is in the future/],
  ])('%j is refused with exit code 2 and nothing written', async (args, message) => {
    const dataDir = join(workDir, `never-${Math.random().toString(36).slice(2)}`)
    const result = await runCli(['sync', ...args], {
      BIGCOMMERCE_STORE_HASH: 'abc',
      BIGCOMMERCE_ACCESS_TOKEN: 'tok',
      DATA_DIR: dataDir,
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(existsSync(dataDir)).toBe(false)
  })

  it('a start date after --since is refused', async () => {
    const dataDir = join(workDir, 'never-since')
    const result = await runCli(['sync', '--since', '2024-01-01'], {
      BIGCOMMERCE_STORE_HASH: 'abc',
      BIGCOMMERCE_ACCESS_TOKEN: 'tok',
      BIGCOMMERCE_START_DATE: '06/01/2024',
      DATA_DIR: dataDir,
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /--since 2024-01-01 is before BIGCOMMERCE_START_DATE \(2024-06-01\)/,
    )
    expect(existsSync(dataDir)).toBe(false)
  })
})

for (const kind of databaseKinds()) {
  describe(`bc-mirror sync [${kind}]`, () => {
    let fresh: FreshDatabase | undefined
    let dataDir = ''
    const target = () =>
      kind === 'postgres' ? { DATABASE_URL: fresh?.url } : { DATA_DIR: dataDir }
    /** The database, opened only while no child holds it (PGlite allows one process). */
    async function inspect<T>(fn: (db: Database) => Promise<T>): Promise<T> {
      const db =
        kind === 'postgres' ? openPostgres(fresh?.url ?? '') : await openPglite({ dataDir })
      try {
        return await fn(db)
      } finally {
        await db.close()
      }
    }

    beforeAll(async () => {
      if (kind === 'postgres') fresh = await createFreshDatabase('postgres')
      dataDir = join(workDir, `data-${kind}`)
      // Already made (what a first command makes from the image): sync is the subject here.
      if (kind === 'pglite') await seedDataDir(dataDir)
    })
    afterAll(async () => {
      await fresh?.dispose()
    })

    it('a backfill killed with SIGKILL resumes from its checkpoint and completes', async () => {
      sim = await startStore({
        latencyMs: 40,
        data: { seed: 11, counts: { orders: 3000, products: 2000, customers: 1500, coupons: 300 } },
      })
      const store = sim
      let requests = 0
      store.setOptions({ onRequest: () => void (requests += 1) })
      const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'sync'], {
        env: cliEnv({ ...storeEnv(store), ...target() }),
        stdio: 'ignore',
      })
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code, signal) => resolve(signal ? -1 : code)),
      )
      while (requests < 20) await new Promise((r) => setTimeout(r, 10))
      child.kill('SIGKILL')
      expect(await exited).toBe(-1)

      const state = await inspect((db) =>
        db.execute<{ table_name: string; last_status: string; covered: number }>(sql`
          select table_name, last_status, jsonb_array_length(checkpoint->'covered')::int as covered
          from bigcommerce.sync_state order by table_name`),
      )
      expect(state.map((s) => s.last_status)).toContain('running')
      expect(state.some((s) => s.covered > 0)).toBe(true)

      const rerun = await runCli(['sync', '--json'], { ...storeEnv(store), ...target() })
      expect(rerun.code).toBe(0)
      const summary = JSON.parse(rerun.stdout) as {
        ok: boolean
        tables: Record<string, { fetched: number }>
      }
      expect(summary.ok).toBe(true)
      // It continued instead of starting over: fewer rows fetched than the store holds.
      const fetched = Object.values(summary.tables).reduce((n, t) => n + t.fetched, 0)
      expect(fetched).toBeLessThan(6_800)
      await inspect((db) =>
        expectMirrorEqualsStore(db, store, ['coupons', 'customers', 'orders', 'products']),
      )
    })

    it('a second sync of the same store exits at once with a clear message; the first completes', async () => {
      // Two pages of orders: the first sync is held at its first request, so its size does not matter.
      sim = await startStore({ storeHash: 'held', data: { seed: 12, counts: { orders: 300 } } })
      const env = { ...storeEnv(sim), ...target() }
      // Hold the first sync's requests until the second one has given up.
      let requests = 0
      let release = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      sim.setOptions({
        onRequest: async ({ path }) => {
          if (path === '/v3/hooks') return // each sync's preflight
          requests += 1
          await held
        },
      })
      const first = runCli(['sync', '--tables', 'orders'], env)
      while (requests < 1) await new Promise((r) => setTimeout(r, 10))
      const second = await runCli(['sync', '--tables', 'orders'], env)
      release()
      expect(second.code).toBe(1)
      expect(second.stderr).toMatch(
        kind === 'postgres' ? /Another sync of store .* is running/ : /in use by process \d+/,
      )
      const done = await first
      expect(done.code).toBe(0)
      // Every order the list shows (not Incomplete ones) upserted; pages may repeat a few.
      const listed = storeRows(sim, 'orders').size.toLocaleString('en-US')
      expect(done.stdout).toMatch(new RegExp(`orders\\s+completed\\s+[\\d,]+\\s+${listed}\\s`))
    })

    it('sync names the rejected ids per table and still completes; status counts them', async () => {
      sim = await startStore({
        storeHash: `rej${kind}`,
        data: { seed: 5, counts: { customers: 20, products: 20 } },
      })
      sim.store.update('products', 3, { inventory_level: 3_000_000_000 })
      sim.store.update('customers', 4, { notes: 'NUL \u0000 inside' })
      const email = String(
        sim.store.render(
          'customers',
          sim.store.byId('customers')[3] ?? sim.store.byId('customers')[0]!,
        ).email,
      )
      const env = { ...storeEnv(sim), ...target() }
      const result = await runCli(['sync', '--tables', 'customers,products'], env)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(
        'products: 1 row(s) rejected (ids 3); reasons in bigcommerce.rejected_rows',
      )
      expect(result.stdout).toContain('customers: 1 row(s) rejected (ids 4)')
      expect(result.stdout + result.stderr).not.toContain(email)
      const status = await runCli(['status', '--json'], env)
      const parsed = JSON.parse(status.stdout) as {
        tables: Record<string, { rows: number; rejected: number }>
      }
      expect(parsed.tables.products).toMatchObject({ rows: 19, rejected: 1 })
      expect(parsed.tables.customers).toMatchObject({ rows: 19, rejected: 1 })
      expect(parsed.tables.orders).toMatchObject({ rejected: 0 })
    })

    it('--full against a list that answers 404 exits 1, names the table and path, and deletes nothing', async () => {
      sim = await startStore({
        storeHash: 'gone404',
        data: { seed: 13, counts: { customers: 120, products: 80, coupons: 5 } },
      })
      const env = { ...storeEnv(sim), ...target() }
      const tables = ['--tables', 'customers,products,coupons']
      expect((await runCli(['sync', ...tables], env)).code).toBe(0)
      sim.injectFaults({ path: /^\/v3\/customers$/, answer: 'not-found', times: 'always' })

      const run = await runCli(['sync', '--full', ...tables], env)
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(
        /^customers: GET \/v3\/customers answered 404 Not Found; a list that does not answer is an error, not an empty store$/m,
      )
      expect(run.stdout).toMatch(/products\s+completed/)
      expect(run.stderr).toMatch(/sync did not complete for customers/)
      expect(run.stderr).not.toMatch(/\n\s+at /)
      const held = await inspect((db) =>
        db.execute<{ n: number }>(
          sql`select count(*)::int as n from bigcommerce.customers where store_hash = 'gone404'`,
        ),
      )
      expect(held[0]?.n).toBe(120)
    })

    it('--full above the safety share exits 1 with the count and the command; --allow-mass-delete deletes', async () => {
      // A table this small may lose at most half of its rows (the share's 1,000-row floor, on a
      // large table, is list-absence.test.ts's): 220 of 400 is above it.
      sim = await startStore({ storeHash: 'mass', data: { seed: 14, counts: { customers: 400 } } })
      const env = { ...storeEnv(sim), ...target() }
      const tables = ['--tables', 'customers']
      expect((await runCli(['sync', ...tables], env)).code).toBe(0)
      for (const record of sim.store.byId('customers').slice(0, 220))
        sim.store.delete('customers', record.id)

      const refused = await runCli(['sync', '--full', ...tables], env)
      expect(refused.code).toBe(1)
      expect(refused.stdout).toContain('customers: would delete 220 of 400 rows')
      expect(refused.stdout).toContain(
        'run: bc-mirror sync --full --tables customers --allow-mass-delete',
      )
      const allowed = await runCli(
        ['sync', '--full', ...tables, '--allow-mass-delete', '--json'],
        env,
      )
      expect(allowed.code).toBe(0)
      expect(JSON.parse(allowed.stdout).tables.customers).toMatchObject({
        status: 'completed',
        deleted: 220,
      })
      await inspect((db) => expectMirrorEqualsStore(db, sim as SimStore, ['customers']))
    })
  })
}
