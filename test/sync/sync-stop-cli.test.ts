// Ctrl-C on `bc-mirror sync`, as a user presses it: the real command in a child process against
// the simulated store, sent SIGINT once (it says so at once, stops, keeps its checkpoint, and
// the next run resumes) or twice (it quits at once, the checkpoint kept all the same). How fast it
// goes is measured by hand, not here (see the README's "Reconcile" section).
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { BIN, NODE_FLAGS, cliEnv, runCli } from '../support/cli.ts'
import { createFreshDatabase, databaseKinds, type FreshDatabase } from '../support/databases.ts'
import { seedDataDir } from '../support/serve-process.ts'
import { expectMirrorEqualsStore, startStore } from './support.ts'

const PRODUCTS = 1500
let release = () => {}
let workDir = ''
let sim: SimStore | undefined
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-stop-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})
afterEach(async () => {
  release()
  await sim?.close()
  sim = undefined
})

/**
 * Starts `sync`, lets its first pages through and holds every later request (a run caught
 * mid-way, whatever the machine's speed), then sends SIGINT `presses` times.
 */
async function interruptSync(env: Record<string, string | undefined>, presses: 1 | 2) {
  const store = sim
  if (!store) throw new Error('no store')
  let lists = 0
  const held = new Promise<void>((resolve) => (release = resolve))
  store.setOptions({
    onRequest: async ({ path }) => {
      if (path.startsWith('/v3/catalog/products') && ++lists > 2) await held
    },
  })
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'sync', '--tables', 'products'], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((r) => setTimeout(r, 10))
  }
  // The first page is committed (its progress line is out) and the next requests are held.
  await until(() => /products +250\//.test(stderr) && lists > 2)
  child.kill('SIGINT')
  if (presses === 2) {
    await until(() => stderr.includes('Press Ctrl-C again'))
    child.kill('SIGINT')
  }
  const code = await exited
  release()
  return { code, stdout, stderr }
}

for (const kind of databaseKinds()) {
  describe(`Ctrl-C on sync [${kind}]`, () => {
    let fresh: FreshDatabase | undefined
    let dataDir = ''
    const target = () =>
      kind === 'postgres' ? { DATABASE_URL: fresh?.url } : { DATA_DIR: dataDir }
    const storeEnv = (s: SimStore) => ({
      BIGCOMMERCE_STORE_HASH: s.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: s.accessToken,
      BIGCOMMERCE_API_URL: s.url,
      ...target(),
    })
    async function inspect<T>(fn: (db: Database) => Promise<T>): Promise<T> {
      const db =
        kind === 'postgres' ? openPostgres(fresh?.url ?? '') : await openPglite({ dataDir })
      try {
        return await fn(db)
      } finally {
        await db.close()
      }
    }
    /**
     * The checkpoint was kept: the next run completes fetching fewer rows than the store holds.
     * Returns the outcomes of the runs on record.
     */
    async function expectResumed(store: SimStore) {
      const rerun = await runCli(['sync', '--tables', 'products', '--json'], storeEnv(store))
      expect(rerun.code).toBe(0)
      const summary = JSON.parse(rerun.stdout) as { tables: { products: { fetched: number } } }
      expect(summary.tables.products.fetched).toBeLessThan(PRODUCTS)
      const runs = await inspect(async (db) => {
        await expectMirrorEqualsStore(db, store, ['products'])
        return db.execute<{ outcome: string }>(sql`select outcome from bigcommerce.sync_runs
          where store_hash = ${store.storeHash} order by started_at`)
      })
      return runs.map((r) => r.outcome)
    }

    beforeAll(async () => {
      if (kind === 'postgres') fresh = await createFreshDatabase('postgres')
      dataDir = join(workDir, `data-${kind}`)
      if (kind === 'pglite') await seedDataDir(dataDir)
    })
    afterAll(async () => {
      await fresh?.dispose()
    })

    it('one Ctrl-C: said at once, the table "interrupted" (never "done"), exit 130, the next run resumes', async () => {
      sim = await startStore({
        storeHash: 'stop1',
        data: { seed: 5, counts: { products: PRODUCTS } },
      })
      const run = await interruptSync(storeEnv(sim), 1)
      expect(run.code).toBe(130)
      expect(run.stderr).toContain(
        'bc-mirror: stopping; the checkpoint is kept and the next sync resumes from it. Press Ctrl-C again to quit now.',
      )
      const progress = run.stderr.split('\n').filter((l) => l.startsWith('products '))
      expect(progress.at(-1)).toMatch(/, interrupted$/)
      expect(run.stderr).not.toMatch(/products .*done/)
      expect(run.stdout).toMatch(/products\s+interrupted/)
      expect(run.stdout).toContain(
        'products: interrupted: stopped before the end; the next run resumes',
      )
      expect(run.stderr).not.toMatch(/\n\s+at /)
      // The stopped run is on record as interrupted, not failed.
      expect(await expectResumed(sim)).toEqual(['interrupted', 'completed'])
    })

    it('a second Ctrl-C quits at once; the checkpoint is kept and the next run resumes', async () => {
      sim = await startStore({
        storeHash: 'stop2',
        data: { seed: 6, counts: { products: PRODUCTS } },
      })
      const run = await interruptSync(storeEnv(sim), 2)
      expect(run.code).toBe(130)
      expect(run.stderr).toContain(
        'bc-mirror: quitting now; the next sync resumes from the last checkpoint.',
      )
      // It quit before recording the run: only the next one is on record.
      expect((await expectResumed(sim)).at(-1)).toBe('completed')
    })
  })
}
