// The API figures of `/metrics` per store and over all stores, counted in this process from each
// store's client events. Every store is counted, but only a bounded set gets series labelled with
// its hash (PER_STORE_SERIES: first the stores that need a person, then the most requests), so a
// thousand stores add at most that many series per figure; the totals cover every store.
import type { ClientEvent } from '../bigcommerce/client.ts'
import type { PacerSnapshot } from '../bigcommerce/pacer.ts'

/** Stores with series of their own in `/metrics`, at most. */
export const PER_STORE_SERIES = 20
/** A store with less than this share of its quota left counts as low on quota. */
export const LOW_QUOTA_SHARE = 0.1

export interface StoreApiFigures {
  /** Responses received, every status. */
  requests: number
  /** Responses of 400 and above other than 404 and 429, and timeouts or connection errors. */
  errors: number
  /** 429 answers. */
  throttled: number
  /** Requests left in the quota window and the quota, as the pacer last saw them. */
  quotaLeft: number | null
  quota: number | null
}

export interface StoreApiTally {
  /** An event of a store's client; without a store (a one-store host), counted in the totals only. */
  record(storeHash: string | undefined, event: ClientEvent, snapshot?: PacerSnapshot): void
  /** The figures of one store (counted in this process). */
  of(storeHash: string): StoreApiFigures | undefined
  /** The exposition: totals, and series for the stores `selectStores` picks. */
  render(needingAttention: readonly string[]): string
}

const isError = (event: ClientEvent) =>
  (event.type === 'response' && event.status >= 400 && ![404, 429].includes(event.status)) ||
  (event.type === 'retry' && event.status === null)

export function createStoreApiTally(): StoreApiTally {
  const stores = new Map<string, StoreApiFigures>()
  const totals = { errors: 0 }
  return {
    record(storeHash, event, snapshot) {
      if (isError(event)) totals.errors += 1
      if (storeHash === undefined) return
      const key = storeHash.toLowerCase()
      let figures = stores.get(key)
      if (!figures) {
        figures = { requests: 0, errors: 0, throttled: 0, quotaLeft: null, quota: null }
        stores.set(key, figures)
      }
      if (event.type === 'response') figures.requests += 1
      if (event.type === 'throttled') figures.throttled += 1
      if (isError(event)) figures.errors += 1
      if (snapshot?.available != null) figures.quotaLeft = snapshot.available
      if (snapshot?.quota != null) figures.quota = snapshot.quota
    },
    of: (storeHash) => stores.get(storeHash.toLowerCase()),
    render: (needingAttention) => renderStoreApi(stores, totals.errors, needingAttention),
  }
}

/**
 * The stores that get series of their own: those that need a person (in the order given), then
 * the most requests; at most PER_STORE_SERIES.
 */
export function selectStores(
  stores: ReadonlyMap<string, StoreApiFigures>,
  needingAttention: readonly string[],
): string[] {
  const chosen = new Set(needingAttention.map((h) => h.toLowerCase()))
  const busiest = [...stores]
    .filter(([hash]) => !chosen.has(hash))
    .sort(([a, x], [b, y]) => y.requests - x.requests || a.localeCompare(b))
    .map(([hash]) => hash)
  return [...chosen, ...busiest].slice(0, PER_STORE_SERIES)
}

const headroomOf = (f: StoreApiFigures) =>
  f.quota && f.quotaLeft !== null ? Math.max(0, Math.min(1, f.quotaLeft / f.quota)) : null

function family(name: string, type: string, help: string, samples: string[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples]
}

function renderStoreApi(
  stores: ReadonlyMap<string, StoreApiFigures>,
  errors: number,
  needingAttention: readonly string[],
): string {
  const all = [...stores.values()]
  const headrooms = all.map(headroomOf).filter((h): h is number => h !== null)
  const chosen = selectStores(stores, needingAttention)
  const labelled = (
    name: string,
    type: string,
    help: string,
    pick: (f: StoreApiFigures) => number | null,
  ) =>
    family(
      name,
      type,
      help,
      chosen.flatMap((hash) => {
        const figures = stores.get(hash)
        const value = figures ? pick(figures) : 0
        return value === null ? [] : [`${name}{store="${escapeLabel(hash)}"} ${value}`]
      }),
    )
  return [
    ...family(
      'bcmirror_api_errors_total',
      'counter',
      'API errors over every store (4xx other than 404 and 429, 5xx, timeouts, connection errors)',
      [`bcmirror_api_errors_total ${errors}`],
    ),
    ...family('bcmirror_api_stores_seen', 'gauge', 'Stores whose API this process has talked to', [
      `bcmirror_api_stores_seen ${stores.size}`,
    ]),
    ...family(
      'bcmirror_api_stores_low_quota',
      'gauge',
      `Stores with less than ${LOW_QUOTA_SHARE * 100}% of their quota left as last seen`,
      [`bcmirror_api_stores_low_quota ${headrooms.filter((h) => h < LOW_QUOTA_SHARE).length}`],
    ),
    ...family(
      'bcmirror_api_quota_headroom_min',
      'gauge',
      'The smallest share of its quota any store had left as last seen (1 when none is known)',
      [`bcmirror_api_quota_headroom_min ${headrooms.length > 0 ? Math.min(...headrooms) : 1}`],
    ),
    ...labelled(
      'bcmirror_store_api_requests_total',
      'counter',
      `API responses per store, for at most ${PER_STORE_SERIES} stores: those needing a person, then the most requests`,
      (f) => f.requests,
    ),
    ...labelled(
      'bcmirror_store_api_errors_total',
      'counter',
      'API errors per store, for the same stores',
      (f) => f.errors,
    ),
    ...labelled(
      'bcmirror_store_api_throttled_total',
      'counter',
      'API 429 answers per store, for the same stores',
      (f) => f.throttled,
    ),
    ...labelled(
      'bcmirror_store_api_quota_headroom',
      'gauge',
      'Share of its quota a store had left as last seen, for the same stores',
      headroomOf,
    ),
    '',
  ].join('\n')
}

/** A label value as Prometheus' text format writes it (store hashes are plain, but never trust). */
const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
