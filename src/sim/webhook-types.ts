// The shapes of the simulated store's webhook side (webhooks.ts): a hook, the emitter's options
// and switches, one delivery attempt as recorded.
export interface SimHook {
  id: number
  client_id: string
  store_hash: string
  scope: string
  destination: string
  is_active: boolean
  headers: Record<string, string> | null
  created_at: number
  updated_at: number
}

export interface WebhookOptions {
  storeHash: string
  storeId?: string
  /** When set, deliveries carry webhook-id / webhook-timestamp / webhook-signature. */
  clientSecret?: string
  /**
   * BigCommerce time → real time: 0.001 runs its 60 s first retry after 60 ms, its 3-minute
   * blocklist for 180 ms. Default 1 (real time).
   */
  timeScale?: number
  /** Real waits before each retry instead of BigCommerce's schedule (BIGCOMMERCE_RETRY_SECONDS). */
  retryDelaysMs?: number[]
  /** The domain blocklist (below 90% success over 2 minutes). Default true. */
  blocklist?: boolean
  /** Accept http destinations and any port (tests and the demo); BigCommerce wants https on 443. */
  localTesting?: boolean
  /** Scopes this store refuses (422) although the events page lists them: a store may. */
  unknownScopes?: string[]
  deliveryTimeoutMs?: number
  /** Share of events never delivered at all (lost). */
  dropRate?: number
  /** Share of events delivered twice (same body, same hash). */
  duplicateRate?: number
  /** Each delivery waits a random 0..maxDelayMs first, so events can arrive out of order. */
  maxDelayMs?: number
  /**
   * 'event' (default): hash differs per event. 'data': SHA-1 of the JSON data alone, as the docs
   * literally say, so two events with equal data (two updates of one order) share a hash.
   */
  hashMode?: 'event' | 'data'
  /**
   * Whether `store/customer/*` also delivers nested events (`store/customer/address/updated`).
   * BigCommerce's docs leave it open: 'covered' says yes, 'separate' (default, the harsher
   * reading) says a wildcard covers only the events one level below it.
   */
  nestedWildcards?: 'covered' | 'separate'
  seed?: number
  clock?: () => number
}

export interface DeliveryRecord {
  /** The event's number, as emit() returned it (1, 2, ...). */
  event: number
  hookId: number
  scope: string
  hash: string
  attempt: number
  status: number | null
  ok: boolean
  /** Not sent: the destination's domain was on the blocklist (the event waits for a retry). */
  blocked?: boolean
}

/** Why BigCommerce switched a hook off: its deliveries failed for 48 hours, or no event came. */
export type DeactivationCause = 'failures' | 'inactivity'
