// A table run's checkpoint: saved as coverage grows, so a killed run resumes where it was; and the
// rule that a resumed run which read nothing, where the mirror holds rows, proves nothing (a store
// that lists nothing must not complete a sweep and move its cursor: docs/reliability.md).
import { sql } from 'drizzle-orm'
import { resourceTables, type ResourceName } from '../../db/schema.ts'
import type { ResourceDefinition } from '../../resources/types.ts'
import { saveCheckpoint, type Checkpoint } from '../sync-state.ts'
import type { Coverage } from './coverage.ts'
import { SweepIncompleteError } from './range-fetch.ts'
import type { SyncContext } from './sweep-types.ts'

/**
 * Keeps the checkpoint close to coverage (a small update per committed page), one write at a
 * time, so a run killed at any point loses at most the pages in flight.
 */
export function createCheckpointSaver(
  ctx: SyncContext,
  run: { table: ResourceName; checkpoint: Checkpoint; coverage: Coverage },
) {
  const current = (): Checkpoint => ({ ...run.checkpoint, covered: run.coverage.toJSON() })
  let saving: Promise<void> | null = null
  let dirty = false
  async function flush() {
    while (dirty) {
      dirty = false
      await saveCheckpoint(ctx.db, ctx.storeHash, run.table, current()).catch(() => {})
    }
    saving = null
  }
  return {
    current,
    saveSoon() {
      dirty = true
      saving ??= flush()
    },
    settled: async () => {
      await saving
    },
  }
}

/** A resumed run listed no rows where the mirror holds some; the next run starts afresh. */
export class ResumedReadNothingError extends SweepIncompleteError {
  constructor(table: string, held: number) {
    super(
      `${table}: this run resumed an interrupted sweep and the store listed no rows where the mirror holds ${held}; not counted as read and the cursor stays: the next run reads the whole window again`,
    )
    this.name = 'ResumedReadNothingError'
  }
}

/**
 * After a resumed run read no rows at all: fails it when the mirror holds rows (last written
 * before the run) in the key ranges it had left to read. A store that answers every list with
 * "nothing" would otherwise complete the sweep on the strength of the interrupted run's pages.
 */
export async function checkResumedRead(
  ctx: SyncContext,
  resource: ResourceDefinition,
  resumed: { gaps: Array<[number, number]>; runStart: Date },
): Promise<void> {
  if (resumed.gaps.length === 0) return
  const table = resourceTables[resource.name]
  const byId = resource.sweepKey === 'id'
  const inGap = ([lo, hi]: [number, number]) =>
    byId
      ? sql`(id >= ${lo} and id <= ${hi})`
      : sql`(date_modified >= to_timestamp(${lo}) and date_modified < to_timestamp(${hi + 1}))`
  const before = resumed.runStart.toISOString()
  const [row] = await ctx.db.execute<{ n: number }>(sql`
    select count(*)::int as n from ${table}
    where store_hash = ${ctx.storeHash} and synced_at < ${before}::timestamptz
      and (${sql.join(resumed.gaps.map(inGap), sql` or `)})`)
  const held = row?.n ?? 0
  if (held > 0) throw new ResumedReadNothingError(resource.name, held)
}
