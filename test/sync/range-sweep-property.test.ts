// The range sweep's coverage bookkeeping, as a property: sweepRange runs against a model list
// (range-model.ts) whose rows move to later keys, appear and disappear, with fast-check's
// scheduler interleaving every answer and every change in any order, at small page sizes so that
// busy seconds (more rows in one second than a page), probes, splits and halved pages after an
// answer that was too large all happen.
//
// What the design promises (range-sweep.ts, README "Reconciliation" and "What counts as a
// deletion"), and so what is checked:
// - The sweep finishes. It may fail only in the two documented ways that need the store to keep
//   changing: a busy second paged by offset that changed on every one of its 6 attempts, or an
//   empty page whose count said rows existed on each of its 3 attempts; so such a failure is
//   accepted only when at least that many changes happened during the sweep.
// - The window is covered exactly once: the coverage ends as the single interval [lo, hi], no
//   more (nothing outside the window is claimed) and no less (no gap), whatever the interleaving.
//   The checkpoint is that coverage, so this is what lets the cursor move.
// - Every row that existed unchanged for the whole sweep, with its key in a part of the window
//   not covered before the sweep began, is committed at least once. Rows can be read twice (a
//   walk's next page starts at the last key of the one before, probes overlap after shifts); the
//   write path is idempotent, so "at least once" is the promise for rows and "exactly once" the
//   promise for coverage. Changed rows promise nothing here: webhooks and the next sweep's
//   overlap catch them, and a full sweep asks for every unseen row by id before deleting it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Coverage, type Interval } from '../../src/sync/sweeps/coverage.ts'
import {
  EmptyPageError,
  SweepIncompleteError,
  sweepRange,
} from '../../src/sync/sweeps/range-sweep.ts'
import {
  clientWithoutQuota,
  createModelStore,
  modelResource,
  type ModelApi,
  type ModelRow,
} from './range-model.ts'

type Change =
  | { kind: 'move'; pick: number; by: number }
  | { kind: 'insert'; key: number }
  | { kind: 'remove'; pick: number }

interface Scenario {
  api: ModelApi
  canOrderById: boolean
  pageSize: number
  rows: ModelRow[]
  lo: number
  hi: number
  covered: Interval[]
  changes: Change[]
  concurrency: number
}

const KEYS = 24

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    kind: fc.constant('move' as const),
    pick: fc.nat(),
    by: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({ kind: fc.constant('insert' as const), key: fc.integer({ min: 0, max: KEYS }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
)

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    api: fc.constantFrom<ModelApi>('v3', 'v2', 'by-id'),
    canOrderById: fc.boolean(),
    pageSize: fc.integer({ min: 2, max: 6 }),
    // Few keys for many rows: seconds holding more rows than a page are common.
    keys: fc.array(fc.integer({ min: 0, max: KEYS }), { maxLength: 40 }),
    odd: fc.option(fc.nat(), { nil: undefined }),
    heavy: fc.array(fc.nat(), { maxLength: 3 }),
    lo: fc.integer({ min: 0, max: 8 }),
    span: fc.integer({ min: 0, max: KEYS }),
    covered: fc.array(fc.tuple(fc.nat({ max: KEYS }), fc.nat({ max: 4 })), { maxLength: 2 }),
    changes: fc.array(change, { maxLength: 12 }),
    concurrency: fc.integer({ min: 1, max: 4 }),
  })
  .map((s) => {
    // Coupons are keyed by their unique id: one row per key.
    const keys = s.api === 'by-id' ? [...new Set(s.keys)] : s.keys
    const rows: ModelRow[] = keys.map((key, i) => ({
      id: s.api === 'by-id' ? key : i + 1,
      key,
      // A large object: pages holding it are over the size limit until the size halves.
      weight: s.heavy.some((h) => keys.length > 0 && h % keys.length === i) ? 3 : 1,
      odd: s.odd !== undefined && s.odd % Math.max(1, keys.length) === i,
    }))
    const covered = s.covered.map(([a, b]): Interval => [a, a + b])
    return { ...s, rows, hi: s.lo + s.span, covered }
  })

async function runScenario(s: Scenario, scheduler: fc.Scheduler) {
  const settings = {
    api: s.api,
    canOrderById: s.canOrderById,
    maxWeight: Math.max(s.pageSize + 1, 6),
  }
  const store = createModelStore(s.rows, settings)
  const gate = () => scheduler.schedule(Promise.resolve(), 'answer')
  const resource = modelResource(store, settings, gate)
  const changed = new Set<number>()
  let applied = 0
  for (const c of s.changes) {
    void scheduler.schedule(Promise.resolve(c), c.kind).then(() => {
      applied += 1
      const ids = [...store.rows.keys()]
      const id = 'pick' in c ? ids[c.pick % Math.max(1, ids.length)] : undefined
      if (c.kind === 'insert') changed.add(store.insert(c.key))
      if (id === undefined) return
      changed.add(id)
      if (c.kind === 'move') store.move(id, c.by)
      else store.remove(id)
    })
  }
  const coverage = new Coverage(s.covered)
  const before = new Coverage(s.covered)
  const committed = new Set<number>()
  const sweep = sweepRange(s.lo, s.hi, {
    resource,
    client: clientWithoutQuota,
    coverage,
    pageSize: s.pageSize,
    concurrency: s.concurrency,
    listRetryMs: 0,
    commit: async (items) => {
      for (const item of items) committed.add((item as { id: number }).id)
    },
  })
  const outcome = await scheduler.waitFor(
    sweep.then(
      () => null,
      (error: unknown) => error,
    ),
  )
  return { outcome, coverage, before, committed, changed, applied }
}

/**
 * A known limit, not a bug: a page the sweep must go on from whose rows all lack a key gives it
 * nowhere to go on from, and it fails with that reason rather than guess. With pages this small
 * that happens to a lone keyless object on a short page when rows appear past it, or next to a
 * large object once the page size has halved.
 */
function keylessPage(s: Scenario, error: unknown, applied: number): boolean {
  const heavy = s.rows.some((r) => (r.weight ?? 1) > 1)
  const odd = s.rows.some((r) => r.odd)
  return (
    odd && (heavy || applied > 0) && error instanceof Error && /had a usable/.test(error.message)
  )
}

describe('range sweep coverage under any interleaving of pages and changes', () => {
  it('finishes, covers the window exactly once, and commits every row that stayed put', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.scheduler(), async (s, scheduler) => {
        const run = await runScenario(s, scheduler)
        if (run.outcome !== null) {
          // Only the documented failures, and only when the store changed often enough.
          expect(run.outcome).toBeInstanceOf(SweepIncompleteError)
          if (keylessPage(s, run.outcome, run.applied)) return
          const needed = run.outcome instanceof EmptyPageError ? 3 : 6
          const message = (run.outcome as Error).message
          expect({ applied: run.applied >= needed, message }).toEqual({ applied: true, message })
          return
        }
        // The checkpoint's own intervals may reach past the window; the sweep adds only the window.
        const expected = new Coverage([[s.lo, s.hi], ...s.covered]).toJSON()
        expect(run.coverage.toJSON()).toEqual(expected)
        const missed = s.rows.filter(
          (r) =>
            r.key >= s.lo &&
            r.key <= s.hi &&
            !run.before.covers(r.key, r.key) &&
            !run.changed.has(r.id) &&
            !run.committed.has(r.id),
        )
        expect(missed).toEqual([])
      }),
      { numRuns: 1000 },
    )
  })

  it('a keyless row alone on the last probe page, just past the window, fails nothing', async () => {
    // The property's seed -1097860625 (once in ~860 runs): v3 without id ordering, pages of 2,
    // four rows in second 0 and a keyless one in second 1, which the lenient bound lists with the
    // window [0, 0]; the probe of page 3 held only it, and the sweep failed on it.
    const rows: ModelRow[] = [
      { id: 1, key: 1, odd: true },
      ...[2, 3, 4, 5].map((id) => ({ id, key: 0 })),
    ]
    const s: Scenario = {
      api: 'v3',
      canOrderById: false,
      pageSize: 2,
      rows,
      lo: 0,
      hi: 0,
      covered: [],
      changes: [],
      concurrency: 2,
    }
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const run = await runScenario(s, scheduler)
        expect(run.outcome).toBeNull()
        expect(run.coverage.toJSON()).toEqual([[0, 0]])
        expect([2, 3, 4, 5].filter((id) => !run.committed.has(id))).toEqual([])
      }),
      { numRuns: 20 },
    )
  })
})
