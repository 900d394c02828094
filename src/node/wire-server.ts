// PostgreSQL's wire protocol on the embedded database for `serve` with PGLITE_PORT, built from
// pglite-socket's connection handler with a queue of our own. PGlite has one session, shared by
// serve and every client. pglite-socket's queue hands that session over message by message, so
// serve's statements (or another client's) could run between a client's Parse and its Sync and
// take over the unnamed statement: under load, clients' queries failed. Here a client holds the
// session for a whole exchange (from its first message to its Sync, Query or Terminate), and a
// client whose exchange leaves a transaction open keeps it to itself until the transaction ends;
// serve's own writes wait for that (wrapPglite's sharedSessionWaitMs). The queue is wire-queue.ts.
// The handler sees only frames checked by wire-frames.ts, and a client that holds the session
// idle longer than the idle timeout is dropped (README, "psql on the embedded database"). Clients'
// LISTENs hear serve's notifications through wire-listen.ts.
import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket'
import { createFrameReader, type Frame } from './wire-frames.ts'
import { createNotificationRelay } from './wire-listen.ts'
import { createWireQueue } from './wire-queue.ts'

export interface WireServer {
  stop(): Promise<void>
}

export interface WireServerOptions {
  port: number
  /**
   * How long a client may hold PGlite's session while idle (in a transaction, or between Parse
   * and Sync), and how long it has to finish its startup; then it is dropped. Default 30 s.
   */
  idleTimeoutMs?: number
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000

interface Connection {
  socket: Socket
  handler: PGLiteSocketHandler
}

/** Listens on 127.0.0.1:`port`; rejects when the port cannot be had. */
export async function startWireServer(db: PGlite, options: WireServerOptions): Promise<WireServer> {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  const connections = new Map<number, Connection>()
  const queue = createWireQueue(db, {
    holdTimeoutMs: idleTimeoutMs,
    onHoldTimeout(handlerId, holding) {
      const connection = connections.get(handlerId)
      if (!connection) return
      const what =
        holding === 'transaction' ? 'idle in a transaction' : 'idle between Parse and Sync'
      const seconds = idleTimeoutMs / 1000
      refuse(connection.socket, '25P03', `terminating connection: ${what} for over ${seconds} s`)
    },
  })
  const relay = createNotificationRelay(db)
  const server: Server = createServer((socket) => {
    // The handler's option names pglite-socket's own queue class; ours has the same interface.
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as ConstructorParameters<
        typeof PGLiteSocketHandler
      >[0]['queryQueue'],
      closeOnDetach: true,
    })
    const id = handler.handlerId
    connections.set(id, { socket, handler })
    relay.connect(id, (message) => {
      if (socket.writable) socket.write(message)
    })
    socket.once('close', () => {
      connections.delete(id)
      relay.disconnect(id)
    })
    const watch: Watch = {
      sent: (message) => relay.sent(id, message),
      received: (output) => relay.received(id, output),
    }
    void handler.attach(guardSocket(socket, idleTimeoutMs, watch)).catch(() => socket.destroy())
  })
  server.maxConnections = 16
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    async stop() {
      const open = [...connections.values()]
      // detach rolls back a transaction a client left open; then every socket goes, whatever
      // state its client is in, so server.close() does not wait on anyone.
      await Promise.all(open.map((c) => c.handler.detach(true).catch(() => c.handler)))
      for (const c of open) c.socket.destroy()
      relay.stop()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * What the handler attaches to in place of the socket: the same events and methods, but its
 * 'data' carries only checked frames. Encryption and cancel requests are answered here; a frame
 * that cannot be right, or a startup not finished in time, closes the client.
 */
/** What passes between a client and PGlite, for the notification relay (wire-listen.ts). */
interface Watch {
  sent(message: Uint8Array): void
  received(output: Uint8Array): void
}

function guardSocket(socket: Socket, startupTimeoutMs: number, watch: Watch): Socket {
  const events = new EventEmitter()
  const reader = createFrameReader()
  const startupTimer = setTimeout(
    () => refuse(socket, '08P01', 'startup not finished in time'),
    startupTimeoutMs,
  )
  startupTimer.unref()
  socket.on('data', (chunk: Buffer) => {
    const { frames, refused } = reader.push(chunk)
    const passed: Buffer[] = []
    for (const frame of frames) {
      if (frame.kind === 'startup') clearTimeout(startupTimer)
      if (frame.kind === 'encryption-request') socket.write('N')
      if (frame.kind === 'cancel') return socket.destroy()
      if (frame.kind === 'message') watch.sent(frame.bytes)
      if (hasBytes(frame)) passed.push(frame.bytes)
    }
    if (passed.length > 0) events.emit('data', Buffer.concat(passed))
    if (refused !== undefined) refuse(socket, '08P01', refused)
  })
  socket.on('error', (error) => events.emit('error', error))
  socket.on('close', () => {
    clearTimeout(startupTimer)
    events.emit('close')
  })
  const facade = {
    get remoteAddress() {
      return socket.remoteAddress
    },
    get remotePort() {
      return socket.remotePort
    },
    get writable() {
      return socket.writable
    },
    setNoDelay: (noDelay?: boolean) => (socket.setNoDelay(noDelay), facade),
    on: (event: string, listener: (...args: unknown[]) => void) => (
      events.on(event, listener),
      facade
    ),
    removeAllListeners: (event?: string) => (events.removeAllListeners(event), facade),
    write: (data: Uint8Array, callback?: (error?: Error | null) => void) => {
      watch.received(data)
      return socket.write(data, callback)
    },
    end: () => (socket.end(), facade),
    destroy: () => (socket.destroy(), facade),
  }
  return facade as unknown as Socket
}

function hasBytes(frame: Frame): frame is Extract<Frame, { bytes: Buffer }> {
  return frame.kind === 'startup' || frame.kind === 'message'
}

/** Tells the client why (a FATAL ErrorResponse, as PostgreSQL does), then closes it. */
function refuse(socket: Socket, code: string, message: string) {
  if (socket.destroyed || socket.writableEnded) return
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8')
  const frame = Buffer.alloc(5 + fields.length)
  frame[0] = 0x45 // 'E'
  frame.writeInt32BE(4 + fields.length, 1)
  fields.copy(frame, 5)
  socket.end(frame, () => socket.destroy())
  // A client that never reads would keep the socket half open.
  setTimeout(() => socket.destroy(), 1000).unref()
}
