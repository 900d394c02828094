// The queue pglite-socket's connection handler calls, in place of its own (see wire-server.ts for
// why): a client holds PGlite's one session for a whole exchange, from its first message to its
// Sync, Query or Terminate, and keeps it while that exchange leaves a transaction open. A client
// that holds it idle (waiting for its own next message) longer than holdTimeoutMs is reported, and
// the server drops it; its detach rolls the transaction back and frees the session.
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
  options: WireQueueOptions
  /** The exchange in progress has extended-protocol messages not yet followed by a Sync. */
  unsynced: boolean
  /** Runs out when the client holding the session has been idle for holdTimeoutMs. */
  holdTimer: NodeJS.Timeout | null
}

export interface WireQueueOptions {
  holdTimeoutMs: number
  /** The client `handlerId` held the session idle too long, mid-exchange or in a transaction. */
  onHoldTimeout(handlerId: number, holding: 'exchange' | 'transaction'): void
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

/** Sync: ends an extended-protocol exchange (and the error state that skips to it). */
const SYNC_MESSAGE = Uint8Array.from([SYNC, 0, 0, 0, 4])

/**
 * A Bind naming a statement that cannot exist. A client gone between Parse and Sync may leave the
 * session skipping messages until a Sync, or an implicit transaction open: this error aborts the
 * latter (as PostgreSQL does for a closed connection) and the Sync after it ends both.
 */
function failingBind(): Uint8Array {
  const body = Buffer.from('\0bc_mirror_abandoned_exchange\0\0\0\0\0\0\0', 'latin1')
  const message = Buffer.alloc(5 + body.length)
  message[0] = 0x42 // 'B'
  message.writeInt32BE(4 + body.length, 1)
  body.copy(message, 5)
  return message
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function createWireQueue(db: PGlite, options: WireQueueOptions): WireQueue {
  const session: WireSession = {
    db,
    queue: [],
    started: new Set(),
    owner: null,
    transactionOwner: null,
    release: null,
    pumping: false,
    options,
    unsynced: false,
    holdTimer: null,
  }
  return {
    enqueue(handlerId, message, onData) {
      return new Promise<number>((resolve, reject) => {
        session.queue.push({ handlerId, message, onData, resolve, reject })
        // The caller waits for its own message's answer; pump() settles each one and never rejects.
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
    // runExclusive settles when `done` is called, that is when the holder unlocks: nobody waits.
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

/** The client holding the session between its messages, and how. */
function holder(session: WireSession): { id: number; holding: 'exchange' | 'transaction' } | null {
  if (session.owner !== null) return { id: session.owner, holding: 'exchange' }
  const transactionOwner = session.transactionOwner
  if (transactionOwner !== null && session.db.isInTransaction()) {
    return { id: transactionOwner, holding: 'transaction' }
  }
  return null
}

function stopHoldTimer(session: WireSession) {
  if (session.holdTimer) clearTimeout(session.holdTimer)
  session.holdTimer = null
}

/** Starts the idle clock of the client that holds the session, if one does. */
function startHoldTimer(session: WireSession) {
  stopHoldTimer(session)
  const held = holder(session)
  if (!held) return
  session.holdTimer = setTimeout(() => {
    session.holdTimer = null
    const now = holder(session)
    const waiting = session.queue.some((m) => m.handlerId === held.id)
    if (now?.id === held.id && !waiting) session.options.onHoldTimeout(held.id, now.holding)
  }, session.options.holdTimeoutMs)
  session.holdTimer.unref()
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
      if (next(session) < 0) {
        // Nothing to do, or waiting for the holder's next message: its idle clock runs.
        startHoldTimer(session)
        break
      }
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
  stopHoldTimer(session)
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
  noteSync(session, item)
  if (endsExchange(session, item.handlerId, item.message)) {
    // An exchange of extended-protocol messages that ended without a Sync (a Query after them)
    // may leave PGlite skipping every message until one: serve's next statement would vanish.
    if (session.unsynced) await db.execProtocolRaw(SYNC_MESSAGE).catch(() => {})
    session.unsynced = false
    session.owner = null
    session.transactionOwner = db.isInTransaction() ? item.handlerId : null
    unlock(session)
  }
}

/** Whether the client has sent extended-protocol messages since its last Sync. */
function noteSync(session: WireSession, item: QueuedMessage) {
  if (!session.started.has(item.handlerId)) return // the startup message
  const type = item.message[0]
  if (type === SYNC) session.unsynced = false
  else if (type !== QUERY && type !== TERMINATE) session.unsynced = true
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
  stopHoldTimer(session)
  if (!session.release) session.release = await acquire(db)
  if (holding) {
    await db.execProtocolRaw(failingBind()).catch(() => {})
    await db.execProtocolRaw(SYNC_MESSAGE).catch(() => {})
    session.unsynced = false
  }
  // A client gone mid-transaction: undo its work, as PostgreSQL does for a closed connection.
  if (db.isInTransaction()) await db.execProtocolRaw(queryMessage('ROLLBACK')).catch(() => {})
  session.owner = null
  session.transactionOwner = null
  unlock(session)
  void pump(session) // the other clients' queued messages run on; nothing here waits for them
}
