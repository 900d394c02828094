// A database the mirror cannot use, said in one line that names DATABASE_URL (its password
// hidden) and the cause, instead of a driver's bare "connect ECONNREFUSED 127.0.0.1:5499".
import { redactUrl } from '../config.ts'

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError'

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(
      `Cannot use the database at DATABASE_URL (${redactUrl(url)}): ${reason}. Fix DATABASE_URL, or unset it to use the embedded database in DATA_DIR.`,
      options,
    )
  }
}

/** PostgreSQL's and postgres.js's errors on a first connection, in words. */
export function describeConnectError(thrown: unknown, url: string): string {
  const error = driverError(thrown)
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : ''
  const message = error instanceof Error ? error.message : String(error)
  const parsed = URL.canParse(url) ? new URL(url) : null
  const database = parsed ? decodeURIComponent(parsed.pathname.slice(1)) || '(the user name)' : '?'
  const user = parsed ? decodeURIComponent(parsed.username) || '(the system user)' : '?'
  switch (code) {
    case '3D000':
      return `the server has no database "${database}"; create it (e.g. createdb ${database}) or name an existing one`
    case '28P01':
    case '28000':
      return `the server refused user "${user}" (${message}); check the user name and password`
    case '57P03':
      return 'the server is starting up or shutting down; try again in a moment'
    case '53300':
      return 'the server has no free connections (too many clients); raise max_connections or use a pooler'
    case 'CONNECT_TIMEOUT':
      return 'no connection within the connect timeout; check the host and port, and that a firewall lets the connection through'
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused); start PostgreSQL or correct the host and port'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve'
    case 'ENOENT':
      return `no PostgreSQL socket is there (${message}); check the directory given as host and the port`
    case 'EACCES':
      return `this user may not open PostgreSQL's socket (${message}); check the socket directory's permissions`
    default:
      return code ? `${message} (${code})` : message
  }
}

/** drizzle wraps the driver's error ("Failed query: ...") and keeps it as the cause. */
function driverError(error: unknown): unknown {
  let current = error
  for (let depth = 0; depth < 5; depth++) {
    if (current && typeof current === 'object' && 'code' in current) return current
    if (!(current instanceof Error) || current.cause === undefined) break
    current = current.cause
  }
  return current
}
