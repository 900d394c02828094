// DATABASE_URL shapes that cannot work, named before any connection is tried: postgres.js reads a
// URL with WHATWG's parser after cutting its host part at the first `/` or `?`, so a `#` or `?` in
// a password, a port over 65535 or a malformed escape ends in a bare "Invalid URL" or "URI
// malformed", and a list of hosts made it wait for minutes. No message here shows a password.

const ENCODE_HINT = 'percent-encode it (# as %23, ? as %3F, / as %2F, @ as %40, : as %3A, % as %25)'

/** The one problem that keeps this postgres:// URL from working, or undefined. */
export function databaseUrlProblem(url: string): string | undefined {
  const rest = url.slice(url.indexOf('://') + 3)
  const authorityEnd = rest.search(/[/?#]/)
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd)
  const at = authority.lastIndexOf('@')
  const userInfo = at < 0 ? '' : authority.slice(0, at)
  const hosts = authority.slice(at + 1)
  // An '@' after the cut: the user name or password holds the character that cut it.
  const cut = authorityEnd < 0 ? undefined : rest[authorityEnd]
  if (cut !== undefined && at < 0 && cutsUserInfo(rest.slice(authorityEnd))) {
    return `DATABASE_URL: the user name or password holds a "${cut}", which ends that part of a URL; ${ENCODE_HINT}`
  }
  if (/%(?![0-9a-f]{2})/i.test(userInfo)) {
    return `DATABASE_URL: the user name or password holds a "%" that is not an escape; ${ENCODE_HINT}`
  }
  if (hosts.includes(',')) {
    return 'DATABASE_URL names several hosts; the mirror connects to one PostgreSQL: give one host, e.g. postgres://user:password@db:5432/mirror'
  }
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hosts)?.[1]
  if (port !== undefined && port !== '') {
    // Not shown unless digits: `postgres://user:secret` puts a password where the port goes.
    const digits = /^\d{1,12}$/.test(port)
    const n = digits ? Number(port) : NaN
    if (!(n >= 1 && n <= 65_535)) {
      const what = digits ? `the port ${port} is out of range` : 'the port is not a number'
      return `DATABASE_URL: ${what}; expected a whole number from 1 to 65535 after the host, e.g. postgres://user:password@db:5432/mirror`
    }
  }
  if (!URL.canParse(url)) {
    return `DATABASE_URL cannot be read as a URL; expected postgres://user:password@host:5432/database, and if the user name or password holds a special character, ${ENCODE_HINT}`
  }
  return undefined
}

/** The text from a `/`, `?` or `#` on: does an '@' in it end a password, not a query value? */
function cutsUserInfo(tail: string): boolean {
  const at = tail.indexOf('@')
  if (at < 0) return false
  // In a path or a query, an '@' comes after a '=' or a '/'; in a cut password, before them.
  return !/[=/&]/.test(tail.slice(1, at))
}
