// Orders' children (line items, shipping addresses, applied coupons) as the mirror holds them and
// as the simulated store has them, in one comparable shape: per order, sorted "id:fields" strings.
// Used by the order-children tests and by the convergence harness.
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/database.ts'
import { allLines, renderShippingAddresses, type SimStore } from '../../src/sim/index.ts'

type Sets = Map<number, string[]>

/** Per order: its children as sorted "id:fields" strings, from the mirror. */
export async function mirrorChildren(db: Database, storeHash: string) {
  const read = async (query: ReturnType<typeof sql>): Promise<Sets> => {
    const rows = await db.execute<{ order_id: number; key: string }>(query)
    const out: Sets = new Map()
    for (const r of rows)
      out.set(Number(r.order_id), [...(out.get(Number(r.order_id)) ?? []), r.key].sort())
    return out
  }
  return {
    lines:
      await read(sql`select order_id::float8 as order_id, id || ':' || coalesce(sku, '') || ':' || quantity || ':' || coalesce(order_address_id, 0) as key
      from bigcommerce.order_products where store_hash = ${storeHash}`),
    addresses:
      await read(sql`select order_id::float8 as order_id, id || ':' || city || ':' || country_iso2 || ':' || shipping_method as key
      from bigcommerce.order_shipping_addresses where store_hash = ${storeHash}`),
    coupons:
      await read(sql`select order_id::float8 as order_id, id || ':' || code || ':' || discount::numeric(20,4) as key
      from bigcommerce.order_coupons where store_hash = ${storeHash}`),
  }
}

/** The same view of the simulated store. */
export function storeChildren(store: SimStore) {
  const lines: Sets = new Map()
  const addresses: Sets = new Map()
  const coupons: Sets = new Map()
  const put = (map: Sets, id: number, keys: string[]) => {
    if (keys.length > 0) map.set(id, keys.sort())
  }
  for (const record of store.store.byId('orders')) {
    if (!listedOrder(store, record.id)) continue
    const children = store.store.orderChildren(record.id)
    put(
      lines,
      record.id,
      allLines(children).map((l) => `${l.id}:${l.sku}:${l.quantity}:${l.order_address_id}`),
    )
    put(
      addresses,
      record.id,
      renderShippingAddresses(children, '').map(
        (a) => `${a.id}:${a.city}:${a.country_iso2}:${a.shipping_method}`,
      ),
    )
    put(
      coupons,
      record.id,
      children.coupons.map((c) => `${c.id}:${c.code}:${c.discount}`),
    )
  }
  return { lines, addresses, coupons }
}

export const CHILD_KINDS = ['lines', 'addresses', 'coupons'] as const
export type ChildKind = (typeof CHILD_KINDS)[number]

/** The orders whose children differ between the mirror and the store, per kind. */
/**
 * Whether the store's list shows the order: not an Incomplete one, which sweeps never list and
 * comparisons leave out on both sides (docs/bigcommerce-api.md "The orders listing and its count").
 */
function listedOrder(store: SimStore, id: number): boolean {
  const record = store.store.get('orders', id)
  return !record || store.store.fieldsOf('orders', record).status_id !== 0
}

export async function compareOrderChildren(
  db: Database,
  store: SimStore,
): Promise<Array<{ kind: ChildKind; orderId: number; mirror?: string[]; store?: string[] }>> {
  const mirror = await mirrorChildren(db, store.storeHash)
  const expected = storeChildren(store)
  return CHILD_KINDS.flatMap((kind) =>
    [...new Set([...mirror[kind].keys(), ...expected[kind].keys()])]
      .filter((id) => listedOrder(store, id))
      .filter(
        (id) => JSON.stringify(mirror[kind].get(id)) !== JSON.stringify(expected[kind].get(id)),
      )
      .map((orderId) => ({
        kind,
        orderId,
        mirror: mirror[kind].get(orderId),
        store: expected[kind].get(orderId),
      })),
  )
}
