// `GET /metrics`: the mirror in Prometheus text format. Two kinds of figures:
// - counted in this process (prom-client counters, here): webhook deliveries by outcome, API
//   requests by route and status, 429s; and the quota left as the pacer last saw it;
// - read from the database at scrape time (database-metrics.ts), so every process (and the
//   Worker) tells the same truth.
import { Counter, Gauge, Registry } from 'prom-client'
import type { ClientEvent } from '../bigcommerce/client.ts'
import type { PacerSnapshot } from '../bigcommerce/pacer.ts'
import type { Executor } from '../db/database.ts'
import type { DeliveryOutcome } from './app.ts'
import { renderDatabaseMetrics } from './database-metrics.ts'
import type { ApiState } from './status-page.tsx'
import { createStoreApiTally, type StoreApiFigures } from './store-api-metrics.ts'

export { LATENCY_BUCKETS } from './database-metrics.ts'

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** `/v2/orders/123/products` → `/v2/orders/:id/products`: a bounded set of label values. */
export function routeOf(path: string): string {
  return path.replace(/\/\d+(?=\/|$)/g, '/:id').replace(/\?.*$/, '')
}

function deliveryOutcome(outcome: DeliveryOutcome): string {
  if (outcome.dropped) return 'dropped'
  if (outcome.status === 200) return outcome.reason ? 'ignored' : 'stored'
  if (outcome.status === 401 || outcome.status === 403) return 'refused'
  if (outcome.status === 400 || outcome.status === 413) return 'malformed'
  return 'error'
}

export interface MirrorMetrics {
  registry: Registry
  recordDelivery(outcome: DeliveryOutcome): void
  /**
   * A client event, with the pacer's view of the quota after it when known, and the store whose
   * client it is (absent on a one-store host: counted in the totals only).
   */
  recordApiEvent(event: ClientEvent, quota?: PacerSnapshot, storeHash?: string): void
  /** The quota as last seen and the last API error, for the status page. */
  apiState(): ApiState
  /** One store's API figures counted in this process, for the status page. */
  storeApi(storeHash: string): StoreApiFigures | undefined
  /**
   * The whole exposition, database figures read now; `needingAttention`: the stores that need a
   * person, first in line for series of their own (store-api-metrics.ts).
   */
  render(db: Executor, storeHash: string, needingAttention?: readonly string[]): Promise<string>
}

/** The figures this process counts itself. */
interface Instruments {
  registry: Registry
  deliveries: Counter<'outcome' | 'status'>
  dropped: Counter<'reason'>
  requests: Counter<'route' | 'status'>
  throttled: Counter
  quotaLeft: Gauge
  quota: Gauge
}

function createInstruments(): Instruments {
  const registry = new Registry()
  const deliveries = new Counter({
    name: 'bcmirror_webhook_deliveries_total',
    help: 'Webhook deliveries answered by this process, by outcome (stored, ignored, dropped, refused, malformed, error) and HTTP status',
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  })
  const dropped = new Counter({
    name: 'bcmirror_webhook_dropped_total',
    help: 'Deliveries answered 200 and not stored because their store is not served here, by reason (unknown_store, uninstalled_store, no_producer)',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  const requests = new Counter({
    name: 'bcmirror_api_requests_total',
    help: 'Responses from the BigCommerce API to this process, by route and HTTP status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  })
  const throttled = new Counter({
    name: 'bcmirror_api_throttled_total',
    help: 'BigCommerce API answers of 429 (quota spent) to this process',
    registers: [registry],
  })
  const quotaLeft = new Gauge({
    name: 'bcmirror_api_quota_left',
    help: 'Requests the pacer believes it may still send in the current quota window (the last store seen; per store: bcmirror_store_api_quota_headroom)',
    registers: [registry],
  })
  const quota = new Gauge({
    name: 'bcmirror_api_quota',
    help: "The store's requests per quota window, as its rate-limit headers last said",
    registers: [registry],
  })
  return { registry, deliveries, dropped, requests, throttled, quotaLeft, quota }
}

export function createMirrorMetrics(): MirrorMetrics {
  const instruments = createInstruments()
  const { registry, deliveries, dropped } = instruments
  const perStore = createStoreApiTally()
  const api: ApiState = {
    quota: null,
    left: null,
    windowSeconds: null,
    lastError: null,
    lastErrorAt: null,
  }
  return {
    registry,
    apiState: () => ({ ...api }),
    recordDelivery(outcome) {
      deliveries.inc({ outcome: deliveryOutcome(outcome), status: String(outcome.status) })
      // The reason, never the store's hash: the label's values stay three whatever arrives.
      if (outcome.dropped) dropped.inc({ reason: outcome.dropped.replace(' ', '_') })
    },
    recordApiEvent(event, snapshot, storeHash) {
      recordApiEvent(instruments, api, event, snapshot)
      perStore.record(storeHash, event, snapshot)
    },
    storeApi: (storeHash) => perStore.of(storeHash),
    async render(db, storeHash, needingAttention = []) {
      const own = await registry.metrics()
      const fromDb = await renderDatabaseMetrics(db, storeHash)
      return `${own.trimEnd()}\n${perStore.render(needingAttention)}${fromDb}`
    },
  }
}

/** Count the event, keep the last error and the quota for the status page. */
function recordApiEvent(
  { requests, throttled, quotaLeft, quota }: Instruments,
  api: ApiState,
  event: ClientEvent,
  snapshot: PacerSnapshot | undefined,
) {
  if (event.type === 'response')
    requests.inc({ route: routeOf(event.path), status: String(event.status) })
  else if (event.type === 'throttled') throttled.inc()
  if (event.type === 'retry' || event.type === 'throttled') {
    api.lastError =
      event.type === 'retry'
        ? `${event.method} ${routeOf(event.path)}: ${event.reason}`
        : `${event.method} ${routeOf(event.path)}: 429, quota spent`
    api.lastErrorAt = new Date().toISOString()
  }
  if (snapshot?.available !== null && snapshot?.available !== undefined) {
    quotaLeft.set(snapshot.available)
    api.left = snapshot.available
  }
  if (snapshot?.quota !== null && snapshot?.quota !== undefined) {
    quota.set(snapshot.quota)
    api.quota = snapshot.quota
    api.windowSeconds = snapshot.windowMs === null ? null : snapshot.windowMs / 1000
  }
}
