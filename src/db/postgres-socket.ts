// A DATABASE_URL that names PostgreSQL's Unix socket, as libpq reads one: a directory in the
// `host` query parameter (postgres://user@localhost/mirror?host=/var/run/postgresql) or as the
// percent-encoded host (postgres://user@%2Fvar%2Frun%2Fpostgresql/mirror). postgres.js takes a
// socket only from its `path` option: given such a URL as it is, it sent `host` to the server as a
// setting (refused) or looked the encoded directory up as a host name.

export interface SocketTarget {
  /** The socket file: `<directory>/.s.PGSQL.<port>`. */
  path: string
  /** The URL without the `host` parameter, for the rest of postgres.js's reading. */
  url: string
}

/** The socket `url` names, or null when it names a host to reach over TCP. */
export function socketTarget(url: string): SocketTarget | null {
  if (!URL.canParse(url)) return null
  const parsed = new URL(url)
  const directory = socketDirectory(parsed)
  if (directory === null) return null
  parsed.searchParams.delete('host')
  const port = parsed.port === '' ? 5432 : Number(parsed.port)
  return { path: `${directory.replace(/\/+$/, '')}/.s.PGSQL.${port}`, url: parsed.toString() }
}

function socketDirectory(parsed: URL): string | null {
  const fromQuery = parsed.searchParams.get('host')
  if (fromQuery !== null) return fromQuery.startsWith('/') ? fromQuery : null
  if (!/^%2f/i.test(parsed.hostname)) return null
  try {
    return decodeURIComponent(parsed.hostname)
  } catch {
    return null
  }
}
