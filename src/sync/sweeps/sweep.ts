// `bc-mirror sync`: reconciling the mirror with the store, table by table, all tables at once
// (they share the store's one request quota through the client's pacer).
//
// - Incremental (customers, orders, products): the window [cursor - overlap, run start], frozen
//   when the run starts; the first run starts at the start date. The cursor advances only when
//   every row of the window is committed.
// - Coupons have no date_modified: every run sweeps all of them by id and deletes the ones gone.
// - Full: every chosen table from the start date. Rows the sweep did not see are deleted only
//   when the listing was whole (it returned as many rows as the store counts), after each is
//   confirmed gone by id (one request per 250 for products and customers), and only up to a
//   safety share of the table unless the caller allows more (see removeGone).
// - Since: from a given date; moves the cursor only if that window reaches back to it.
// A killed run resumes from its checkpoint (the intervals already committed).
import { settledApiClock } from '../../bigcommerce/api-clock.ts'
import { withSignal } from '../../bigcommerce/client.ts'
import type { ResourceName } from '../../db/schema.ts'
import { withLease } from '../../db/lease.ts'
import { RESOURCES, SYNC_TABLES } from '../../resources/index.ts'
import { countRequests } from '../request-stats.ts'
import { kindOfSweep, recordRun, runFromSweep } from '../status/runs.ts'
import type { SyncContext, SyncOptions, SyncSummary } from './sweep-types.ts'
import { runTable, SYNC_PARALLEL_TABLES } from './table-run.ts'
import { mapWithConcurrency } from '../../util/collections.ts'

export { SYNC_TABLES }
export * from './sweep-types.ts'
export {
  SYNC_LIST_REQUESTS_IN_FLIGHT,
  SYNC_PARALLEL_TABLES,
  tableConcurrency,
} from './table-run.ts'
export { DeletionRefusedError } from './remove-gone.ts'

export class SyncBusyError extends Error {
  constructor(storeHash: string) {
    super(
      `Another sync of store ${storeHash} is running on this database. Wait for it to finish, or pass --wait to queue behind it.`,
    )
    this.name = 'SyncBusyError'
  }
}

export async function runSync(ctx: SyncContext, options: SyncOptions = {}): Promise<SyncSummary> {
  const tables = options.tables ?? SYNC_TABLES
  // A lease, not a session advisory lock: it holds behind transaction-mode poolers (PgBouncer,
  // Hyperdrive), where a session lock could be taken and released on different connections.
  // Every request of the run, a table's children and counts included, stops with the signal.
  // Its tables read one API clock, settled when first known: answers arriving while one table
  // plans would otherwise move another's window end by up to a second.
  const client = withSignal(ctx.client, options.signal)
  const run = { ...ctx, client: { ...client, apiClock: settledApiClock(client.apiClock) } }
  const locked = await withLease(
    ctx.db,
    `sync:${ctx.storeHash}`,
    () => runTables(run, options, tables),
    {
      wait: options.wait ?? false,
      holder: ctx.lease?.holder,
      isGone: ctx.lease?.isGone,
      ttlMs: ctx.lease?.ttlMs,
    },
  )
  if (!locked.acquired) throw new SyncBusyError(ctx.storeHash)
  return locked.value
}

async function runTables(ctx: SyncContext, options: SyncOptions, tables: readonly ResourceName[]) {
  const now = ctx.now ?? (() => new Date())
  const startedAt = now()
  const counter = countRequests(ctx.clientEvents)
  try {
    // At most SYNC_PARALLEL_TABLES at once, so their list requests stay within the run's bound.
    const parallel = Math.min(tables.length, SYNC_PARALLEL_TABLES)
    const results = await mapWithConcurrency(
      tables,
      parallel,
      async (table) =>
        [
          table,
          await runTable(ctx, options, RESOURCES[table], startedAt, counter.of, parallel),
        ] as const,
    )
    const summary: SyncSummary = {
      ok: results.every(([, r]) => r.status === 'completed'),
      storeHash: ctx.storeHash,
      startedAt: startedAt.toISOString(),
      seconds: (now().getTime() - startedAt.getTime()) / 1000,
      tables: Object.fromEntries(results),
    }
    await recordRun(
      ctx.db,
      ctx.storeHash,
      runFromSweep(kindOfSweep(options, tables), summary, now()),
    )
    return summary
  } finally {
    counter.stop()
  }
}

/** The fields of a summary worth one structured log line per sweep (serve, the Worker). */
export function summarizeSweepForLog(summary: SyncSummary) {
  const tables: Record<string, unknown> = {}
  for (const [name, t] of Object.entries(summary.tables)) {
    if (!t) continue
    tables[name] = {
      status: t.status,
      mode: t.mode,
      fetched: t.fetched,
      upserted: t.upserted,
      deleted: t.deleted,
      rejected: t.rejected.map((r) => r.id),
      error: t.error,
      ...(t.notes ? { notes: t.notes } : {}),
    }
  }
  return { ok: summary.ok, seconds: summary.seconds, tables }
}
