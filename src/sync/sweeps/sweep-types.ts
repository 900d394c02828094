// The shapes of a sweep run: what it is given (SyncContext, SyncOptions), what it reports while
// it works (TableProgress) and when it ends (TableSummary, SyncSummary), and its safety limits.
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import type { Database } from '../../db/database.ts'
import type { ResourceName } from '../../db/schema.ts'
import type { RejectedItem } from '../../db/write-items.ts'
import type { ChildReadStats } from '../../resources/types.ts'
import type { ClientEventHub, RequestCounts } from '../request-stats.ts'
import type { SweepMode } from '../sync-state.ts'

/** Re-read this much before the cursor: late-visible writes and clock skew stay covered. */
export const DEFAULT_OVERLAP_SECONDS = 5 * 60

export interface SyncContext {
  db: Database
  client: BigCommerceClient
  storeHash: string
  /** Rows last modified before this are not mirrored. */
  startDate?: Date
  /** The client's events, for per-table request counts. */
  clientEvents?: ClientEventHub
  onProgress?: (progress: TableProgress) => void
  /**
   * Requests each table keeps in flight at most (the pacer sets the real rate). Default: the
   * tables share SYNC_LIST_REQUESTS_IN_FLIGHT (see tableConcurrency).
   */
  concurrency?: number
  overlapSeconds?: number
  now?: () => Date
  /** Who this sweep is, for the store's sweep lease, and how to tell a dead holder (see lease.ts). */
  lease?: { holder: string; isGone(holder: string): boolean; ttlMs?: number }
}

export interface SyncOptions {
  tables?: readonly ResourceName[]
  full?: boolean
  since?: Date
  /** Wait for a sweep already running for this store instead of failing at once. */
  wait?: boolean
  /** Let a full sweep delete more than the safety share of a table (see MASS_DELETE). */
  allowMassDelete?: boolean
  signal?: AbortSignal
  /**
   * A full sweep run in chunks (the Worker's queue jobs): a chunk stopped by the signal saves the
   * ids listed so far with its checkpoint, so that the chunk which ends the listing may delete
   * (evidence.ts). Without it, a resumed full sweep deletes nothing and the next one does.
   */
  chunked?: boolean
}

/**
 * A full sweep deletes at most half of a table's rows, and of a large table at most this share
 * (or this many rows, whichever is larger), unless allowMassDelete is set: a store does not lose
 * half of a small table or a tenth of a large one between two sweeps, but a store that lists
 * nothing and answers every id "not found" looks exactly like that (docs/reliability.md).
 */
export const MASS_DELETE = { half: 0.5, share: 0.1, rows: 1000 }

/** The most rows a full sweep may delete from a table of `rows` rows without allowMassDelete. */
export function massDeleteLimit(rows: number): number {
  const share = Math.max(MASS_DELETE.rows, Math.ceil(rows * MASS_DELETE.share))
  return Math.min(Math.floor(rows * MASS_DELETE.half), share)
}

export interface TableProgress {
  table: ResourceName
  fetched: number
  /** Rows the window holds, when the API said. */
  total?: number
  requests: number
  elapsedMs: number
  /** 'running' until the table ends; then how it ended (a stopped run says 'interrupted'). */
  state: 'running' | TableSummary['status']
}

export interface TableSummary extends RequestCounts {
  /** 'interrupted': stopped (Ctrl-C, a budget, serve stopping); the next run resumes. */
  status: 'completed' | 'failed' | 'interrupted'
  mode: SweepMode
  window: { from: string | null; to: string | null }
  fetched: number
  upserted: number
  unchanged: number
  deleted: number
  /** Objects set aside in rejected_rows this run (the first MAX_REJECTED_LISTED, with why). */
  rejected: RejectedItem[]
  /** How many were set aside in all. */
  rejectedCount: number
  /** Rows a full sweep found gone but did not delete (above the safety share). */
  wouldDelete?: number
  seconds: number
  error?: string
  /** Orders: requests spent on line items, addresses and coupons, and the per-order fallback. */
  children?: ChildReadStats
  /** Things worth telling the user about the run (e.g. that the per-order fallback ran). */
  notes?: string[]
}

/** Rejected objects a summary lists by id; the rest are counted (rejected_rows has them all). */
export const MAX_REJECTED_LISTED = 100

export interface SyncSummary {
  ok: boolean
  storeHash: string
  startedAt: string
  seconds: number
  tables: Partial<Record<ResourceName, TableSummary>>
}
