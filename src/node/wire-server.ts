// PostgreSQL's wire protocol on the embedded database for `serve` with PGLITE_PORT, built from
// pglite-socket's connection handler with a queue of our own. PGlite has one session, shared by
// serve and every client. pglite-socket's queue hands that session over message by message, so
// serve's statements (or another client's) could run between a client's Parse and its Sync and
// take over the unnamed statement: under load, clients' queries failed. Here a client holds the
// session for a whole exchange (from its first message to its Sync, Query or Terminate), and a
// client whose exchange leaves a transaction open keeps it to itself until the transaction ends;
// serve's own writes wait for that (wrapPglite's sharedSessionWaitMs).
import { createServer, type Server } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket'

interface QueuedMessage {
  handlerId: number
  message: Uint8Array
  onData(data: Uint8Array): void
  resolve(bytes: number): void
  reject(error: unknown): void
}

/** The queue interface pglite-socket's handler calls. */
interface WireQueue {
  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number>
  clearQueueForHandler(handlerId: number): void
  clearTransactionIfNeeded(handlerId: number): Promise<void>
}

const SYNC = 0x53 // 'S'
const QUERY = 0x51 // 'Q'
const TERMINATE = 0x58 // 'X'

/** A simple-protocol Query message. */
function queryMessage(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8')
  const message = Buffer.alloc(5 + body.length)
  message[0] = QUERY
  message.writeInt32BE(4 + body.length, 1)
  body.copy(message, 5)
  return message
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function createWireQueue(db: PGlite): WireQueue {
  const queue: QueuedMessage[] = []
  const started = new Set<number>()
  /** The client in the middle of an exchange. */
  let owner: number | null = null
  /** The client whose last exchange left a transaction open. */
  let transactionOwner: number | null = null
  let release: (() => void) | null = null
  let pumping = false

  // Holds PGlite's query lock until the returned function is called: serve's statements wait.
  const acquire = () =>
    new Promise<() => void>((acquired) => {
      void db.runExclusive(() => new Promise<void>((done) => acquired(done)))
    })
  const unlock = () => {
    release?.()
    release = null
  }

  function next(): number {
    if (owner !== null) return queue.findIndex((m) => m.handlerId === owner)
    if (transactionOwner !== null && db.isInTransaction()) {
      return queue.findIndex((m) => m.handlerId === transactionOwner)
    }
    transactionOwner = null
    return queue.length > 0 ? 0 : -1
  }

  function endsExchange(handlerId: number, message: Uint8Array): boolean {
    if (!started.has(handlerId)) {
      started.add(handlerId) // the startup message, answered with ReadyForQuery
      return true
    }
    const type = message[0]
    return type === SYNC || type === QUERY || type === TERMINATE
  }

  async function pump() {
    if (pumping) return
    pumping = true
    try {
      for (;;) {
        if (next() < 0) break // nothing to do, or waiting for the owner's next message
        if (!release) {
          const unlockNow = await acquire()
          // serve is between the statements of its own transaction: let it finish first.
          if (db.isInTransaction() && transactionOwner === null && owner === null) {
            unlockNow()
            await sleep(5)
            continue
          }
          release = unlockNow
        }
        const index = next()
        const item = index < 0 ? undefined : queue.splice(index, 1)[0]
        if (!item) continue
        owner = item.handlerId
        let bytes = 0
        try {
          await db.execProtocolRawStream(item.message, {
            onRawData: (data) => {
              bytes += data.length
              item.onData(data)
            },
          })
          item.resolve(bytes)
        } catch (error) {
          item.reject(error)
        }
        if (endsExchange(item.handlerId, item.message)) {
          owner = null
          transactionOwner = db.isInTransaction() ? item.handlerId : null
          unlock()
        }
      }
    } finally {
      pumping = false
    }
  }

  return {
    enqueue(handlerId, message, onData) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ handlerId, message, onData, resolve, reject })
        void pump()
      })
    },
    clearQueueForHandler(handlerId) {
      for (let i = queue.length - 1; i >= 0; i--) {
        const item = queue[i]
        if (item?.handlerId !== handlerId) continue
        queue.splice(i, 1)
        item.reject(new Error('client disconnected'))
      }
      started.delete(handlerId)
    },
    async clearTransactionIfNeeded(handlerId) {
      const holding = owner === handlerId
      const inTransaction = transactionOwner === handlerId && db.isInTransaction()
      if (!holding && !inTransaction) return
      if (!release) release = await acquire()
      // A client gone mid-transaction: undo its work, as PostgreSQL does for a closed connection.
      if (db.isInTransaction()) await db.execProtocolRaw(queryMessage('ROLLBACK')).catch(() => {})
      owner = null
      transactionOwner = null
      unlock()
      void pump()
    },
  }
}

export interface WireServer {
  stop(): Promise<void>
}

/** Listens on 127.0.0.1:`port`; rejects when the port cannot be had. */
export async function startWireServer(db: PGlite, port: number): Promise<WireServer> {
  const queue = createWireQueue(db)
  const handlers = new Set<PGLiteSocketHandler>()
  const server: Server = createServer((socket) => {
    // The handler's option names pglite-socket's own queue class; ours has the same interface.
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as ConstructorParameters<
        typeof PGLiteSocketHandler
      >[0]['queryQueue'],
      closeOnDetach: true,
    })
    handlers.add(handler)
    handler.addEventListener('close', () => handlers.delete(handler))
    handler.addEventListener('error', () => handlers.delete(handler))
    void handler.attach(socket).catch(() => socket.destroy())
  })
  server.maxConnections = 16
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    async stop() {
      await Promise.all([...handlers].map((h) => h.detach(true).catch(() => h)))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
