// What every resource (one file per table) declares, and the row shape the write path takes.
import type { ResourceName } from '../db/schema.ts'

/**
 * One row for a resource table: `id`, `date_modified` (null for coupons), the raw API object in
 * `data`, and the table's typed columns under their SQL names (e.g. `status_id`, `email`).
 * The write path adds `store_hash` and `synced_at`.
 */
export interface ResourceRow {
  id: number
  date_modified: Date | null
  data: unknown
  [column: string]: unknown
}

export type { ResourceName }
