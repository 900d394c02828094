// What a full sweep cut into chunks (the Worker's nightly reconciliation, one queue message each)
// carries from one chunk to the next so that its end may still delete: the ids its listing
// returned so far and its count of them. Only a chunk that stopped cleanly (its budget) saves it,
// with the checkpoint's coverage of the same moment; a chunk killed mid-way leaves none, and the
// run it resumes then deletes nothing (the next full run does), as before.
import type { Interval } from './coverage.ts'

/** Ids as sorted runs of consecutive ids: a store's ids are mostly dense, so this stays small. */
export function idsToIntervals(ids: Iterable<number>): Interval[] {
  const sorted = [...ids].sort((a, b) => a - b)
  const runs: Interval[] = []
  for (const id of sorted) {
    const last = runs[runs.length - 1]
    if (last && id <= last[1] + 1) last[1] = Math.max(last[1], id)
    else runs.push([id, id])
  }
  return runs
}

export function intervalsToIds(runs: readonly Interval[]): number[] {
  const ids: number[] = []
  for (const [lo, hi] of runs) for (let id = lo; id <= hi; id += 1) ids.push(id)
  return ids
}

/** The listing's count so far (remove-gone.ts createListedCount). */
export interface ListedEvidence {
  ids: Interval[]
  inside: Interval[]
  withoutId: number
  maxId: number
}

export interface DeletionEvidence {
  /** The start of the run's first chunk: rows written since are never deleted by it. */
  runStart: string
  /** Ids written or set aside as rejected so far. */
  seen: Interval[]
  listed: ListedEvidence
}

const isIntervals = (value: unknown): value is Interval[] =>
  Array.isArray(value) &&
  value.every((i) => Array.isArray(i) && i.length === 2 && i.every((n) => typeof n === 'number'))

/** The evidence a checkpoint carries, or undefined when it has none (or it is malformed). */
export function evidenceOf(checkpoint: unknown): DeletionEvidence | undefined {
  if (!checkpoint || typeof checkpoint !== 'object' || !('evidence' in checkpoint)) return undefined
  const e = checkpoint.evidence as Partial<DeletionEvidence> | null
  const listed = e?.listed
  const valid =
    typeof e?.runStart === 'string' &&
    !Number.isNaN(Date.parse(e.runStart)) &&
    isIntervals(e.seen) &&
    !!listed &&
    isIntervals(listed.ids) &&
    isIntervals(listed.inside) &&
    typeof listed.withoutId === 'number' &&
    typeof listed.maxId === 'number'
  return valid ? (e as DeletionEvidence) : undefined
}
