// The one write path from raw API objects to a resource table, used by sweeps and the event
// processor alike. One odd object never holds back the others: an object that fails validation
// (no id, no date_modified where the table needs one, a date_modified more than a day ahead) or
// that PostgreSQL refuses (a NUL in a string, an integer out of range) is set aside in
// `rejected_rows` with its reason, and every other object of the batch is written. A failed batch
// is split in halves until the refused rows stand alone, so one bad row costs about
// 2·log2(batch) extra statements and a clean batch costs none. A row stored later (or found
// unchanged) clears its id's entry, so the next read of that id is its retry. A row that its
// preparation set aside (an order whose children could not be read) is kept aside the same way.
import { sql } from 'drizzle-orm'
import { boundedJson, MAX_REJECTED_RAW_BYTES } from './bounded-json.ts'
import type { Executor } from './database.ts'
import { describeCause, isRowError, MAX_ERROR_LENGTH, shorten } from './errors.ts'
import { rejectedRows } from './schema.ts'
import { DEFAULT_BATCH_SIZE, dedupeById, upsertRows } from './write.ts'
import type { ResourceRow } from './rows.ts'
import type { ResourceName } from './schema.ts'

/** A date_modified further ahead than this is a wrong clock or a bad value, never a version. */
export const MAX_FUTURE_MS = 86_400_000

export interface RejectedItem {
  /** The object's id, or null when it had none. */
  id: number | null
  /** Why, in one short line: the validation failure or PostgreSQL's own message. */
  reason: string
}

export interface WriteItemsResult {
  /** Rows inserted or replaced. */
  written: number
  /** Objects that changed nothing: identical, older than the stored row, or tombstoned. */
  unchanged: number
  /** Objects set aside in rejected_rows. */
  rejected: RejectedItem[]
  /** Ids of the objects accepted (written or unchanged). */
  ids: number[]
  /** Ids that preparing set aside (also in `rejected`): to be read again, not yet stored. */
  setAside: number[]
}

export interface WriteItemsOptions {
  /** When the read that returned the objects began (see upsertRows). */
  fetchedAt?: Date
  /** The clock for the far-future check; default now. */
  now?: Date
  batchSize?: number
  /** Reads what the valid rows need besides their own object (an order's children) first. */
  prepare?: (rows: ResourceRow[]) => Promise<void>
}

/** What writing needs of a resource (its declaration fits): its table, and an object as a row. */
export interface RowSource {
  name: ResourceName
  toRow(item: unknown): ResourceRow
}

interface Rejection extends RejectedItem {
  raw: string
}

function idOf(item: unknown): number | null {
  const id = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null
}

/**
 * A rejection keeping the object's JSON text (text survives what jsonb refuses, such as \u0000),
 * at most MAX_REJECTED_RAW_BYTES of it: a larger object is cut, and its reason says so.
 */
function reject(id: number | null, reason: string, item: unknown): Rejection {
  const raw = boundedJson(item)
  if (!raw.cut) return { id, reason, raw: raw.text }
  const note = ` (object of ${raw.bytes} bytes, first ${MAX_REJECTED_RAW_BYTES / 1024} KiB kept)`
  return { id, reason: shorten(reason, MAX_ERROR_LENGTH - note.length) + note, raw: raw.text }
}

function checkItem(
  resource: RowSource,
  item: unknown,
  now: Date,
): { row: ResourceRow } | Rejection {
  let row: ResourceRow
  try {
    row = resource.toRow(item)
  } catch (error) {
    return reject(idOf(item), describeCause(error), item)
  }
  const modified = row.date_modified
  if (modified && modified.getTime() > now.getTime() + MAX_FUTURE_MS) {
    const reason = `date_modified ${modified.toISOString()} is more than a day in the future`
    return reject(row.id, reason, item)
  }
  return { row }
}

/** Writes `rows`, splitting on a row-level refusal until the refused rows stand alone. */
async function writeIsolating(
  db: Executor,
  resource: RowSource,
  storeHash: string,
  rows: ResourceRow[],
  fetchedAt: Date,
  rejected: Rejection[],
): Promise<{ written: number; refused: Set<number> }> {
  try {
    const result = await upsertRows(db, resource.name, storeHash, rows, {
      fetchedAt,
      batchSize: rows.length,
    })
    return { written: result.written, refused: new Set() }
  } catch (error) {
    if (!isRowError(error)) throw error
    const [only] = rows
    if (rows.length === 1 && only) {
      rejected.push(reject(only.id, describeCause(error), only.data))
      return { written: 0, refused: new Set([only.id]) }
    }
    const half = Math.ceil(rows.length / 2)
    const write = (part: ResourceRow[]) =>
      writeIsolating(db, resource, storeHash, part, fetchedAt, rejected)
    const left = await write(rows.slice(0, half))
    const right = await write(rows.slice(half))
    return {
      written: left.written + right.written,
      refused: new Set([...left.refused, ...right.refused]),
    }
  }
}

/** Validates and writes raw API objects of one resource; see the file's first lines. */
export async function writeItems(
  db: Executor,
  resource: RowSource,
  storeHash: string,
  items: unknown[],
  options: WriteItemsOptions = {},
): Promise<WriteItemsResult> {
  const now = options.now ?? new Date()
  const fetchedAt = options.fetchedAt ?? now
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const rejected: Rejection[] = []
  const valid: ResourceRow[] = []
  for (const item of items) {
    const checked = checkItem(resource, item, now)
    if ('row' in checked) valid.push(checked.row)
    else rejected.push(checked)
  }
  const prepared = dedupeById(valid)
  await options.prepare?.(prepared)
  // Rows that preparing set aside (an order whose children could not be read) stay as stored.
  const unique = prepared.filter((row) => row.setAside === undefined)
  const setAside = prepared.filter((row) => row.setAside !== undefined)
  rejected.push(...setAside.map(({ id, setAside: reason, data }) => reject(id, reason ?? '', data)))
  let written = 0
  const refused = new Set<number>()
  for (let start = 0; start < unique.length; start += batchSize) {
    const batch = unique.slice(start, start + batchSize)
    const result = await writeIsolating(db, resource, storeHash, batch, fetchedAt, rejected)
    written += result.written
    for (const id of result.refused) refused.add(id)
  }
  const ids = unique.map((row) => row.id).filter((id) => !refused.has(id))
  // Entries of the accepted ids went with their upsert statements (see write.ts).
  await recordRejections(db, storeHash, resource.name, rejected)
  return {
    written,
    unchanged: items.length - written - rejected.length,
    rejected: rejected.map(({ id, reason }) => ({ id, reason })),
    ids,
    setAside: setAside.map((row) => row.id),
  }
}

/** Keeps (or refreshes) one entry per id, or per raw text for objects without an id. */
export async function recordRejections(
  db: Executor,
  storeHash: string,
  resource: string,
  rejections: Rejection[],
): Promise<void> {
  if (rejections.length === 0) return
  const byKey = new Map(rejections.map((r) => [r.id === null ? `raw:${r.raw}` : String(r.id), r]))
  const payload = JSON.stringify(
    [...byKey.values()].map((r) => ({ id: r.id, reason: shorten(r.reason), raw: r.raw })),
  )
  await db.execute(sql`
    insert into ${rejectedRows} as r (store_hash, resource, id, reason, raw)
    select ${storeHash}, ${resource}, x.id, x.reason, x.raw
    from jsonb_to_recordset(${payload}::jsonb) as x(id bigint, reason text, raw text)
    on conflict (store_hash, resource, fingerprint) do update
      set reason = excluded.reason, raw = excluded.raw, last_seen_at = now()`)
}
