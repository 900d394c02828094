// Turning failures into short texts that are safe to store and log. drizzle's own message is
// "Failed query: <sql> params: <every parameter>", which for a batch of customers holds their
// emails and runs to hundreds of kilobytes; PostgreSQL's message sits in the error's cause.

/**
 * Longest error text stored in last_error or rejected_rows.reason, or logged: room for the longest
 * message this project writes (a 401 naming the OAuth scope, about 270 characters) with its table.
 */
export const MAX_ERROR_LENGTH = 400

export interface PgErrorInfo {
  /** SQLSTATE, e.g. 22003 (numeric value out of range). */
  code: string
  /** PostgreSQL's own message, without the SQL or its parameters. */
  message: string
}

/** PostgreSQL's error behind `error` (following `cause`), or null when there is none. */
export function findPgError(error: unknown): PgErrorInfo | null {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    const message = (current as { message?: unknown }).message
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string') {
      return { code, message }
    }
    current = (current as { cause?: unknown }).cause
  }
  return null
}

export const shorten = (text: string, max = MAX_ERROR_LENGTH) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`

/** The cause of a failure in one short line: PostgreSQL's message, or the error's own. */
export function describeCause(error: unknown): string {
  const pg = findPgError(error)
  if (pg) return shorten(`PostgreSQL: ${pg.message}`.replace(/\s+/g, ' '))
  // A drizzle error that carries no PostgreSQL cause still holds the SQL and its parameters.
  const message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('Failed query:')) {
    const cause = (error as { cause?: unknown }).cause
    return cause ? describeCause(cause) : 'a database query failed'
  }
  return shorten(message.replace(/\s+/g, ' '))
}
