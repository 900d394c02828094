// One line for a user about a failed API request: the status, what it means here, and what to do.
// Used for a table that failed in `sync` (prefixed with the table's name), in `status`, in logs and
// for any command's error, so every surface says the same thing about the same failure.
import {
  BigCommerceApiError,
  BigCommerceAuthError,
  BigCommerceDataError,
  BigCommerceRedirectError,
  BigCommerceResponseTooLargeError,
} from './errors.ts'
import { findScopeForPath } from './scopes.ts'

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

export function statusLabel(status: number): string {
  const text = STATUS_TEXT[status]
  return text ? `${status} ${text}` : `${status}`
}

const AGAIN = 'nothing was lost; run it again later (a sync resumes where it stopped)'

function describeAuth(error: BigCommerceAuthError): string {
  const need = findScopeForPath(error.path)
  const head = `${statusLabel(error.status ?? 0)} on ${error.method} ${error.path}`
  if (need === null) {
    return `${head}: BigCommerce refused the access token; check BIGCOMMERCE_ACCESS_TOKEN (it may have been revoked with its API account) and BIGCOMMERCE_STORE_HASH`
  }
  const scope = `the ${need.label} read scope (${need.scope})`
  const create = `create a store-level API account with it (scopes cannot be added later) and set BIGCOMMERCE_ACCESS_TOKEN to its token`
  if (error.status === 403) return `${head}: the API account lacks ${scope}; ${create}`
  return `${head}: the access token is wrong for this store, or its API account lacks ${scope}; check BIGCOMMERCE_ACCESS_TOKEN, or ${create}`
}

function describeApi(error: BigCommerceApiError): string {
  const where = `${error.method} ${error.path}`
  const { status } = error
  if (error instanceof BigCommerceResponseTooLargeError) {
    return `answer too large on ${where}: ${error.message.replace(/^BigCommerce \S+ \S+ /, '')}; ${AGAIN}`
  }
  if (error instanceof BigCommerceRedirectError) {
    return `${statusLabel(status ?? 0)} redirect on ${where} to ${error.targetOrigin}, not followed so the access token stays with the API; check BIGCOMMERCE_API_URL (default https://api.bigcommerce.com)`
  }
  if (status === null) {
    const last = /last: ([^)]+)/.exec(error.message)?.[1] ?? 'no answer'
    return `no answer on ${where} after ${error.attempts} attempts (${last}): BigCommerce or the network is not answering; check BIGCOMMERCE_API_URL and the network, then ${AGAIN}`
  }
  if (status === 404) {
    return `${statusLabel(status)} on ${where}: the API has no such path for this store; check BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_API_URL`
  }
  if (status === 429) {
    return `${statusLabel(status)} on ${where}, ${error.attempts} times in a row: the store's request quota is used up by other API clients; ${AGAIN}`
  }
  if (status >= 500) {
    return `${statusLabel(status)} on ${where} after ${error.attempts} attempts: BigCommerce is failing; ${AGAIN}`
  }
  const detail = /answered \d+(: .*)?$/.exec(error.message)?.[1] ?? ''
  return `${statusLabel(status)} on ${where}${detail}: BigCommerce refused the request; report it with this line if it persists`
}

/** A one-line, secret-free description of why an operation failed, with what to do about it. */
export function describeFailure(error: unknown): string {
  if (error instanceof BigCommerceAuthError) return describeAuth(error)
  if (error instanceof BigCommerceApiError) return describeApi(error)
  if (error instanceof BigCommerceDataError) return `${error.message}; ${AGAIN}`
  const message = error instanceof Error ? error.message : String(error)
  const line = message.split('\n')[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
