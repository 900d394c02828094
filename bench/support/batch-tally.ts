// The event worker's batches as its `worker batch` log lines tell them: how many, the events they
// claimed, the row ids they refetched and the time they took.

export interface BatchTally {
  batches: number
  events: number
  ids: number
  ms: number
}

/** The fields of a `worker batch` line this reads. */
export interface WorkerBatchEntry {
  claimed?: number
  durationMs?: number
  tables?: Record<string, { ids?: number }>
}

export const emptyBatchTally = (): BatchTally => ({ batches: 0, events: 0, ids: 0, ms: 0 })

export function tallyBatch(tally: BatchTally, entry: WorkerBatchEntry): void {
  tally.batches += 1
  tally.ms += entry.durationMs ?? 0
  tally.events += entry.claimed ?? 0
  for (const table of Object.values(entry.tables ?? {})) tally.ids += table.ids ?? 0
}
