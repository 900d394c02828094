// The HTTP client for one store's REST API (v2 and v3): authentication headers, a timeout on every
// request, pacing through the store's shared rate budget, and retries. Expected outcomes come back
// as values (404 is a response, 204 has a null body); failures throw the typed errors in errors.ts.
// Uses only web-standard APIs (fetch, AbortSignal, setTimeout) so it runs on Node and in Workers.
// One attempt lives in request-attempt.ts, the retry loop in request-retry.ts.
import { createApiClock } from './api-clock.ts'
import type { BigCommerceClient, BigCommerceClientOptions, ClientSettings } from './client-types.ts'
import { getSharedPacer } from './pacer.ts'
import { sendRequest } from './request-retry.ts'
import { MIRROR_VERSION } from './version.ts'

export type {
  ApiResponse,
  BigCommerceClient,
  BigCommerceClientOptions,
  ClientEvent,
  HttpMethod,
  RequestOptions,
} from './client-types.ts'
export { encodeQuery, type Query, type QueryValue } from './query.ts'

export const DEFAULT_API_URL = 'https://api.bigcommerce.com'
/** The largest answer the client reads: a 250-row page of big products is a few MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

function resolveSettings(options: BigCommerceClientOptions): ClientSettings {
  const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '')
  const storeHash = options.storeHash
  const headers: Record<string, string> = {
    'X-Auth-Token': options.accessToken,
    Accept: 'application/json',
    'User-Agent': options.userAgent ?? `bigcommerce-mirror/${MIRROR_VERSION}`,
  }
  if (options.clientId) headers['X-Auth-Client'] = options.clientId
  return {
    apiUrl,
    storeHash,
    // Called as a function, never as settings.fetch(...): workerd refuses a fetch whose `this` is
    // not the global scope ("Illegal invocation").
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 4,
    maxThrottleRetries: options.maxThrottleRetries ?? 20,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    pacer: options.pacer ?? getSharedPacer(`${apiUrl}|${storeHash}`, options.pacerOptions),
    apiClock: createApiClock(),
    emit: options.onEvent ?? (() => {}),
    headers,
  }
}

export function createBigCommerceClient(options: BigCommerceClientOptions): BigCommerceClient {
  const settings = resolveSettings(options)
  const request: BigCommerceClient['request'] = (path, requestOptions) =>
    sendRequest(settings, path, requestOptions)
  return {
    storeHash: settings.storeHash,
    apiUrl: settings.apiUrl,
    pacer: settings.pacer,
    apiClock: settings.apiClock,
    request,
    async get(path, query, signal) {
      const response = await request(path, { query, signal })
      return response.status === 404 ? null : response.body
    },
  }
}

/**
 * The same client with `signal` on every request (pacer waits, fetches and retry pauses), so that
 * stopping a sweep also stops reads that were not handed a signal of their own (an order's
 * coupons, a count). One listener on `signal` aborts every request in flight: a listener per
 * request would pile up on a long run's signal.
 */
export function withSignal(client: BigCommerceClient, signal: AbortSignal | undefined) {
  if (!signal) return client
  const inFlight = new Set<AbortController>()
  signal.addEventListener(
    'abort',
    () => {
      for (const controller of inFlight) controller.abort(signal.reason)
    },
    { once: true },
  )
  const request: BigCommerceClient['request'] = async (path, options = {}) => {
    signal.throwIfAborted()
    const controller = new AbortController()
    inFlight.add(controller)
    try {
      const own = options.signal
      const combined = own ? AbortSignal.any([own, controller.signal]) : controller.signal
      return await client.request(path, { ...options, signal: combined })
    } finally {
      inFlight.delete(controller)
    }
  }
  return withRequest(client, request)
}

/** The same client sending every request, `get` included, through `request`. */
export function withRequest(
  client: BigCommerceClient,
  request: BigCommerceClient['request'],
): BigCommerceClient {
  return {
    ...client,
    request,
    async get(path, query, signal) {
      const response = await request(path, { query, signal })
      return response.status === 404 ? null : response.body
    },
  }
}
