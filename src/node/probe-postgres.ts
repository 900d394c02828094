// Before postgres.js gets a DATABASE_URL, one raw connection asks the server whether it speaks
// PostgreSQL. postgres.js, given a server that answers something else (an HTTP server, a port
// that writes garbage), reconnects without end and without a word (thousands of connections in
// seconds); a dead port only says "connect ECONNREFUSED". This probe opens one connection with a
// few seconds' timeout and says which of those it met.
import { connect } from 'node:net'
import { socketTarget } from '../db/postgres-socket.ts'

/** PostgreSQL's SSLRequest: length 8, code 80877103. A server answers one byte, S or N. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

export type ProbeResult = { ok: true } | { ok: false; reason: string }

/** Host and port of a postgres:// URL, or null when it names a socket or several hosts. */
export function probeTarget(url: string): { host: string; port: number } | null {
  if (!URL.canParse(url) || socketTarget(url)) return null
  const parsed = new URL(url)
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  if (host === '' || host.includes(',') || parsed.searchParams.has('host')) return null
  return { host, port: parsed.port === '' ? 5432 : Number(parsed.port) }
}

export function probePostgres(host: string, port: number, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const where = `${host}:${port}`
    const socket = connect({ host, port })
    let answer = Buffer.alloc(0)
    const finish = (result: ProbeResult) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const notPostgres = (): ProbeResult => {
      const shown = answer
        .toString('latin1')
        .replace(/[^\x20-\x7e]+/g, ' ')
        .trim()
        .slice(0, 40)
      const http = /^HTTP\//.test(shown) ? ' (it answered as an HTTP server)' : ''
      const what = shown ? `"${shown}"` : 'nothing and closed the connection'
      const reason = `the server at ${where} is not PostgreSQL${http}: it answered ${what} to PostgreSQL's opening message`
      return { ok: false, reason }
    }
    const silent = (): ProbeResult => ({
      ok: false,
      reason: `${where} accepted the connection but sent no answer within ${timeoutMs / 1000} s; it is probably not PostgreSQL, or it is overloaded`,
    })
    const timer = setTimeout(() => finish(answer.length > 0 ? notPostgres() : silent()), timeoutMs)
    socket.setNoDelay(true)
    socket.once('connect', () => socket.write(SSL_REQUEST))
    socket.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk])
      const first = answer[0]
      // Exactly one byte: S (TLS available) or N (not). Anything more or else is another protocol.
      if (answer.length === 1 && (first === 0x53 || first === 0x4e)) {
        setTimeout(() => finish(answer.length === 1 ? { ok: true } : notPostgres()), 50)
      } else if (answer.length > 1) {
        finish(notPostgres())
      }
    })
    socket.once('end', () => finish(answer.length === 1 ? { ok: true } : notPostgres()))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: describeSocketError(error, where, host) }),
    )
  })
}

function describeSocketError(error: NodeJS.ErrnoException, where: string, host: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `nothing is listening on ${where} (connection refused); start PostgreSQL there or correct the host and port`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${host} does not resolve`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached from this machine (${error.code})`
    case 'ECONNRESET':
      return `${where} closed the connection at once; it is probably not PostgreSQL`
    default:
      return `cannot connect to ${where} (${error.code ?? error.message})`
  }
}
