// `bc-mirror sync --full`, `verify` and `status` against a store with Incomplete orders, which
// its /count counts and its list leaves out (docs/bigcommerce-api.md "The orders listing and its
// count"): every run exits 0, none reports drift or a problem.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SimStore } from '../../src/sim/index.ts'
import { runCli } from '../support/cli.ts'
import { seedDataDir } from '../support/serve-process.ts'
import { startStore } from './support.ts'

let workDir: string
let sim: SimStore
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-incomplete-'))
  // Already made (what a first command makes from the image): the runs are the subject here.
  await seedDataDir(join(workDir, 'data'))
  sim = await startStore({
    storeHash: 'incompletecli',
    // 80 orders, 5 of them Incomplete: /count says 80, the list shows 75, on every run.
    data: { seed: 41, counts: { orders: 80 } },
  })
})
afterAll(async () => {
  await sim.close()
  await rm(workDir, { recursive: true, force: true })
})

it('sync --full exits 0 run after run on a store with Incomplete orders; verify and status agree', async () => {
  const incomplete = sim.store
    .byId('orders')
    .filter((r) => sim.store.fieldsOf('orders', r).status_id === 0).length
  expect(incomplete).toBeGreaterThan(0)
  const env = {
    BIGCOMMERCE_STORE_HASH: sim.storeHash,
    BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
    BIGCOMMERCE_API_URL: sim.url,
    DATA_DIR: join(workDir, 'data'),
  }
  for (let run = 0; run < 2; run += 1) {
    const sync = await runCli(['sync', '--full', '--tables', 'orders'], env)
    expect(sync.code).toBe(0)
    expect(sync.stdout).toMatch(/^orders +completed/m)
  }
  const verify = await runCli(['verify', '--tables', 'orders', '--json'], env)
  expect(verify.code).toBe(0)
  expect(JSON.parse(verify.stdout)).toMatchObject({
    ok: true,
    tables: { orders: { store: 80 - incomplete, mirror: 80 - incomplete, drift: false } },
  })
  const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as {
    problems: Array<{ what: string }>
    notes: unknown[]
    tables: { orders: { lastStatus: string } }
  }
  expect(status.tables.orders.lastStatus).toBe('completed')
  expect(status.problems.filter((p) => p.what.includes('orders'))).toEqual([])
  expect(status.notes).toEqual([])
})
