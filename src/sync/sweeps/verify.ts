// `bc-mirror verify`: how far the mirror is from the store right now, without changing either.
// Counts per table from the store (v3 `meta.pagination.total` of a one-row page, v2 `/count`)
// against the mirror's; with `ids`, the store's id sets read at the least cost: v3 pages of
// `include_fields=id,date_modified` (250 a request), v2 pages in full (v2 has no field selection,
// so orders and coupons cost what a full sweep costs). Each drifting table gets the command that
// repairs it. Requests go through the caller's client, so they draw on the store's one paced budget.
import { sql } from 'drizzle-orm'
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import { MAX_PAGE_SIZE } from '../../bigcommerce/paging.ts'
import type { Executor } from '../../db/database.ts'
import { resourceTables, type ResourceName } from '../../db/schema.ts'
import { RESOURCES, SNAPSHOT_TABLES, SYNC_TABLES } from '../../resources/index.ts'
import { countRequests, type ClientEventHub } from '../request-stats.ts'
import { countInStore, idsInStore } from './verify-store.ts'

export interface VerifyContext {
  db: Executor
  client: BigCommerceClient
  storeHash: string
  /** Rows last modified before this are not mirrored, so neither side counts them. */
  startDate?: Date
  /** The client's events, to count what verify cost. */
  clientEvents?: ClientEventHub
  signal?: AbortSignal
}

export interface VerifyOptions {
  tables?: readonly ResourceName[]
  /** Compare id sets (and date_modified) too, not only counts. */
  ids?: boolean
}

/** Ids listed in a report at most; the counts are always whole. */
export const MAX_LISTED_IDS = 50

export interface IdDrift {
  count: number
  /** The first ids (up to MAX_LISTED_IDS), ascending. */
  ids: number[]
}

export interface TableDrift {
  store: number
  mirror: number
  /** With `ids`: in the store, not in the mirror. */
  missing?: IdDrift
  /** With `ids`: in the mirror, not in the store. */
  extra?: IdDrift
  /** With `ids`: the mirror's date_modified is older than the store's. */
  stale?: IdDrift
  drift: boolean
  /** The command that repairs the drift; null when there is none. */
  repair: string | null
  requests: number
  /** What reading the ids cost, in words (v2 tables have no id-only pages). */
  note?: string
}

export interface VerifyReport {
  storeHash: string
  checkedAt: string
  ok: boolean
  ids: boolean
  tables: Partial<Record<ResourceName, TableDrift>>
  /** Every request verify sent (responses, throttled ones included), and the 429s among them. */
  requests: number
  throttled: number
  /** The store's quota as the pacer last saw it, when known. */
  quota: { requests: number; windowSeconds: number } | null
}

const startSql = (start: Date | undefined) => (start ? start.toISOString() : null)

/** The rows verify compares: the side's rule (orders: not Incomplete), or every row. */
const comparedRows = (table: ResourceName) => RESOURCES[table].listing.compared?.row ?? sql`true`

async function countInMirror(ctx: VerifyContext, table: ResourceName): Promise<number> {
  const start = SNAPSHOT_TABLES.includes(table) ? null : startSql(ctx.startDate)
  const [row] = await ctx.db.execute<{ n: number }>(sql`
    select count(*)::int as n from ${resourceTables[table]}
    where store_hash = ${ctx.storeHash} and ${comparedRows(table)}
      and (${start}::timestamptz is null or date_modified >= ${start}::timestamptz)`)
  return row?.n ?? 0
}

async function idsInMirror(
  ctx: VerifyContext,
  table: ResourceName,
): Promise<Map<number, number | null>> {
  const start = SNAPSHOT_TABLES.includes(table) ? null : startSql(ctx.startDate)
  const rows = await ctx.db.execute<{ id: number; dm: number | null }>(sql`
    select id::float8 as id, floor(extract(epoch from date_modified))::float8 as dm
    from ${resourceTables[table]}
    where store_hash = ${ctx.storeHash} and ${comparedRows(table)}
      and (${start}::timestamptz is null or date_modified >= ${start}::timestamptz)`)
  return new Map(rows.map((r) => [Number(r.id), r.dm === null ? null : Number(r.dm)]))
}

const listed = (ids: number[]): IdDrift => {
  const sorted = [...ids].sort((a, b) => a - b)
  return { count: sorted.length, ids: sorted.slice(0, MAX_LISTED_IDS) }
}

/** The differences between the store's and the mirror's id sets. */
export function compareIds(
  store: Map<number, number | null>,
  mirror: Map<number, number | null>,
): { missing: number[]; extra: number[]; stale: number[] } {
  const missing: number[] = []
  const stale: number[] = []
  for (const [id, modified] of store) {
    if (!mirror.has(id)) missing.push(id)
    else {
      const mine = mirror.get(id)
      if (modified !== null && (mine === null || mine === undefined || mine < modified))
        stale.push(id)
    }
  }
  const extra = [...mirror.keys()].filter((id) => !store.has(id))
  return { missing, extra, stale }
}

/**
 * The cheapest command that repairs a table's drift. Coupons are swept whole by every sync. Rows
 * missing or stale in a dated table may be older than its cursor, which an incremental sync never
 * re-reads: `--since` the oldest of them does; rows to delete need `--full`.
 */
export function repairCommand(
  table: ResourceName,
  drift: { countDiffers: boolean; extra: number; oldestBehind: number | null; idsKnown: boolean },
): string {
  if (SNAPSHOT_TABLES.includes(table)) return `bc-mirror sync --tables ${table}`
  if (drift.extra > 0 || !drift.idsKnown) return `bc-mirror sync --tables ${table} --full`
  if (drift.oldestBehind !== null) {
    const day = new Date(drift.oldestBehind * 1000).toISOString().slice(0, 10)
    return `bc-mirror sync --tables ${table} --since ${day}`
  }
  return `bc-mirror sync --tables ${table} --full`
}

async function verifyTable(
  ctx: VerifyContext,
  table: ResourceName,
  withIds: boolean,
  requestsOf: () => number,
): Promise<TableDrift> {
  const side = RESOURCES[table].listing
  const before = requestsOf()
  const [store, mirror] = await Promise.all([countInStore(ctx, side), countInMirror(ctx, table)])
  const result: TableDrift = { store, mirror, drift: store !== mirror, repair: null, requests: 0 }
  let extra = 0
  let oldestBehind: number | null = null
  if (withIds) {
    const [storeIds, mirrorIds] = await Promise.all([
      idsInStore(ctx, side),
      idsInMirror(ctx, table),
    ])
    const diff = compareIds(storeIds, mirrorIds)
    result.missing = listed(diff.missing)
    result.extra = listed(diff.extra)
    result.stale = listed(diff.stale)
    extra = diff.extra.length
    for (const id of [...diff.missing, ...diff.stale]) {
      const modified = storeIds.get(id)
      if (typeof modified === 'number') oldestBehind = Math.min(oldestBehind ?? modified, modified)
    }
    result.drift ||= diff.missing.length + diff.extra.length + diff.stale.length > 0
    if (side.version === 'v2') {
      result.note = `v2 has no field selection: ids cost full pages (${MAX_PAGE_SIZE} rows a request)`
    }
  }
  if (result.drift) {
    result.repair = repairCommand(table, {
      countDiffers: store !== mirror,
      extra,
      oldestBehind,
      idsKnown: withIds,
    })
  }
  result.requests = requestsOf() - before
  return result
}

/** The drift report. Reads the store and the mirror; writes nothing. */
export async function verifyMirror(
  ctx: VerifyContext,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const tables = options.tables ?? SYNC_TABLES
  const counter = countRequests(ctx.clientEvents)
  const throttled = () => tables.reduce((sum, t) => sum + counter.of(t).throttled, 0)
  try {
    const results: VerifyReport['tables'] = {}
    // One table at a time: each table's request count is then its own.
    for (const table of tables) {
      results[table] = await verifyTable(
        ctx,
        table,
        options.ids ?? false,
        () => counter.of(table).requests,
      )
    }
    const snapshot = ctx.client.pacer.snapshot()
    return {
      storeHash: ctx.storeHash,
      checkedAt: new Date().toISOString(),
      ok: Object.values(results).every((t) => !t?.drift),
      ids: options.ids ?? false,
      tables: results,
      requests: tables.reduce((sum, t) => sum + counter.of(t).requests, 0),
      throttled: throttled(),
      quota:
        snapshot.quota !== null && snapshot.windowMs !== null
          ? { requests: snapshot.quota, windowSeconds: snapshot.windowMs / 1000 }
          : null,
    }
  } finally {
    counter.stop()
  }
}
