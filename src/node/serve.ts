// `bc-mirror serve` on Node: the Hono app on @hono/node-server, and the background work (the event
// worker and the schedule, background.ts). startServer takes an opened database and the background
// so tests run it in-process; runServe is the command: it opens everything from the settings,
// serves until SIGTERM or SIGINT, then stops accepting, lets the worker finish its batch, aborts
// running sweeps and closes the database. On PostgreSQL the background runs in a thread of its own
// (background-thread.ts), so the receiver's event loop does nothing but answer deliveries.
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { sql } from 'drizzle-orm'
import { createApp, WEBHOOK_PATH, type DeliveryOutcome } from '../http/app.ts'
import { createMirrorMetrics, type MirrorMetrics } from '../http/metrics.ts'
import { createInboxWriter } from '../sync/events/inbox.ts'
import { createClientEventHub } from '../sync/request-stats.ts'
import { readStatus } from '../sync/status/status.ts'
import type { EventWorkerOptions } from '../sync/events/event-worker.ts'
import { startBackgroundWork, type BackgroundWork } from './background.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import type { OpenedDatabase } from './open-database.ts'
import { describeError, type Logger } from '../util/log.ts'

export interface ServerOptions {
  config: Pick<Config, 'storeHash' | 'webhookSecret' | 'clientSecret' | 'statusToken'>
  db: Database
  /** Counters of this process for `/metrics` (deliveries, API requests); default: a new set. */
  metrics?: MirrorMetrics
  /** The worker and schedule; the server wakes it on each stored event and stops it on stop(). */
  background: BackgroundWork
  log: Logger
  port: number
  hostname?: string
  /** How often the request summary line is written. Default 10 s. */
  requestLogMs?: number
  /** Bytes of deliveries held at once (read, parsed or stored); more get 503. Default 32 MiB. */
  maxHeldBytes?: number
  /** How long a delivery waits for the inbox before it is answered 503. Default 5 s. */
  inboxWaitMs?: number
}

/**
 * The receiver's memory bound: deliveries reserve their declared size before their body is read,
 * and once `maxBytes` are held the next ones are answered 503 at once (BigCommerce delivers them
 * again), instead of piling up while the database is slow.
 */
function createAdmission(maxBytes: number) {
  let held = 0
  return (bytes: number) => {
    if (held > 0 && held + bytes > maxBytes) return null
    held += bytes
    let released = false
    return () => {
      if (released) return
      released = true
      held -= bytes
    }
  }
}

export interface RunningServer {
  url: string
  port: number
  /** Stops accepting, then the background (its batch in hand finishes); keeps the database. */
  stop(): Promise<void>
}

/** Counts deliveries by outcome between two summary lines (one log line per batch of requests). */
function createRequestTally(log: Logger, everyMs: number) {
  let counts = new Map<string, number>()
  let total = 0
  const flush = () => {
    if (total === 0) return
    log('info', 'requests', { deliveries: total, outcomes: Object.fromEntries(counts) })
    counts = new Map()
    total = 0
  }
  const timer = setInterval(flush, everyMs)
  timer.unref()
  return {
    add(outcome: DeliveryOutcome) {
      const key = outcome.reason ? `${outcome.status} ${outcome.reason}` : String(outcome.status)
      counts.set(key, (counts.get(key) ?? 0) + 1)
      total += 1
    },
    stop() {
      clearInterval(timer)
      flush()
    },
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, db, background, log } = options
  const storeHash = config.storeHash
  const webhookSecret = config.webhookSecret
  if (!webhookSecret) throw new Error('serve needs WEBHOOK_SECRET')

  const tally = createRequestTally(log, options.requestLogMs ?? 10_000)
  const metrics = options.metrics ?? createMirrorMetrics()
  const store = createInboxWriter(db, storeHash, { waitMs: options.inboxWaitMs })
  const observe = config.statusToken
    ? {
        token: config.statusToken,
        readStatus: () => readStatus(db, storeHash, { isGone: nodeLeaseIdentity().isGone }),
        renderMetrics: () => metrics.render(db, storeHash),
        apiState: () => metrics.apiState(),
      }
    : undefined
  const app = createApp({
    storeHash,
    webhookSecret,
    clientSecret: config.clientSecret,
    async enqueue(event) {
      await store(event)
      background.wake()
    },
    checkHealth: async () => (await db.execute(sql`select 1 as ok`)).length === 1,
    admit: createAdmission(options.maxHeldBytes ?? 32 * 1024 * 1024),
    onDelivery: (outcome) => {
      tally.add(outcome)
      metrics.recordDelivery(outcome)
    },
    onError: (error) => log('error', 'request failed', { error: describeError(error) }),
    observe,
  })

  let server: ServerType
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname }, () =>
        resolve(s),
      )
      s.once('error', reject)
    })
  } catch (error) {
    await background.stop()
    tally.stop()
    throw error
  }
  const port = (server.address() as AddressInfo).port
  const host = !options.hostname || options.hostname === '0.0.0.0' ? '127.0.0.1' : options.hostname
  const url = `http://${host}:${port}`
  log('info', 'listening', { url, webhook: `${url}${WEBHOOK_PATH}`, storeHash })

  return {
    url,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      await Promise.all([closed, background.stop()])
      tally.stop()
    },
  }
}

/** Resolves on the first SIGTERM or SIGINT. */
export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGTERM', handler)
      process.off('SIGINT', handler)
      resolve(signal)
    }
    process.on('SIGTERM', handler)
    process.on('SIGINT', handler)
  })
}

export interface ServeCommandOptions {
  /** Runs after the server listens (the demo registers its hooks and starts changing its store). */
  afterListen?: (server: RunningServer) => Promise<void> | void
  /** Runs after the server stopped, before the database closes. */
  beforeClose?: () => Promise<void>
  worker?: EventWorkerOptions
  /** Longest wait between tries while the store's API refuses the token or is out. */
  apiRetryMaxMs?: number
  log?: Logger
}

/** The receiver's connections: the inbox writer's statements in flight (4) and a health check. */
const RECEIVER_POOL_SIZE = 5

/**
 * PostgreSQL's wire protocol on the embedded database, on 127.0.0.1 only, so psql, a BI tool and
 * `status`, `sync` or `verify` on the same DATA_DIR can reach it while serve holds it. Their
 * statements take turns with serve's own on PGlite's one session (see README, "psql").
 */
async function startWireProtocol(opened: OpenedDatabase, port: number) {
  const { startWireServer } = await import('./wire-server.ts')
  if (!opened.pglite) throw new Error('the PostgreSQL protocol needs the embedded database')
  let wire: { stop(): Promise<void> }
  try {
    wire = await startWireServer(opened.pglite, port)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(
      code === 'EADDRINUSE'
        ? `PGLITE_PORT ${port} is in use by another program on 127.0.0.1; choose a free port or unset PGLITE_PORT`
        : `could not listen on PGLITE_PORT ${port}: ${code ?? 'unknown error'}`,
      { cause: error },
    )
  }
  opened.announcePort?.(port)
  return wire
}

/** The whole `serve` command: open, serve until a stop signal, shut down cleanly. */
export async function runServe(config: Config, options: ServeCommandOptions = {}): Promise<void> {
  const { createJsonLogger } = await import('../util/log.ts')
  const { writeStdout } = await import('./stdout.ts')
  const { openConfiguredDatabase, embeddedUrl } = await import('./open-database.ts')
  const { createStoreClient, logClientEvents } = await import('./store-client.ts')
  const { startBackgroundThread } = await import('./background-thread.ts')
  const log =
    options.log ??
    createJsonLogger(
      [config.accessToken, config.webhookSecret, config.clientSecret, config.databaseUrl],
      writeStdout,
    )
  const onPostgres = config.databaseUrl !== undefined
  // With the background in its own thread and pool, the receiver's inserts need few connections.
  const opened = await openConfiguredDatabase(config, 'bc-mirror serve', {
    poolSize: onPostgres ? RECEIVER_POOL_SIZE : undefined,
    sharedSession: config.pglitePort !== undefined,
  })
  let server: RunningServer | undefined
  let background: BackgroundWork | undefined
  let wire: { stop(): Promise<void> } | undefined
  const metrics = createMirrorMetrics()
  try {
    if (onPostgres) {
      background = await startBackgroundThread(config, {
        log,
        worker: options.worker,
        apiRetryMaxMs: options.apiRetryMaxMs,
        onApiEvent: metrics.recordApiEvent,
      })
    } else {
      const logEvent = logClientEvents(log)
      const clientEvents = createClientEventHub()
      const client = createStoreClient(config, (event) => {
        logEvent(event)
        clientEvents.emit(event)
        metrics.recordApiEvent(event, client.pacer.snapshot())
      })
      background = startBackgroundWork({
        config,
        db: opened.db,
        client,
        clientEvents,
        log,
        worker: options.worker,
        apiRetryMaxMs: options.apiRetryMaxMs,
      })
    }
    server = await startServer({
      config,
      db: opened.db,
      background,
      log,
      port: config.port,
      metrics,
    })
    if (opened.pglite && config.pglitePort !== undefined) {
      wire = await startWireProtocol(opened, config.pglitePort)
      log('info', 'postgres protocol', {
        url: embeddedUrl(config.pglitePort),
        psql: `psql -h 127.0.0.1 -p ${config.pglitePort} -U postgres`,
      })
    }
    await options.afterListen?.(server)
    const stopped = await Promise.race([
      waitForStopSignal().then((signal) => ({ signal, error: undefined })),
      background.crashed.then((error) => ({ signal: undefined, error })),
    ])
    if (stopped.error !== undefined) {
      log('error', 'background failed', { error: describeError(stopped.error) })
      throw new Error(
        'the background work (event worker and sweeps) stopped; serve cannot go on without it',
        { cause: stopped.error },
      )
    }
    log('info', 'stopping', { signal: stopped.signal })
  } finally {
    await wire?.stop()
    // stop() stops the background too; without a server it still needs stopping.
    if (server) await server.stop()
    else await background?.stop()
    await options.beforeClose?.()
    await opened.close()
    log('info', 'stopped')
  }
}
