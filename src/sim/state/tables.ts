// The store's tables: rows per resource (id and two timestamps; fields generated on demand until a
// mutation materialises them), their sorted orders, and the helpers every state operation shares.
import {
  FIELD_GENERATORS,
  generateTimeline,
  SIM_RESOURCE_NAMES,
  specOf,
  type GenerateContext,
  type SimRecord,
  type SimResourceName,
} from '../generate.ts'
import type { SimOrderChildren } from '../order-children.ts'
import type { SimClock } from './clock.ts'

export interface SimDataOptions {
  seed?: number
  counts?: Partial<Record<SimResourceName, number>>
  /** Range of creation times for generated rows; default the last 365 days before the clock. */
  from?: Date
  to?: Date
  modifiedShare?: number
  bulkImport?: { at: Date; share: number }
}

export interface SimEvent {
  scope: string
  data: Record<string, unknown>
}

export type Fields = Record<string, unknown>

interface Table {
  byId: Map<number, SimRecord>
  /** Ascending id; rebuilt lazily after creates with out-of-order ids or deletes. */
  idOrder: SimRecord[] | null
  /** Ascending (modified, id); rebuilt lazily after any mutation. */
  modifiedOrder: SimRecord[] | null
  nextId: number
}

/** Everything the state's operations share. */
export interface StateCore {
  clock: SimClock
  context: GenerateContext
  tables: Record<SimResourceName, Table>
  variantEditsBumpProduct: boolean
  /** Keep each row's JSON once rendered (fast big benchmarks; costs memory per row). */
  cacheRendered: boolean
  listener: (event: SimEvent) => void
  // Switches for answers a real store can give (docs/bigcommerce-api.md), keyed `${name}:${id}`.
  /** Reads by id left to answer "not found" although the row exists (no read-after-write). */
  hidden: Map<string, number>
  /** A read by this id answers with another row (a hostile or broken proxy). */
  aliases: Map<string, number>
  /** Rewrites a row as rendered: no id, no date_modified, a far-future date, ... */
  corruptions: Map<string, (rendered: Fields) => Fields>
  /** resource → shape key (which includes and fields) → id → JSON text */
  renderCache: Map<string, Map<number, string>>
  /**
   * Children of orders that a mutation changed; the others are generated on demand. Keyed by the
   * row, so a deleted order's go with it.
   */
  orderChildren: WeakMap<SimRecord, SimOrderChildren>
}

/** Generated rows for every resource, as `data` asks. */
export function generateTables(data: SimDataOptions, clock: SimClock, seed: number) {
  const tables = {} as Record<SimResourceName, Table>
  SIM_RESOURCE_NAMES.forEach((name, index) => {
    const count = data.counts?.[name] ?? 0
    const to = data.to ?? new Date(clock.now())
    const records = generateTimeline({
      count,
      seed: seed + index,
      from: data.from ?? new Date(to.getTime() - 365 * 86_400_000),
      to,
      modifiedShare: data.modifiedShare,
      bulkImport: data.bulkImport,
    })
    tables[name] = {
      byId: new Map(records.map((r) => [r.id, r])),
      idOrder: records,
      modifiedOrder: null,
      nextId: count + 1,
    }
  })
  return tables
}

export const nowSeconds = (core: StateCore) => Math.floor(core.clock.now() / 1000)

export function emit(core: StateCore, scope: string, data: Record<string, unknown>) {
  core.listener({ scope, data })
}

/** Drop a row's cached JSON in every shape. */
export function forget(core: StateCore, name: SimResourceName, id: number) {
  for (const [key, rows] of core.renderCache) if (key.startsWith(`${name}|`)) rows.delete(id)
}

export function invalidate(core: StateCore, name: SimResourceName, idOrderToo: boolean) {
  const t = core.tables[name]
  t.modifiedOrder = null
  if (idOrderToo) t.idOrder = null
}

export function fieldsOf(core: StateCore, name: SimResourceName, record: SimRecord): Fields {
  return record.fields ?? FIELD_GENERATORS[name](core.context, record.id)
}

export function materialise(core: StateCore, name: SimResourceName, record: SimRecord): Fields {
  // Whoever materialises is about to change the row.
  forget(core, name, record.id)
  if (!record.fields) record.fields = { ...FIELD_GENERATORS[name](core.context, record.id) }
  return record.fields
}

export function requireRecord(core: StateCore, name: SimResourceName, id: number): SimRecord {
  const record = core.tables[name].byId.get(id)
  if (!record) throw new Error(`sim: no ${name} with id ${id}`)
  return record
}

/** A row changed: a new date_modified (tables listed whole have none) and a stale modified order. */
export function touch(core: StateCore, name: SimResourceName, record: SimRecord) {
  if (specOf(name).dated) record.modified = nowSeconds(core)
  invalidate(core, name, false)
}

/** Rows by ascending id. */
export function rowsById(core: StateCore, name: SimResourceName): SimRecord[] {
  const t = core.tables[name]
  if (!t.idOrder) t.idOrder = [...t.byId.values()].sort((a, b) => a.id - b.id)
  return t.idOrder
}

/** Rows by ascending (date_modified, id). */
export function rowsByModified(core: StateCore, name: SimResourceName): SimRecord[] {
  const t = core.tables[name]
  if (!t.modifiedOrder) {
    t.modifiedOrder = [...t.byId.values()].sort((a, b) => a.modified - b.modified || a.id - b.id)
  }
  return t.modifiedOrder
}
