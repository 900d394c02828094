// The end of a full sweep that ran to its end: rows the store no longer has are deleted, and only
// when the listing was whole, each row is confirmed gone by id, and they stay within the safety
// share (absence is not deletion: docs/reliability.md). A listing that was not whole deletes
// nothing and says so in the run's notes; it does not fail the table, since the next full sync
// would meet the same listing (docs/bigcommerce-api.md "The orders listing and its count").
import { sql } from 'drizzle-orm'
import { resourceTables } from '../../db/schema.ts'
import { deleteRows } from '../../db/write.ts'
import { writeItems } from '../../db/write-items.ts'
import { SNAPSHOT_TABLES } from '../../resources/index.ts'
import type { ResourceDefinition, ResourceRow } from '../../resources/types.ts'
import type { Checkpoint } from '../sync-state.ts'
import { idsToIntervals, intervalsToIds, type ListedEvidence } from './evidence.ts'
import { KEY_MIN } from './range-sweep.ts'
import { MASS_DELETE, massDeleteLimit, type SyncContext, type SyncOptions } from './sweep-types.ts'

/** Why a full sweep deleted nothing above the safety share; the table's run fails. */
export class DeletionRefusedError extends Error {
  /** How many rows were found gone (known when the safety share refused them). */
  readonly wouldDelete: number | undefined

  constructor(message: string, wouldDelete?: number) {
    super(message)
    this.name = 'DeletionRefusedError'
    this.wouldDelete = wouldDelete
  }
}

/** What the end of a full sweep did: rows deleted, or why it deleted none (a note for the run). */
export type Removal = { deleted: number; shortfall?: undefined } | { deleted: 0; shortfall: string }

/**
 * After a full sweep that ran to its end: deletes the rows the store no longer has, when the
 * listing was whole, each is confirmed gone by id, and they are within the safety share. A listing
 * that was not whole deletes nothing and says why; DeletionRefusedError (nothing deleted) when
 * the share is exceeded.
 */
export async function removeGone(
  ctx: SyncContext,
  resource: ResourceDefinition,
  options: SyncOptions,
  sweep: {
    seen: Set<number>
    listed: ListedCount
    countedAtStart: number | undefined
    runStart: Date
    checkpoint: Checkpoint
  },
): Promise<Removal> {
  const shortfall = await checkWhole(
    ctx,
    resource,
    sweep.checkpoint,
    sweep.listed,
    sweep.countedAtStart,
  )
  if (shortfall) return { deleted: 0, shortfall }
  const gone = await findGone(ctx, resource, sweep.seen, sweep.runStart, sweep.checkpoint)
  await checkMassDelete(ctx, resource, gone.length, options)
  return { deleted: await deleteRows(ctx.db, resource.name, ctx.storeHash, gone) }
}

/**
 * Keys whose rows a whole listing must have returned, compared with the store's count of them
 * afterwards: dated rows up to a minute before the run started, which the sweep sees unless they
 * changed meanwhile (and then the count no longer holds them either). Rows modified or created
 * during the run, and a store clock a little behind this one, stay out of the comparison.
 */
const WHOLENESS_MARGIN_SECONDS = 60

function wholenessWindow(checkpoint: Checkpoint): { lo: number; hi: number } {
  return { lo: checkpoint.lo, hi: checkpoint.hi - WHOLENESS_MARGIN_SECONDS }
}

/**
 * What the listing returned: every distinct row (ids; objects without a usable id still count),
 * and the distinct rows whose key lay in `window` when they were listed. An object whose key is
 * unreadable or outside anything the sweep asked for (a far-future date) was still listed inside
 * the window, where the store counts it: it counts as inside (and is set aside as rejected).
 */
export function createListedCount(
  resource: ResourceDefinition,
  checkpoint: Checkpoint,
  restored?: ListedEvidence,
) {
  const window = wholenessWindow(checkpoint)
  const asked = { lo: checkpoint.lo - 1, hi: checkpoint.hi + 1 }
  // A chunked run's count goes on from where its previous chunk left it (evidence.ts).
  const ids = new Set<number>(restored ? intervalsToIds(restored.ids) : [])
  const inside = new Set<number>(restored ? intervalsToIds(restored.inside) : [])
  let withoutId = restored?.withoutId ?? 0
  let maxId = restored?.maxId ?? 0
  const keyOf = (item: unknown) => {
    try {
      return resource.keyOf(item)
    } catch {
      return null // an odd object (no date_modified): the write path deals with it
    }
  }
  return {
    note(items: unknown[]) {
      for (const item of items) {
        const id = item && typeof item === 'object' && 'id' in item ? item.id : undefined
        if (typeof id !== 'number') {
          withoutId += 1
          continue
        }
        ids.add(id)
        maxId = Math.max(maxId, id)
        // An object the store's count leaves out (an Incomplete order) proves nothing about it.
        if (resource.countedInTotal && !resource.countedInTotal(item)) continue
        const key = keyOf(item)
        const placed = key !== null && key >= asked.lo && key <= asked.hi
        if (!placed || (key >= window.lo && key <= window.hi)) inside.add(id)
      }
    },
    all: () => ids.size + withoutId,
    inside: () => inside.size + withoutId,
    maxId: () => maxId,
    toJSON: (): ListedEvidence => ({
      ids: idsToIntervals(ids),
      inside: idsToIntervals(inside),
      withoutId,
      maxId,
    }),
  }
}

export type ListedCount = ReturnType<typeof createListedCount>

/**
 * A listing is whole when it returned at least as many rows as the store counts (orders: the
 * orders the list shows, see the orders resource). Dated tables
 * compare the rows listed inside the wholeness window with the store's count of that window,
 * asked after the sweep: exact whatever changed during the run. Coupons (no dates; the count
 * covers the whole table only) compare every listed row with the count at the start or, failing
 * that, with the count now plus the coupons created after the sweep passed the top of the id
 * range (new coupons get higher ids; they are asked for after the count, so none is missed).
 * Returns null when whole, or what fell short, in words.
 */
async function checkWhole(
  ctx: SyncContext,
  resource: ResourceDefinition,
  checkpoint: Checkpoint,
  listed: ListedCount,
  countedAtStart: number | undefined,
): Promise<string | null> {
  let rows: number
  let counted: number | undefined
  if (resource.sweepKey === 'id') {
    rows = listed.all()
    if (countedAtStart !== undefined && rows >= countedAtStart) return null
    counted = await resource.countRange(ctx.client, {})
    if (counted !== undefined && rows < counted)
      rows += await countCreatedSince(ctx, resource, listed.maxId())
  } else {
    const window = wholenessWindow(checkpoint)
    if (window.hi <= window.lo + 2) return null
    rows = listed.inside()
    // Bounds moved in by one: countRange widens them, so the count stays inside the window.
    const lo = checkpoint.lo === KEY_MIN ? undefined : window.lo + 1
    counted = await resource.countRange(ctx.client, { lo, hi: window.hi - 1 })
  }
  if (counted !== undefined && rows >= counted) return null
  const said =
    counted === undefined
      ? 'the store did not say how many rows it holds, so the listing could not be checked'
      : `the listing returned ${rows} rows where the store counts ${counted}, and the API does not say which rows it left out`
  return `${said}; the rows listed were written and nothing was deleted (the next full sync checks again)`
}

/** Coupons with ids above `maxId`: created after the sweep passed the top of the id range. */
async function countCreatedSince(
  ctx: SyncContext,
  resource: ResourceDefinition,
  maxId: number,
): Promise<number> {
  const tail = await resource.listRange(ctx.client, { lo: maxId + 1, page: 1 })
  return tail.items.filter((item) => resource.keyOf(item) > maxId).length
}

/**
 * Rows the mirror holds in the window that the sweep did not see and that the store, asked for
 * them by id, no longer has. Rows written since the run started are spared: a webhook or another
 * writer put them there after the sweep passed. An unseen row the store still has (modified
 * during the sweep, it moved past the window) is written instead.
 */
async function findGone(
  ctx: SyncContext,
  resource: ResourceDefinition,
  seen: Set<number>,
  runStart: Date,
  checkpoint: Checkpoint,
): Promise<number[]> {
  const table = resourceTables[resource.name]
  const from =
    checkpoint.lo === KEY_MIN || resource.sweepKey === 'id'
      ? null
      : new Date(checkpoint.lo * 1000).toISOString()
  const held = await ctx.db.execute<{ id: number }>(sql`
    select id::float8 as id from ${table}
    where store_hash = ${ctx.storeHash} and synced_at < ${runStart.toISOString()}::timestamptz
      and (${from}::timestamptz is null or date_modified >= ${from}::timestamptz)`)
  const unseen = held.map((r) => Number(r.id)).filter((id) => !seen.has(id))
  if (unseen.length === 0) return []
  const readAt = new Date()
  const answer = await resource.fetchByIds(ctx.client, unseen)
  const present = [...answer.found.values(), ...answer.unidentified]
  const prepare = async (rows: ResourceRow[]) => {
    await resource.prepareRows?.(ctx, rows)
  }
  if (present.length > 0)
    await writeItems(ctx.db, resource, ctx.storeHash, present, { fetchedAt: readAt, prepare })
  // Only an id the answer is sure about counts as gone (see IdAnswer).
  return unseen.filter((id) => !answer.found.has(id) && !answer.unanswered.has(id))
}

/** Refuses a deletion above the safety share unless the caller allowed it. */
async function checkMassDelete(
  ctx: SyncContext,
  resource: ResourceDefinition,
  gone: number,
  options: SyncOptions,
): Promise<void> {
  if (gone === 0 || options.allowMassDelete) return
  const [row] = await ctx.db.execute<{ rows: number }>(sql`
    select count(*)::float8 as rows from ${resourceTables[resource.name]} where store_hash = ${ctx.storeHash}`)
  const rows = Number(row?.rows ?? 0)
  if (gone <= massDeleteLimit(rows)) return
  const table = resource.name
  const command = `bc-mirror sync${SNAPSHOT_TABLES.includes(table) ? '' : ' --full'} --tables ${table} --allow-mass-delete`
  const what =
    gone >= rows
      ? `would delete all ${rows} rows, emptying the table`
      : `would delete ${gone} of ${rows} rows, more than the safety share (half of the table, ` +
        `and at most 10% of it or ${MASS_DELETE.rows} rows, whichever is larger)`
  throw new DeletionRefusedError(
    `${table}: ${what}; nothing deleted. If the store really lost them, run: ${command}`,
    gone,
  )
}
