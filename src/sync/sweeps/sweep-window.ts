// Which keys a table's run sweeps: the window from its cursor (or the start date, or a given date)
// to the run's start on the API's clock (every date_modified is written on it, and a store's clock
// may be minutes off this machine's: docs/bigcommerce-api.md "Clocks, date bounds and ordering"),
// frozen when the run starts, and whether completing it moves the cursor.
import { onApiClock, type ApiClock } from '../../bigcommerce/api-clock.ts'
import type { ResourceDefinition } from '../../resources/types.ts'
import type { SweepMode } from '../sync-state.ts'
import { KEY_MAX, KEY_MIN } from './range-sweep.ts'
import { DEFAULT_OVERLAP_SECONDS, type SyncContext, type SyncOptions } from './sweep-types.ts'

export const toSeconds = (date: Date) => Math.floor(date.getTime() / 1000)
export const keyToIso = (key: number) =>
  key === KEY_MIN || key === KEY_MAX ? null : new Date(key * 1000).toISOString()

/** The window a run sweeps, in sweep keys, and the cursor it may set when it completes. */
export function planWindow(
  resource: ResourceDefinition,
  options: SyncOptions,
  ctx: SyncContext,
  cursor: Date | null,
  runStart: Date,
): { mode: SweepMode; lo: number; hi: number; advancesCursor: boolean } {
  if (resource.sweepKey === 'id')
    return { mode: 'full', lo: KEY_MIN, hi: KEY_MAX, advancesCursor: false }
  const start = ctx.startDate ? toSeconds(ctx.startDate) : KEY_MIN
  // The later of both clocks: a store clock ahead has stamped rows past this machine's now, and
  // one behind gains nothing from a shorter window (cursorAfter keeps the cursor on its clock).
  const hi = Math.max(toSeconds(runStart), toSeconds(onApiClock(ctx.client.apiClock, runStart)))
  if (options.full) return { mode: 'full', lo: start, hi, advancesCursor: true }
  if (options.since) {
    const lo = Math.max(start, toSeconds(options.since))
    // Only a window that reaches back to the cursor (or to the start, on a first run) may move it.
    const reaches = cursor ? lo <= toSeconds(cursor) : lo <= start
    return { mode: 'since', lo, hi, advancesCursor: reaches }
  }
  if (!cursor) return { mode: 'incremental', lo: start, hi, advancesCursor: true }
  const overlap = ctx.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS
  return {
    mode: 'incremental',
    lo: Math.max(start, toSeconds(cursor) - overlap),
    hi,
    advancesCursor: true,
  }
}

/**
 * The cursor a completed window sets: its upper bound, or the run's start on the API's clock when
 * that is earlier (a store clock behind this machine's), so that rows the store stamped after the
 * run began stay inside the next window.
 */
export function cursorAfter(hi: number, runStart: Date, apiClock: ApiClock): Date {
  return new Date(Math.min(hi, toSeconds(onApiClock(apiClock, runStart))) * 1000)
}
