// The row shapes the write path takes. They live with the database layer, which writes them, so
// that it needs nothing from src/resources; the resources build them (and re-export them).
import type { ChildTable } from './schema.ts'

/** One child row: key within its parent (an order, a product, a customer), `data` as the API returned the item, typed columns. */
export interface ChildRow {
  id: number
  data: unknown
  [column: string]: unknown
}

/**
 * A parent row's children by table (an order's line items, a product's variants, ...). A table
 * left out is not known this time (left as stored); a table present replaces the stored set, so
 * an empty list removes every stored row.
 */
export type ChildSets = Partial<Record<ChildTable, ChildRow[]>>

/**
 * One row for a resource table: `id`, `date_modified` (null for coupons), the raw API object in
 * `data`, and the table's typed columns under their SQL names (e.g. `status_id`, `email`).
 * The write path adds `store_hash` and `synced_at`.
 */
export interface ResourceRow {
  id: number
  date_modified: Date | null
  data: unknown
  /** Child rows written with this row (an order's line items, a product's variants, ...). */
  children?: ChildSets
  /**
   * Why this row is not written this time (its children could not be read): it goes to
   * rejected_rows, the stored row and its children stay as they are, and it is read again later.
   */
  setAside?: string
  [column: string]: unknown
}
