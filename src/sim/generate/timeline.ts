// The rows of a generated resource: ids 1..count with creation and modification times, spread
// over a time range, some modified later, some in one bulk import.
import { createRng, mixSeed } from './random.ts'

/** Internal row of the simulated store: times in whole Unix seconds, fields when materialised. */
export interface SimRecord {
  id: number
  created: number
  modified: number
  /** Null until a mutation materialises the row; then the full field set. */
  fields: Record<string, unknown> | null
}

export interface TimelineOptions {
  count: number
  seed: number
  /** Creation times spread evenly (by id) over [from, to]. */
  from: Date
  to: Date
  /** Share of rows modified after creation (at a random later time up to `to`). Default 0.5. */
  modifiedShare?: number
  /** A bulk import: `share` of the rows all get date_modified = `at` (the same second). */
  bulkImport?: { at: Date; share: number }
}

/** Rows 1..count with creation and modification times (whole seconds), ids ascending. */
export function generateTimeline(options: TimelineOptions): SimRecord[] {
  const rng = createRng(mixSeed(options.seed, options.count, 5))
  const from = Math.floor(options.from.getTime() / 1000)
  const to = Math.floor(options.to.getTime() / 1000)
  const span = Math.max(0, to - from)
  const modifiedShare = options.modifiedShare ?? 0.5
  const bulkAt = options.bulkImport ? Math.floor(options.bulkImport.at.getTime() / 1000) : 0
  const bulkShare = options.bulkImport?.share ?? 0
  const records = new Array<SimRecord>(options.count)
  for (let i = 0; i < options.count; i += 1) {
    const created = from + Math.floor((span * i) / Math.max(1, options.count))
    let modified = created
    if (rng() < bulkShare) modified = Math.max(created, bulkAt)
    else if (rng() < modifiedShare) modified = created + Math.floor(rng() * (to - created + 1))
    records[i] = { id: i + 1, created, modified, fields: null }
  }
  return records
}
