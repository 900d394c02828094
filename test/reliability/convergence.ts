// The mirror's promise, end to end: whatever happens to deliveries, the API or the processes,
// after the inbox drains and one `bc-mirror sync --full` every table equals the store. The store
// keeps changing all four tables (orders' line items and coupons too) while ~20% of webhooks are dropped and others duplicated and
// reordered, the API answers 429, 5xx, slowly or not at all, sweeps' lists answer 404, {},
// {"data": null}, an empty body, a 204 or short pages, `serve` is SIGKILLed and restarted,
// and a backfill is SIGKILLed and rerun (test/reliability/harness.ts). Before the final sync, every
// row whose last change the mirror acknowledged must already equal the store: nothing answered
// 200 is lost. Runs on PostgreSQL when TEST_DATABASE_URL is set, else on PGlite; a few fixed seeds,
// each in a file of its own (convergence-seed-N.test.ts) so that they run side by side. A failure
// prints the seed and the first differing rows.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openPglite } from '../../src/db/pglite.ts'
import { createFreshDatabase, databaseKinds, type FreshDatabase } from '../support/databases.ts'
import {
  describeMismatches,
  runScenario,
  sureListFaults,
  type MirrorTarget,
  type ScenarioReport,
} from './harness.ts'

function verdict(report: ScenarioReport) {
  const lines = [
    `seed ${report.seed}: ${report.final.mismatches.length} mismatches after the final sync ` +
      `(${report.acknowledged.mismatches.length} among acknowledged rows before it)`,
    describeMismatches(report.acknowledged.mismatches),
    describeMismatches(report.final.mismatches),
  ]
  return lines.filter(Boolean).join('\n')
}

/** Declares the convergence test of one seed. */
export function describeConvergence(seed: number) {
  const kind = databaseKinds().at(-1) ?? 'pglite'
  describe(`convergence under faults [${kind}]`, () => {
    let workDir = ''
    beforeAll(async () => {
      workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-converge-'))
    })
    afterAll(async () => {
      await rm(workDir, { recursive: true, force: true })
    })

    it(`seed ${seed}: the mirror equals the store`, { timeout: 240_000 }, async () => {
      let fresh: FreshDatabase | undefined
      let target: MirrorTarget
      if (kind === 'postgres') {
        fresh = await createFreshDatabase('postgres')
        target = { kind: 'postgres', url: fresh.url ?? '' }
      } else {
        // Start from the migrated image (initdb in every child would cost seconds and memory).
        const dataDir = join(workDir, `seed-${seed}`)
        const db = await openPglite({
          dataDir,
          loadDataDir: new Blob([await readFile(inject('pgliteImage'))]),
        })
        await db.close()
        target = { kind: 'pglite', dataDir }
      }
      try {
        const report = await runScenario({
          seed,
          counts: { coupons: 200, customers: 400, orders: 600, products: 400 },
          target,
          seconds: 4,
          killEverySeconds: 2,
          churn: { opsPerTick: 3, tickMs: 50 },
          killBackfillAfter: 4,
          // The injected 500s and dropped connections are retried as ever, after 25-400 ms
          // instead of 0.5-8 s: the waits prove nothing and cost seconds per fault.
          apiRetryBaseMs: 50,
          log: process.env.CONVERGENCE_LOG
            ? (m) => console.log(`${new Date().toISOString().slice(11, 23)} seed ${seed}: ${m}`)
            : undefined,
        })
        console.log(
          `convergence seed ${seed} [${kind}]: ${report.seconds.toFixed(1)} s; ${report.storeRows} rows; ` +
            `changes ${JSON.stringify(report.churn)}; deliveries ${JSON.stringify(report.deliveries)}; ` +
            `serve SIGKILLed ${report.serveKills}x; backfill ${report.backfill.killedBy} then ${report.backfill.reruns} sync runs; ` +
            `drain ${JSON.stringify(report.drain)}; acknowledged rows compared ${report.acknowledged.compared}; ` +
            `final sync ${report.finalSync.seconds.toFixed(1)} s; rows compared ${report.final.compared}; ` +
            `tables ${JSON.stringify(report.final.byTable)}`,
        )
        const message = verdict(report)
        // The scenario did what it claims: faults happened, kills happened, events went missing.
        expect(report.backfill.killedBy, message).toBe('SIGKILL')
        expect(report.serveKills, message).toBeGreaterThanOrEqual(1)
        // Sweeps met the first round of odd list answers (one per table, injected as the store
        // started changing): at least those that any list request of their table meets.
        expect(report.churn.listFaultsServed, message).toBeGreaterThanOrEqual(sureListFaults(seed))
        expect(report.deliveries.eventsDelivered, message).toBeLessThan(report.deliveries.emitted)
        expect(
          report.churn.deletes +
            report.churn.archives +
            report.churn.skuEdits +
            report.churn.addressEdits,
          message,
        ).toBeGreaterThan(0)
        expect(report.churn.childEdits, message).toBeGreaterThan(0)
        expect(report.acknowledged.compared, message).toBeGreaterThan(0)
        // Nothing acknowledged is lost, and one sync closes every other gap.
        expect(report.drain.failed, message).toBe(0)
        expect(report.acknowledged.mismatches, message).toEqual([])
        expect(report.finalSync.code, message).toBe(0)
        expect(report.final.mismatches, message).toEqual([])
        expect(report.final.compared, message).toBeGreaterThan(report.storeRows / 2)
        // Orders' line items, addresses and coupons were compared too, order by order.
        expect(report.final.byTable.order_children?.store, message).toBeGreaterThan(100)
      } finally {
        await fresh?.dispose()
      }
    })
  })
}
