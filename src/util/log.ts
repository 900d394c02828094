// Structured logs for `serve` and the Worker: one JSON object per line, with a time and a level. As a
// last line of defence every configured secret is masked in the text before it is written, so
// an error message that happens to quote one cannot leak it, and connection URLs of any shape
// have their passwords hidden.
import { describeCause } from './errors.ts'
import { passwordsInUrl, redactUrl, replaceSecret } from './redact.ts'

// JSON.stringify escapes C0 controls but writes C1 controls (U+009B is an 8-bit CSI) and
// bidirectional overrides as they are; escaped as \uXXXX they mean the same and cannot act on a
// terminal that shows the log (docs: README "When things go wrong").
const TERMINAL_CONTROLS = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const escapeControl = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

export type LogLevel = 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>
export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void

export function createJsonLogger(
  secrets: Array<string | undefined>,
  write: (line: string) => void,
): Logger {
  // Short tokens would mask ordinary words (real ones are long); a database password can be short
  // and shows up alone too (in a driver's message), maybe percent-decoded.
  const given = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8)
  const passwords = given.flatMap((s) => (/^[a-z][a-z0-9+.-]*:/i.test(s) ? passwordsInUrl(s) : []))
  const masked = [...given, ...passwords.filter((s) => s.length >= 4)].sort(
    (a, b) => b.length - a.length,
  )
  return (level, msg, fields = {}) => {
    let line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
    line = line.replace(TERMINAL_CONTROLS, escapeControl)
    for (const secret of masked) line = replaceSecret(line, secret)
    write(`${redactUrl(line)}\n`)
  }
}

/**
 * An error's name and cause, for a log field: short, and for a database error PostgreSQL's own
 * message instead of drizzle's, which quotes the SQL and every parameter (customers' emails).
 */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${describeCause(error)}` : describeCause(error)
}
