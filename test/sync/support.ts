// Shared pieces for sweep tests: a simulated store, a client for it, and "does the mirror equal
// the store" for any table.
import { sql } from 'drizzle-orm'
import { expect } from 'vitest'
import { createBigCommerceClient, type BigCommerceClient } from '../../src/bigcommerce/client.ts'
import type { Executor } from '../../src/db/database.ts'
import { resourceTables, type ResourceName } from '../../src/db/schema.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import { createClientEventHub, type ClientEventHub } from '../../src/sync/request-stats.ts'
import {
  startSimStore,
  type SimServerOptions,
  type SimStore,
  type SimStoreOptions,
} from '../../src/sim/index.ts'
import type { SimRecord } from '../../src/sim/generate.ts'

/** Records in the order the store lists them for a sweep: by date_modified, then id. */
export const bySweepOrder = (records: SimRecord[]) =>
  [...records].sort((a, b) => a.modified - b.modified || a.id - b.id)

export async function startStore(
  options: SimStoreOptions & SimServerOptions = {},
): Promise<SimStore> {
  return startSimStore({ quota: null, ...options })
}

export function clientFor(sim: SimStore): { client: BigCommerceClient; events: ClientEventHub } {
  const events = createClientEventHub()
  const client = createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    retryBaseMs: 20,
    retryMaxMs: 200,
    onEvent: events.emit,
  })
  return { client, events }
}

/** id → date_modified (epoch seconds; null for tables listed whole) of the mirror's rows for one store. */
export async function mirrorRows(
  db: Executor,
  table: ResourceName,
  storeHash: string,
): Promise<Map<number, number | null>> {
  const rows = await db.execute<{ id: number; dm: number | null }>(sql`
    select id::float8 as id, extract(epoch from date_modified)::float8 as dm
    from ${resourceTables[table]} where store_hash = ${storeHash}`)
  return new Map(rows.map((r) => [Number(r.id), r.dm === null ? null : Number(r.dm)]))
}

/**
 * Whether the store's list shows a row: its orders list leaves out Incomplete orders (status 0)
 * by default (docs/bigcommerce-api.md "The orders listing and its count").
 */
export function listedByStore(sim: SimStore, table: ResourceName, record: SimRecord): boolean {
  return table !== 'orders' || sim.store.fieldsOf('orders', record).status_id !== 0
}

/**
 * The same view of the simulated store (the rows its lists show), optionally only rows modified at
 * or after `since`.
 */
export function storeRows(
  sim: SimStore,
  table: ResourceName,
  since?: Date,
): Map<number, number | null> {
  const from = since ? Math.floor(since.getTime() / 1000) : -Infinity
  // Tables listed whole have no date_modified: every row, with null on both sides.
  const whole = RESOURCES[table].sweepKey === 'id'
  return new Map(
    sim.store
      .byId(table)
      .filter((r) => whole || r.modified >= from)
      .filter((r) => listedByStore(sim, table, r))
      .map((r) => [r.id, whole ? null : r.modified]),
  )
}

/** Asserts the mirror holds exactly the store's rows with the store's date_modified. */
export async function expectMirrorEqualsStore(
  db: Executor,
  sim: SimStore,
  tables: ResourceName[],
  since?: Date,
): Promise<void> {
  for (const table of tables) {
    const mirror = await mirrorRows(db, table, sim.storeHash)
    const store = storeRows(sim, table, since)
    const missing = [...store.keys()].filter((id) => !mirror.has(id))
    const extra = [...mirror.keys()].filter((id) => !store.has(id))
    const stale = [...store]
      .filter(([id, dm]) => mirror.has(id) && mirror.get(id) !== dm)
      .map(([id]) => id)
    expect({
      table,
      missing: missing.slice(0, 10),
      extra: extra.slice(0, 10),
      stale: stale.slice(0, 10),
    }).toEqual({
      table,
      missing: [],
      extra: [],
      stale: [],
    })
    expect(mirror.size).toBe(store.size)
  }
}
