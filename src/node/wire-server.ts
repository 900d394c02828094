// PostgreSQL's wire protocol on the embedded database for `serve` with PGLITE_PORT, built from
// pglite-socket's connection handler with a queue of our own. PGlite has one session, shared by
// serve and every client. pglite-socket's queue hands that session over message by message, so
// serve's statements (or another client's) could run between a client's Parse and its Sync and
// take over the unnamed statement: under load, clients' queries failed. Here a client holds the
// session for a whole exchange (from its first message to its Sync, Query or Terminate), and a
// client whose exchange leaves a transaction open keeps it to itself until the transaction ends;
// serve's own writes wait for that (wrapPglite's sharedSessionWaitMs). The queue is wire-queue.ts.
import { createServer, type Server } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket'
import { createWireQueue } from './wire-queue.ts'

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
