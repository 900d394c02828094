// LISTEN for clients of serve's PGLITE_PORT (so `bc-mirror changes --follow` works on the embedded
// database). PGlite has one session: a client's LISTEN makes that session listen, but PostgreSQL
// hands a notification to the session in the output of the statement that commits it, and serve's
// writes are serve's statements: PGlite parses them and tells its onNotification callbacks, the
// client never sees them. So the wire server notes the channels each client LISTENs on and writes
// each notification PGlite hears to those clients as a NotificationResponse, between messages, as
// PostgreSQL would. A client's UNLISTEN (or UNLISTEN *) stops the one session listening for every
// client; once it has run, the session LISTENs again to the channels still wanted (PGlite's own
// listeners in this process included, so those are LISTENed to again whatever the clients want).
import type { PGlite } from '@electric-sql/pglite'
import { CHANGES_CHANNEL } from '../db/changes.ts'

const QUERY = 0x51 // 'Q'
const PARSE = 0x50 // 'P'
const READY_FOR_QUERY = 0x5a // 'Z'

const MAX_STATEMENT_BYTES = 512
const STATEMENT = /^\s*(listen|unlisten)\s+(?:(\*)|"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*))\s*;?\s*$/i

export interface ChannelStatement {
  listen: boolean
  /** The channel, as PostgreSQL names it (unquoted names folded to lower case); '*' for all. */
  channel: string
}

/** The LISTEN or UNLISTEN a client message (Query or Parse) carries, or null. */
export function channelStatementOf(message: Uint8Array): ChannelStatement | null {
  // A channel name is at most 63 bytes: a longer message is some other statement, left unread.
  if (message.byteLength > MAX_STATEMENT_BYTES) return null
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength)
  let text: string
  if (bytes[0] === QUERY) text = bytes.toString('utf8', 5, bytes.indexOf(0, 5))
  else if (bytes[0] === PARSE) {
    const nameEnd = bytes.indexOf(0, 5)
    if (nameEnd < 0) return null
    text = bytes.toString('utf8', nameEnd + 1, bytes.indexOf(0, nameEnd + 1))
  } else return null
  const match = STATEMENT.exec(text)
  if (!match) return null
  const channel = match[2] ?? match[3]?.replaceAll('""', '"') ?? match[4]?.toLowerCase() ?? ''
  return { listen: match[1]?.toLowerCase() === 'listen', channel }
}

/** A NotificationResponse message ('A'), the backend's process id given as 0. */
export function notificationMessage(channel: string, payload: string): Buffer {
  const body = Buffer.concat([
    Buffer.from(`${channel}\0`, 'utf8'),
    Buffer.from(`${payload}\0`, 'utf8'),
  ])
  const message = Buffer.alloc(9 + body.length)
  message[0] = 0x41 // 'A'
  message.writeInt32BE(8 + body.length, 1)
  message.writeInt32BE(0, 5)
  body.copy(message, 9)
  return message
}

/**
 * Whether the backend's output holds a ReadyForQuery: the exchange in progress has ended. Output
 * not cut at a message boundary reads as not ending; the next output is looked at too.
 */
export function endsExchange(output: Uint8Array): boolean {
  const bytes = Buffer.from(output.buffer, output.byteOffset, output.byteLength)
  let at = 0
  while (at + 5 <= bytes.length) {
    if (bytes[at] === READY_FOR_QUERY) return true
    const length = bytes.readInt32BE(at + 1)
    if (length < 4) return false
    at += 1 + length
  }
  return false
}

interface Client {
  write(message: Buffer): void
  channels: Set<string>
  /** Channels this client's exchange in progress UNLISTENs: LISTENed to again after it ends. */
  unlistened: Set<string>
}

export interface NotificationRelay {
  /** A client message, before PGlite runs it. */
  sent(clientId: number, message: Uint8Array): void
  /** Output written to a client. */
  received(clientId: number, output: Uint8Array): void
  connect(clientId: number, write: (message: Buffer) => void): void
  disconnect(clientId: number): void
  stop(): void
}

const quoted = (channel: string) => `"${channel.replaceAll('"', '""')}"`

export function createNotificationRelay(db: PGlite): NotificationRelay {
  const clients = new Map<number, Client>()
  // What a client's UNLISTEN * stops: the change feed (serve's own listeners may hear it) and every
  // channel a client has LISTENed on since the server started. LISTENing to a channel nobody
  // hears costs nothing.
  const known = new Set<string>([CHANGES_CHANNEL])
  const stopHearing = db.onNotification((channel, payload) => {
    for (const client of clients.values()) {
      if (client.channels.has(channel)) client.write(notificationMessage(channel, payload))
    }
  })
  const relisten = (channels: Set<string>) => {
    const all = channels.has('*') ? known : channels
    const statements = [...all].map((channel) => `LISTEN ${quoted(channel)};`).join(' ')
    // Waits for PGlite's lock, which the wire queue releases when the client's exchange ends.
    if (statements) void db.exec(statements).catch(() => {})
  }
  return {
    sent(clientId, message) {
      const client = clients.get(clientId)
      const statement = client ? channelStatementOf(message) : null
      if (!client || !statement) return
      const { listen, channel } = statement
      if (listen) {
        client.channels.add(channel)
        known.add(channel)
      } else {
        if (channel === '*') client.channels.clear()
        else client.channels.delete(channel)
        client.unlistened.add(channel)
      }
    },
    received(clientId, output) {
      const client = clients.get(clientId)
      if (!client || client.unlistened.size === 0 || !endsExchange(output)) return
      relisten(client.unlistened)
      client.unlistened = new Set()
    },
    connect(clientId, write) {
      clients.set(clientId, { write, channels: new Set(), unlistened: new Set() })
    },
    disconnect(clientId) {
      clients.delete(clientId)
    },
    stop: stopHearing,
  }
}
