// A request to the end: attempts (request-attempt.ts) are repeated after a 429 (the pacer holds
// them until the window resets), after a 5xx, a timeout or a connection error (with backoff), and
// after a same-origin redirect; every other answer is returned or thrown as a typed error.
import type { ApiResponse, ClientSettings, RequestOptions } from './client-types.ts'
import { BigCommerceApiError, BigCommerceAuthError } from './errors.ts'
import { encodeQuery } from './query.ts'
import {
  attemptRequest,
  type Attempt,
  type AttemptFailure,
  type PlannedRequest,
} from './request-attempt.ts'
import { describeAuthFailure, findScopeForPath } from './scopes.ts'

/** Attempts so far that failed transiently, and that were answered 429. */
interface RetryCounts {
  failures: number
  throttles: number
}

type Verdict = { kind: 'accept'; response: ApiResponse } | { kind: 'throttled' } | AttemptFailure

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (a stop is not delayed). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const done = () => {
      signal?.removeEventListener('abort', abort)
      resolve()
    }
    const timer = setTimeout(done, ms)
    const abort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', abort, { once: true })
  })
}

export async function sendRequest(
  settings: ClientSettings,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const request = planRequest(settings, path, options)
  const counts: RetryCounts = { failures: 0, throttles: 0 }
  for (;;) {
    const outcome = await attemptRequest(settings, request)
    if (outcome.kind === 'redirect') {
      request.redirects += 1
      request.url = outcome.to.toString()
      continue
    }
    const verdict =
      outcome.kind === 'answer' ? judgeAnswer(settings, request, outcome, counts) : outcome
    if (verdict.kind === 'accept') return verdict.response
    if (verdict.kind === 'throttled') continue
    await waitBeforeRetry(settings, request, verdict, counts)
  }
}

function planRequest(
  settings: ClientSettings,
  path: string,
  options: RequestOptions,
): PlannedRequest {
  const method = options.method ?? 'GET'
  if (!/^\/v[23]\//.test(path)) {
    throw new TypeError(`BigCommerce path must start with /v2/ or /v3/: ${path}`)
  }
  const query = encodeQuery(options.query)
  const url = `${settings.apiUrl}/stores/${encodeURIComponent(settings.storeHash)}${path}${query}`
  const bodyText = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers =
    bodyText === undefined
      ? settings.headers
      : { ...settings.headers, 'Content-Type': 'application/json' }
  return { method, path, url, redirects: 0, bodyText, headers, signal: options.signal }
}

/** A 2xx or 404 is the answer; 401/403 and other 4xx throw; 429 queues again; 5xx is a failure. */
function judgeAnswer(
  settings: ClientSettings,
  { method, path }: PlannedRequest,
  outcome: Extract<Attempt, { kind: 'answer' }>,
  counts: RetryCounts,
): Verdict {
  const { status, body } = outcome.response
  if ((status >= 200 && status < 300) || status === 404) {
    return { kind: 'accept', response: outcome.response }
  }
  if (status === 401 || status === 403) {
    throw new BigCommerceAuthError(describeAuthFailure(method, path, status), {
      method,
      path,
      status,
      scope: findScopeForPath(path)?.scope ?? null,
    })
  }
  if (status === 429) {
    counts.throttles += 1
    const resetMs = outcome.observation?.resetMs ?? null
    settings.emit({ type: 'throttled', method, path, resetMs })
    if (counts.throttles > settings.maxThrottleRetries) {
      throw new BigCommerceApiError(
        `BigCommerce ${method} ${path} answered 429 ${counts.throttles} times in a row; giving up`,
        { method, path, status, attempts: counts.failures + counts.throttles },
      )
    }
    // The pacer now holds every request until the window resets (or backs off when the
    // 429 carried no headers), so simply queue again.
    return { kind: 'throttled' }
  }
  if (status < 500) {
    throw new BigCommerceApiError(
      `BigCommerce ${method} ${path} answered ${status}${describeErrorBody(body)}`,
      { method, path, status, attempts: counts.failures + counts.throttles + 1 },
    )
  }
  return { kind: 'failure', status, reason: `status ${status}` }
}

/** Back off before the next attempt, or throw when retries are spent or unsafe. */
async function waitBeforeRetry(
  settings: ClientSettings,
  { method, path, signal }: PlannedRequest,
  failure: AttemptFailure,
  counts: RetryCounts,
): Promise<void> {
  // A POST that timed out or failed with a plain 500 may have taken effect; repeating it
  // could create a second hook. Gateway errors (502-504) mean it never arrived.
  const maybeApplied = failure.status === null || failure.status === 500
  if (counts.failures >= settings.maxRetries || (method === 'POST' && maybeApplied)) {
    const what = failure.status === null ? failure.reason : `${failure.status}`
    const attempts = counts.failures + 1
    throw new BigCommerceApiError(
      `BigCommerce ${method} ${path} failed after ${attempts} attempts (last: ${what})`,
      { method, path, status: failure.status, attempts, cause: failure.cause },
    )
  }
  const delayMs = backoff(settings, counts.failures)
  counts.failures += 1
  const { status, reason } = failure
  settings.emit({ type: 'retry', method, path, status, attempt: counts.failures, delayMs, reason })
  await sleep(delayMs, signal)
}

function backoff(settings: ClientSettings, attempt: number): number {
  const capped = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** attempt)
  return Math.round(capped * (0.5 + Math.random() * 0.5))
}

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
