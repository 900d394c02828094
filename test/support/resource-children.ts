// Products' variants and customers' addresses as the mirror holds them and as the simulated store
// has them (every child, never cut), in one comparable shape: per parent, sorted "id:fields"
// strings. Used by the resource-children tests and by the convergence harness.
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/database.ts'
import type { SimStore } from '../../src/sim/index.ts'

export type ChildParent = 'products' | 'customers'
export type Sets = Record<number, string[]>

const variantKey = (v: Record<string, unknown>) =>
  `${String(v.id)}:${String(v.sku)}:${String(v.inventory_level)}`
const addressKey = (a: Record<string, unknown>) =>
  `${String(a.id)}:${String(a.city)}:${String(a.postal_code)}`

/** A parent's children in the store (every one, never cut). */
export function childrenIn(store: SimStore, parent: ChildParent, id: number) {
  const record = store.store.get(parent, id)
  const list = record
    ? store.store.renderClean(parent, record)[parent === 'products' ? 'variants' : 'addresses']
    : []
  return (Array.isArray(list) ? list : []) as Array<{ id: number } & Record<string, unknown>>
}

/** Per parent: its children as sorted keys, as the store has them. */
export function storeSets(store: SimStore, parent: ChildParent): Sets {
  const key = parent === 'products' ? variantKey : addressKey
  const out: Sets = {}
  for (const record of store.store.byId(parent)) {
    const keys = childrenIn(store, parent, record.id).map(key)
    if (keys.length > 0) out[record.id] = keys.sort()
  }
  return out
}

/** The same view of the mirror. */
export async function mirrorSets(db: Database, storeHash: string, parent: ChildParent) {
  const rows = await db.execute<{ parent: number; key: string }>(
    parent === 'products'
      ? sql`select product_id::float8 as parent, id || ':' || sku || ':' || inventory_level as key
          from bigcommerce.product_variants where store_hash = ${storeHash}`
      : sql`select customer_id::float8 as parent, id || ':' || city || ':' || postal_code as key
          from bigcommerce.customer_addresses where store_hash = ${storeHash}`,
  )
  const out: Sets = {}
  for (const r of rows) (out[Number(r.parent)] ??= []).push(r.key)
  for (const keys of Object.values(out)) keys.sort()
  return out
}

/** The parents whose sets differ between the mirror and the store. */
export async function compareResourceChildren(db: Database, store: SimStore, parent: ChildParent) {
  const mirror = await mirrorSets(db, store.storeHash, parent)
  const expected = storeSets(store, parent)
  const ids = [...new Set([...Object.keys(mirror), ...Object.keys(expected)])].map(Number)
  return {
    parents: Object.keys(expected).length,
    mirrorParents: Object.keys(mirror).length,
    differing: ids
      .filter((id) => JSON.stringify(mirror[id]) !== JSON.stringify(expected[id]))
      .map((id) => ({ id, mirror: mirror[id], store: expected[id] })),
  }
}
