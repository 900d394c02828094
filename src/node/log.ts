// Structured logs for `serve`: one JSON object per line on stdout, with a time and a level. As a
// last line of defence every configured secret is masked in the text before it is written, so
// an error message that happens to quote one cannot leak it.
export type LogLevel = 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>
export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void

export function createJsonLogger(
  secrets: Array<string | undefined>,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  // Short values would mask ordinary words; real secrets are long.
  const masked = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8)
  return (level, msg, fields = {}) => {
    let line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
    for (const secret of masked) line = line.split(secret).join('***')
    write(`${line}\n`)
  }
}

/** An error's name and message, for a log field. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
