// One try of a request: a turn from the pacer, a timeout covering the body too, a redirect refused
// unless it stays on the API's origin, and a body read under the size cap. What comes back is an
// answer, a redirect to follow, or a transient failure; the retry loop (request-retry.ts) decides.
import type { ApiResponse, ClientSettings, HttpMethod } from './client-types.ts'
import { BigCommerceRedirectError, BigCommerceResponseTooLargeError } from './errors.ts'
import { parseRateHeaders, type RateObservation, type RateTicket } from './pacer.ts'
import { readBody } from './response-body.ts'

/** Same-origin redirects followed per request (GET only). */
const MAX_REDIRECTS = 3

/** One request across its attempts; `url` and `redirects` move on as redirects are followed. */
export interface PlannedRequest {
  method: HttpMethod
  path: string
  url: string
  redirects: number
  bodyText: string | undefined
  headers: Record<string, string>
  signal: AbortSignal | undefined
}

export type AttemptFailure = {
  kind: 'failure'
  status: number | null
  reason: string
  cause?: unknown
}

export type Attempt =
  | { kind: 'answer'; response: ApiResponse; observation: RateObservation | null }
  | { kind: 'redirect'; to: URL }
  | AttemptFailure

type Fetched = { kind: 'fetched'; response: Response; observation: RateObservation | null }

/** One try: an answer with its body read, or a transient failure worth retrying. */
export async function attemptRequest(
  settings: ClientSettings,
  request: PlannedRequest,
): Promise<Attempt> {
  const ticket = await settings.pacer.acquire(request.signal)
  const timeout = AbortSignal.timeout(settings.timeoutMs)
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout
  const startedAt = Date.now()
  const fetched = await fetchOnce(settings, request, ticket, signal, timeout)
  if (fetched.kind === 'failure') return fetched
  const { response } = fetched
  const { method, path } = request
  const status = response.status
  settings.emit({ type: 'response', method, path, status, durationMs: Date.now() - startedAt })
  if (status >= 300 && status < 400 && status !== 304) {
    await response.body?.cancel().catch(() => {})
    return { kind: 'redirect', to: checkRedirect(request, response, status) }
  }
  return readAnswer(settings, request, fetched, timeout)
}

/** Send once and give the pacer its turn back, with what the answer's headers said. */
async function fetchOnce(
  settings: ClientSettings,
  request: PlannedRequest,
  ticket: RateTicket,
  signal: AbortSignal,
  timeout: AbortSignal,
): Promise<Fetched | AttemptFailure> {
  try {
    // Redirects are handled here, never by fetch: it would send X-Auth-Token to any origin.
    const response = await settings.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.bodyText,
      signal,
      redirect: 'manual',
    })
    const observation = parseRateHeaders(response.headers)
    ticket.release({ observation, throttled: response.status === 429, answered: true })
    settings.apiClock.observe(response.headers.get('date'), Date.now())
    return { kind: 'fetched', response, observation }
  } catch (error) {
    ticket.release()
    if (request.signal?.aborted) throw error
    const reason = timeout.aborted ? 'timeout' : 'connection error'
    return { kind: 'failure', status: null, reason, cause: error }
  }
}

/** The answer with its body read; a body too large is refused, one cut short is transient. */
async function readAnswer(
  settings: ClientSettings,
  request: PlannedRequest,
  { response, observation }: Fetched,
  timeout: AbortSignal,
): Promise<Attempt> {
  const { method, path } = request
  const status = response.status
  const limitBytes = settings.maxResponseBytes
  const tooLarge = () => new BigCommerceResponseTooLargeError({ method, path, status, limitBytes })
  try {
    const body = await readBody(response, limitBytes, tooLarge)
    const answer = { status, body, headers: response.headers }
    return { kind: 'answer', response: answer, observation }
  } catch (error) {
    if (request.signal?.aborted || error instanceof BigCommerceResponseTooLargeError) throw error
    // A body cut short by a timeout or a dropped connection is as transient as no answer.
    const reason = timeout.aborted ? 'timeout reading body' : 'unreadable body'
    return { kind: 'failure', status: response.ok ? null : status, reason, cause: error }
  }
}

/** A same-origin GET redirect is followed (a few times); anything else is refused. */
function checkRedirect(request: PlannedRequest, response: Response, status: number): URL {
  const { method, path, url } = request
  const to = redirectTarget(response, url)
  const sameOrigin = to !== null && to.origin === new URL(url).origin
  if (!sameOrigin || method !== 'GET' || request.redirects >= MAX_REDIRECTS) {
    const targetOrigin = to === null ? 'nowhere' : to.origin
    throw new BigCommerceRedirectError({ method, path, status, targetOrigin })
  }
  return to
}

/** Where a 3xx points, resolved against the request URL; null when it names no valid place. */
function redirectTarget(response: Response, from: string): URL | null {
  const location = response.headers.get('location')
  if (location === null || !URL.canParse(location, from)) return null
  return new URL(location, from)
}
