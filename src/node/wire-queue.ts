// The queue pglite-socket's connection handler calls, in place of its own (see wire-server.ts for
// why): a client holds PGlite's one session for a whole exchange, from its first message to its
// Sync, Query or Terminate, and keeps it while that exchange leaves a transaction open.
import type { PGlite } from '@electric-sql/pglite'

interface QueuedMessage {
  handlerId: number
  message: Uint8Array
  onData(data: Uint8Array): void
  resolve(bytes: number): void
  reject(error: unknown): void
}

/** The queue interface pglite-socket's handler calls. */
export interface WireQueue {
  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number>
  clearQueueForHandler(handlerId: number): void
  clearTransactionIfNeeded(handlerId: number): Promise<void>
}

/** Who holds the session, and the messages waiting for it. */
interface WireSession {
  db: PGlite
  queue: QueuedMessage[]
  /** Clients whose startup message has been answered. */
  started: Set<number>
  /** The client in the middle of an exchange. */
  owner: number | null
  /** The client whose last exchange left a transaction open. */
  transactionOwner: number | null
  /** Releases PGlite's query lock while a client holds the session. */
  release: (() => void) | null
  pumping: boolean
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
  const session: WireSession = {
    db,
    queue: [],
    started: new Set(),
    owner: null,
    transactionOwner: null,
    release: null,
    pumping: false,
  }
  return {
    enqueue(handlerId, message, onData) {
      return new Promise<number>((resolve, reject) => {
        session.queue.push({ handlerId, message, onData, resolve, reject })
        void pump(session)
      })
    },
    clearQueueForHandler: (handlerId) => clearQueueForHandler(session, handlerId),
    clearTransactionIfNeeded: (handlerId) => clearTransactionIfNeeded(session, handlerId),
  }
}

// Holds PGlite's query lock until the returned function is called: serve's statements wait.
function acquire(db: PGlite): Promise<() => void> {
  return new Promise<() => void>((acquired) => {
    void db.runExclusive(() => new Promise<void>((done) => acquired(done)))
  })
}

function unlock(session: WireSession) {
  session.release?.()
  session.release = null
}

/** The queued message to run next; -1 for none, or while the owner's next one has not come. */
function next(session: WireSession): number {
  const { queue, owner, db } = session
  if (owner !== null) return queue.findIndex((m) => m.handlerId === owner)
  const transactionOwner = session.transactionOwner
  if (transactionOwner !== null && db.isInTransaction()) {
    return queue.findIndex((m) => m.handlerId === transactionOwner)
  }
  session.transactionOwner = null
  return queue.length > 0 ? 0 : -1
}

function endsExchange(session: WireSession, handlerId: number, message: Uint8Array): boolean {
  if (!session.started.has(handlerId)) {
    session.started.add(handlerId) // the startup message, answered with ReadyForQuery
    return true
  }
  const type = message[0]
  return type === SYNC || type === QUERY || type === TERMINATE
}

async function pump(session: WireSession) {
  if (session.pumping) return
  session.pumping = true
  try {
    for (;;) {
      if (next(session) < 0) break // nothing to do, or waiting for the owner's next message
      if (!session.release) {
        const unlockNow = await acquire(session.db)
        // serve is between the statements of its own transaction: let it finish first.
        const { db, transactionOwner, owner } = session
        if (db.isInTransaction() && transactionOwner === null && owner === null) {
          unlockNow()
          await sleep(5)
          continue
        }
        session.release = unlockNow
      }
      const index = next(session)
      const item = index < 0 ? undefined : session.queue.splice(index, 1)[0]
      if (!item) continue
      await runMessage(session, item)
    }
  } finally {
    session.pumping = false
  }
}

/** Run one message for its client; at the end of an exchange the session is free again. */
async function runMessage(session: WireSession, item: QueuedMessage) {
  const db = session.db
  session.owner = item.handlerId
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
  if (endsExchange(session, item.handlerId, item.message)) {
    session.owner = null
    session.transactionOwner = db.isInTransaction() ? item.handlerId : null
    unlock(session)
  }
}

function clearQueueForHandler(session: WireSession, handlerId: number) {
  const queue = session.queue
  for (let i = queue.length - 1; i >= 0; i--) {
    const item = queue[i]
    if (item?.handlerId !== handlerId) continue
    queue.splice(i, 1)
    item.reject(new Error('client disconnected'))
  }
  session.started.delete(handlerId)
}

async function clearTransactionIfNeeded(session: WireSession, handlerId: number) {
  const db = session.db
  const holding = session.owner === handlerId
  const inTransaction = session.transactionOwner === handlerId && db.isInTransaction()
  if (!holding && !inTransaction) return
  if (!session.release) session.release = await acquire(db)
  // A client gone mid-transaction: undo its work, as PostgreSQL does for a closed connection.
  if (db.isInTransaction()) await db.execProtocolRaw(queryMessage('ROLLBACK')).catch(() => {})
  session.owner = null
  session.transactionOwner = null
  unlock(session)
  void pump(session)
}
