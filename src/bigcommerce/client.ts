// The HTTP client for one store's REST API (v2 and v3): authentication headers, a timeout on every
// request, pacing through the store's shared rate budget, and retries. Expected outcomes come back
// as values (404 is a response, 204 has a null body); failures throw the typed errors in errors.ts.
// Uses only web-standard APIs (fetch, AbortSignal, setTimeout) so it runs on Node and in Workers.
import {
  BigCommerceApiError,
  BigCommerceAuthError,
  BigCommerceRedirectError,
  BigCommerceResponseTooLargeError,
} from './errors.ts'
import {
  getSharedPacer,
  parseRateHeaders,
  type RateObservation,
  type RatePacer,
  type RatePacerOptions,
} from './pacer.ts'
import { describeAuthFailure, findScopeForPath } from './scopes.ts'
import { MIRROR_VERSION } from './version.ts'

export const DEFAULT_API_URL = 'https://api.bigcommerce.com'
/** The largest answer the client reads: a 250-row page of big products is a few MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
/** Same-origin redirects followed per request (GET only). */
const MAX_REDIRECTS = 3

export type QueryValue =
  string | number | boolean | null | undefined | ReadonlyArray<string | number>
export type Query = Record<string, QueryValue>
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
  /** `path` starts at the API version: `/v2/orders`, `/v3/catalog/products/12`. */
  request(path: string, options?: RequestOptions): Promise<ApiResponse>
  /** GET and return the JSON body; null for 404, 204 and an empty body. */
  get(path: string, query?: Query, signal?: AbortSignal): Promise<unknown>
}

/** `:` and `,` stay literal as in BigCommerce's own examples (`id:in=1,2`); `+` becomes %2B. */
function encodeQueryPart(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',')
}

export function encodeQuery(query: Query | undefined): string {
  if (!query) return ''
  const parts: string[] = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    const text = Array.isArray(value) ? value.join(',') : String(value)
    parts.push(`${encodeQueryPart(key)}=${encodeQueryPart(text)}`)
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A short, secret-free description of an error body (BigCommerce sends `title` or `message`). */
function describeErrorBody(body: unknown): string {
  const first = Array.isArray(body) ? body[0] : body
  if (first && typeof first === 'object') {
    const record = first as Record<string, unknown>
    const text = record.title ?? record.message
    if (typeof text === 'string') return `: ${text.slice(0, 200)}`
  }
  return ''
}

/**
 * The body as JSON (null for 204 and empty bodies), counted while it streams in: an answer over
 * `limit` is refused at that point, never buffered whole.
 */
async function readBody(response: Response, limit: number, refuse: () => Error): Promise<unknown> {
  if (response.status === 204) return null
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) {
    await response.body?.cancel().catch(() => {})
    throw refuse()
  }
  if (!response.body) return null
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw refuse()
    }
    chunks.push(value)
  }
  const text = new TextDecoder().decode(concatChunks(chunks, size))
  if (text.trim() === '') return null
  return JSON.parse(text)
}

function concatChunks(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.byteLength
  }
  return all
}

/** Where a 3xx points, resolved against the request URL; null when it names no valid place. */
function redirectTarget(response: Response, from: string): URL | null {
  const location = response.headers.get('location')
  if (location === null || !URL.canParse(location, from)) return null
  return new URL(location, from)
}

export function createBigCommerceClient(options: BigCommerceClientOptions): BigCommerceClient {
  const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '')
  const storeHash = options.storeHash
  const fetchImpl = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 30_000
  const maxRetries = options.maxRetries ?? 4
  const maxThrottleRetries = options.maxThrottleRetries ?? 20
  const retryBaseMs = options.retryBaseMs ?? 1000
  const retryMaxMs = options.retryMaxMs ?? 30_000
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const pacer = options.pacer ?? getSharedPacer(`${apiUrl}|${storeHash}`, options.pacerOptions)
  const emit = options.onEvent ?? (() => {})
  const headers: Record<string, string> = {
    'X-Auth-Token': options.accessToken,
    Accept: 'application/json',
    'User-Agent': options.userAgent ?? `bigcommerce-mirror/${MIRROR_VERSION}`,
  }
  if (options.clientId) headers['X-Auth-Client'] = options.clientId

  const backoff = (attempt: number) => {
    const capped = Math.min(retryMaxMs, retryBaseMs * 2 ** attempt)
    return Math.round(capped * (0.5 + Math.random() * 0.5))
  }

  async function request(path: string, requestOptions: RequestOptions = {}): Promise<ApiResponse> {
    const method = requestOptions.method ?? 'GET'
    if (!/^\/v[23]\//.test(path)) {
      throw new TypeError(`BigCommerce path must start with /v2/ or /v3/: ${path}`)
    }
    const query = encodeQuery(requestOptions.query)
    let url = `${apiUrl}/stores/${encodeURIComponent(storeHash)}${path}${query}`
    let redirects = 0
    const requestBody = requestOptions.body
    const bodyText = requestBody === undefined ? undefined : JSON.stringify(requestBody)
    const requestHeaders =
      bodyText === undefined ? headers : { ...headers, 'Content-Type': 'application/json' }
    type Attempt =
      | { kind: 'answer'; response: ApiResponse; observation: RateObservation | null }
      | { kind: 'redirect'; to: URL }
      | { kind: 'failure'; status: number | null; reason: string; cause?: unknown }

    /** One try: an answer with its body read, or a transient failure worth retrying. */
    async function attempt(): Promise<Attempt> {
      const ticket = await pacer.acquire(requestOptions.signal)
      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = requestOptions.signal
        ? AbortSignal.any([requestOptions.signal, timeout])
        : timeout
      const startedAt = Date.now()
      let response: Response
      let observation: RateObservation | null
      try {
        // Redirects are handled below, never by fetch: it would send X-Auth-Token to any origin.
        response = await fetchImpl(url, {
          method,
          headers: requestHeaders,
          body: bodyText,
          signal,
          redirect: 'manual',
        })
        observation = parseRateHeaders(response.headers)
        ticket.release({ observation, throttled: response.status === 429, answered: true })
      } catch (error) {
        ticket.release()
        if (requestOptions.signal?.aborted) throw error
        const reason = timeout.aborted ? 'timeout' : 'connection error'
        return { kind: 'failure', status: null, reason, cause: error }
      }
      const status = response.status
      emit({ type: 'response', method, path, status, durationMs: Date.now() - startedAt })
      if (status >= 300 && status < 400 && status !== 304) {
        await response.body?.cancel().catch(() => {})
        return { kind: 'redirect', to: checkRedirect(response, status) }
      }
      const tooLarge = () =>
        new BigCommerceResponseTooLargeError({ method, path, status, limitBytes: maxResponseBytes })
      try {
        const body = await readBody(response, maxResponseBytes, tooLarge)
        const answer = { status, body, headers: response.headers }
        return { kind: 'answer', response: answer, observation }
      } catch (error) {
        if (requestOptions.signal?.aborted || error instanceof BigCommerceResponseTooLargeError)
          throw error
        // A body cut short by a timeout or a dropped connection is as transient as no answer.
        const reason = timeout.aborted ? 'timeout reading body' : 'unreadable body'
        return { kind: 'failure', status: response.ok ? null : status, reason, cause: error }
      }
    }

    /** A same-origin GET redirect is followed (a few times); anything else is refused. */
    function checkRedirect(response: Response, status: number): URL {
      const to = redirectTarget(response, url)
      const sameOrigin = to !== null && to.origin === new URL(url).origin
      if (!sameOrigin || method !== 'GET' || redirects >= MAX_REDIRECTS) {
        const targetOrigin = to === null ? 'nowhere' : to.origin
        throw new BigCommerceRedirectError({ method, path, status, targetOrigin })
      }
      return to
    }

    let failures = 0
    let throttles = 0
    for (;;) {
      const outcome = await attempt()
      let failure: Extract<Attempt, { kind: 'failure' }>
      if (outcome.kind === 'redirect') {
        redirects += 1
        url = outcome.to.toString()
        continue
      }
      if (outcome.kind === 'answer') {
        const { status, body } = outcome.response
        if ((status >= 200 && status < 300) || status === 404) return outcome.response
        if (status === 401 || status === 403) {
          throw new BigCommerceAuthError(describeAuthFailure(method, path, status), {
            method,
            path,
            status,
            scope: findScopeForPath(path)?.scope ?? null,
          })
        }
        if (status === 429) {
          throttles += 1
          const resetMs = outcome.observation?.resetMs ?? null
          emit({ type: 'throttled', method, path, resetMs })
          if (throttles > maxThrottleRetries) {
            throw new BigCommerceApiError(
              `BigCommerce ${method} ${path} answered 429 ${throttles} times in a row; giving up`,
              { method, path, status, attempts: failures + throttles },
            )
          }
          // The pacer now holds every request until the window resets (or backs off when the
          // 429 carried no headers), so simply queue again.
          continue
        }
        if (status < 500) {
          throw new BigCommerceApiError(
            `BigCommerce ${method} ${path} answered ${status}${describeErrorBody(body)}`,
            { method, path, status, attempts: failures + throttles + 1 },
          )
        }
        failure = { kind: 'failure', status, reason: `status ${status}` }
      } else {
        failure = outcome
      }

      // A POST that timed out or failed with a plain 500 may have taken effect; repeating it
      // could create a second hook. Gateway errors (502-504) mean it never arrived.
      const maybeApplied = failure.status === null || failure.status === 500
      if (failures >= maxRetries || (method === 'POST' && maybeApplied)) {
        const what = failure.status === null ? failure.reason : `${failure.status}`
        throw new BigCommerceApiError(
          `BigCommerce ${method} ${path} failed after ${failures + 1} attempts (last: ${what})`,
          { method, path, status: failure.status, attempts: failures + 1, cause: failure.cause },
        )
      }
      const delayMs = backoff(failures)
      failures += 1
      const { status, reason } = failure
      emit({ type: 'retry', method, path, status, attempt: failures, delayMs, reason })
      await sleep(delayMs)
    }
  }

  return {
    storeHash,
    apiUrl,
    pacer,
    request,
    async get(path, query, signal) {
      const response = await request(path, { query, signal })
      return response.status === 404 ? null : response.body
    },
  }
}
