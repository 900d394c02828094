// What the inbox holds: an event as the receiver stores it, and as a worker holds it under a claim.
import type { ResourceName } from '../../db/schema.ts'

/** 'held': a deletion above the deletion valve, waiting for a full sweep (deletion-valve.ts). */
export type EventStatus = 'pending' | 'done' | 'failed' | 'ignored' | 'held'

/** One delivery as the receiver stores it. */
export interface InboxEvent {
  /** The store it is for, when the writer serves several; else the writer's store. */
  storeHash?: string
  hash: string
  scope: string
  /** The table the event refreshes, or null for a scope the mirror does not use. */
  resource: ResourceName | null
  /** The row id it refreshes (null when unknown). */
  resourceId: number | null
  /** The envelope as delivered. */
  payload: unknown
  /** `payload` as JSON text, when known already (the inbox writer sets it when it measures it). */
  payloadJson?: string
}

/** An event a worker holds under a lease. */
export interface ClaimedEvent {
  id: number
  scope: string
  resource: string | null
  resourceId: number | null
  /** Claims so far, this one included (confirmation re-reads do not count). */
  attempts: number
  /** Confirmation re-reads already made for this event (see deferEvents). */
  rechecks: number
  /** Identifies this claim: finishing is a no-op once someone else has claimed or re-armed it. */
  lease: string
}
