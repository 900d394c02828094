// The few typed errors the BigCommerce client throws. Expected outcomes (404 on a single fetch,
// 204 on a v2 page) are values, not errors; these are for what a caller cannot carry on from.
// Messages name the method, path and status but never the token or the query string, because
// query strings can carry customer data and messages end up in logs.

/** A request that failed for good: retries exhausted, or a status that is not worth retrying. */
export class BigCommerceApiError extends Error {
  override readonly name: string = 'BigCommerceApiError'
  readonly method: string
  readonly path: string
  /** HTTP status, or null when no response arrived (timeout, connection error). */
  readonly status: number | null
  readonly attempts: number

  constructor(
    message: string,
    details: {
      method: string
      path: string
      status: number | null
      attempts: number
      cause?: unknown
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.method = details.method
    this.path = details.path
    this.status = details.status
    this.attempts = details.attempts
  }
}

/** 401 or 403: the token is wrong or the API account lacks a scope. Never retried. */
export class BigCommerceAuthError extends BigCommerceApiError {
  override readonly name: string = 'BigCommerceAuthError'
  /** The OAuth scope the path needs, or null when it needs none (so the token itself is bad). */
  readonly scope: string | null

  constructor(
    message: string,
    details: { method: string; path: string; status: number; scope: string | null },
  ) {
    super(message, { ...details, attempts: 1 })
    this.scope = details.scope
  }
}

/** The API answered 2xx with something that is not the resource it should be. */
export class BigCommerceDataError extends Error {
  override readonly name: string = 'BigCommerceDataError'
  readonly resource: string
  readonly id: unknown

  constructor(message: string, details: { resource: string; id: unknown }) {
    super(message)
    this.resource = details.resource
    this.id = details.id
  }
}

/** An answer larger than the client's limit: refused while streaming, never buffered whole. */
export class BigCommerceResponseTooLargeError extends BigCommerceApiError {
  override readonly name: string = 'BigCommerceResponseTooLargeError'
  readonly limitBytes: number

  constructor(details: { method: string; path: string; status: number; limitBytes: number }) {
    const kib = details.limitBytes / 1024
    const size =
      kib >= 1024 ? `${Math.round((kib / 1024) * 10) / 10} MiB` : `${Math.round(kib)} KiB`
    super(
      `BigCommerce ${details.method} ${details.path} answered more than ${size}; refused (the client's maxResponseBytes)`,
      { ...details, attempts: 1 },
    )
    this.limitBytes = details.limitBytes
  }
}

/** A redirect the client will not follow: to another origin (the token would go there too). */
export class BigCommerceRedirectError extends BigCommerceApiError {
  override readonly name: string = 'BigCommerceRedirectError'
  /** Only the target's origin: its path and query could carry data. */
  readonly targetOrigin: string

  constructor(details: { method: string; path: string; status: number; targetOrigin: string }) {
    super(
      `BigCommerce ${details.method} ${details.path} answered ${details.status}, a redirect to ${details.targetOrigin}; not followed, so the access token stays with the API`,
      { ...details, attempts: 1 },
    )
    this.targetOrigin = details.targetOrigin
  }
}
