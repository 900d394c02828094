// The client's public shapes (options, answers, events), and the settings one client resolves its
// options into, shared by the single attempt (request-attempt.ts) and the retry loop (request-retry.ts).
import type { ApiClock } from './api-clock.ts'
import type { RatePacer, RatePacerOptions } from './pacer.ts'
import type { Query } from './query.ts'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

export type ClientEvent =
  | { type: 'response'; method: HttpMethod; path: string; status: number; durationMs: number }
  | {
      type: 'retry'
      method: HttpMethod
      path: string
      /** HTTP status, or null for a timeout or connection error. */
      status: number | null
      attempt: number
      delayMs: number
      reason: string
    }
  | { type: 'throttled'; method: HttpMethod; path: string; resetMs: number | null }

export interface BigCommerceClientOptions {
  storeHash: string
  accessToken: string
  /** Default https://api.bigcommerce.com */
  apiUrl?: string
  /** Sent as X-Auth-Client (deprecated by BigCommerce but harmless). */
  clientId?: string
  fetch?: typeof fetch
  /** Per attempt, including reading the body. Default 30 s. */
  timeoutMs?: number
  /** Retries after a 5xx, timeout or connection error. Default 4. */
  maxRetries?: number
  /** Retries after a 429 (each waits for the window to reset). Default 20. */
  maxThrottleRetries?: number
  /** First retry backoff; doubles per attempt, with jitter, up to retryMaxMs (1 s / 30 s). */
  retryBaseMs?: number
  retryMaxMs?: number
  userAgent?: string
  /** Answers larger than this are refused (BigCommerceResponseTooLargeError). Default 64 MiB. */
  maxResponseBytes?: number
  /**
   * The store's rate budget. Default: the process-wide pacer for apiUrl + storeHash, so every
   * client for the same store in one process shares one budget.
   */
  pacer?: RatePacer
  /** Options for the shared pacer when this client is the first to create it. */
  pacerOptions?: RatePacerOptions
  onEvent?: (event: ClientEvent) => void
}

export interface RequestOptions {
  method?: HttpMethod
  query?: Query
  body?: unknown
  signal?: AbortSignal
}

export interface ApiResponse {
  /** A 2xx or 404; every other status throws. */
  status: number
  /** Parsed JSON, or null for 204 and empty bodies. */
  body: unknown
  headers: Headers
}

export interface BigCommerceClient {
  readonly storeHash: string
  readonly apiUrl: string
  readonly pacer: RatePacer
  /** The API's clock, learnt from its answers' Date headers. */
  readonly apiClock: ApiClock
  /** `path` starts at the API version: `/v2/orders`, `/v3/catalog/products/12`. */
  request(path: string, options?: RequestOptions): Promise<ApiResponse>
  /** GET and return the JSON body; null for 404, 204 and an empty body. */
  get(path: string, query?: Query, signal?: AbortSignal): Promise<unknown>
}

/** A client's options with every default filled in; what each request reads. */
export interface ClientSettings {
  apiUrl: string
  storeHash: string
  fetch: typeof fetch
  timeoutMs: number
  maxRetries: number
  maxThrottleRetries: number
  retryBaseMs: number
  retryMaxMs: number
  maxResponseBytes: number
  pacer: RatePacer
  apiClock: ApiClock
  emit: (event: ClientEvent) => void
  headers: Record<string, string>
}
