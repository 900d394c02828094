// `bc-mirror serve`'s receiver on Node: the Hono app on @hono/node-server, waking the background
// work (the event worker and the schedule, background.ts) on each stored event. startServer takes
// an opened database and the background so tests run it in-process; the command that opens
// everything from the settings is runServe (serve-command.ts).
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { sql } from 'drizzle-orm'
import type { AppCallbackDeps } from '../http/app-callbacks.ts'
import { createApp, WEBHOOK_PATH, type DeliveryOutcome, type MirrorApp } from '../http/app.ts'
import { createMirrorMetrics, type MirrorMetrics } from '../http/metrics.ts'
import { normalizeStoreHash } from '../stores/registry.ts'
import { createStoreRouter, type StoreRouter } from '../stores/router.ts'
import type { StoreDirectory } from '../stores/types.ts'
import { renderStoresMetrics } from '../http/stores-metrics.ts'
import { createInboxWriter } from '../sync/events/inbox.ts'
import { readStatus } from '../sync/status/status.ts'
import { readStoresOverview } from '../sync/status/stores.ts'
import type { BackgroundWork } from './background.ts'
import { nodeHmacSha256 } from './hmac.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import { describeError, type Logger } from '../util/log.ts'

export interface ServerOptions {
  config: Pick<Config, 'storeHash' | 'webhookSecret' | 'clientSecret' | 'statusToken'>
  db: Database
  /** Counters of this process for `/metrics` (deliveries, API requests); default: a new set. */
  metrics?: MirrorMetrics
  /** The worker and schedule; the server wakes it on each stored event and stops it on stop(). */
  background: BackgroundWork
  /**
   * The stores deliveries are stored for, routed by their `producer`; absent: only
   * `config.storeHash` (another store's deliveries are answered 200 and dropped).
   */
  directory?: StoreDirectory
  /** How often the receiver re-reads the directory's active stores. Default 60 s. */
  directoryRefreshMs?: number
  log: Logger
  port: number
  /** The address to listen on; default 127.0.0.1 (this machine only). */
  hostname?: string
  /** How often the request summary line is written. Default 10 s. */
  requestLogMs?: number
  /** Bytes of deliveries held at once (read, parsed or stored); more get 503. Default 32 MiB. */
  maxHeldBytes?: number
  /** How long a delivery waits for the inbox before it is answered 503. Default 5 s. */
  inboxWaitMs?: number
  /** App mode: the install, load and uninstall callbacks; every delivery must then be signed. */
  appCallbacks?: AppCallbackDeps
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
  /** The stores changed (an install, an uninstall): routing and the background read them now. */
  storesChanged(): void
}

interface RequestTally {
  add(outcome: DeliveryOutcome): void
  stop(): void
}

/** Counts deliveries by outcome between two summary lines (one log line per batch of requests). */
function createRequestTally(log: Logger, everyMs: number): RequestTally {
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
  const { config, background, log } = options
  const receiver = createReceiver({
    ...options,
    wake: (resources, storeHash) => background.wake(resources, storeHash),
  })
  let server: ServerType
  try {
    await receiver.ready
    server = await listen(receiver.app, options)
  } catch (error) {
    await background.stop()
    receiver.stop()
    throw error
  }
  // The address actually bound: 0.0.0.0 or :: when it is every interface, said as such.
  const { address, port } = server.address() as AddressInfo
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`
  log('info', 'listening', { url, webhook: `${url}${WEBHOOK_PATH}`, storeHash: config.storeHash })

  return {
    url,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      await Promise.all([closed, background.stop()])
      receiver.stop()
    },
    storesChanged() {
      receiver.storesChanged()
      background.storesChanged?.()
    },
  }
}

type ReceiverSettings =
  | 'config'
  | 'db'
  | 'metrics'
  | 'log'
  | 'requestLogMs'
  | 'maxHeldBytes'
  | 'inboxWaitMs'
  | 'directory'
  | 'directoryRefreshMs'
  | 'appCallbacks'

export interface ReceiverOptions extends Pick<ServerOptions, ReceiverSettings> {
  /** Events for these tables were just stored for this store (the background's wake-up). */
  wake(resources: Iterable<string | null>, storeHash?: string): void
}

export interface Receiver {
  /** The Hono app: the webhook route, /healthz, and /status and /metrics when STATUS_TOKEN is set. */
  app: MirrorApp
  /** Settles once the directory was first read (or could not be: the settings' store is served). */
  ready: Promise<void>
  /** Writes the last request summary line and stops its timers. */
  stop(): void
  /** Re-reads the stores deliveries are routed to (after an install or an uninstall). */
  storesChanged(): void
}

/**
 * The receiver's cached view of the directory; `ready` once it was first read. `refresh` reads it
 * again now; a failed read is logged and the previous answers are kept.
 */
function startRouter(options: ReceiverOptions): {
  router?: StoreRouter
  ready: Promise<void>
  refresh(): Promise<void>
} {
  const { directory, log, config } = options
  if (!directory) return { ready: Promise.resolve(), refresh: () => Promise.resolve() }
  const onError = (error: unknown) =>
    log('warn', 'could not read the stores', { error: describeError(error) })
  const router = createStoreRouter(directory.roster ?? directory, {
    refreshMs: options.directoryRefreshMs,
    settingsStore: config.storeHash ? normalizeStoreHash(config.storeHash) : undefined,
    onError,
  })
  const refresh = () => router.refresh().catch(onError)
  // A database away at start: the settings' store is served, others are looked up per delivery.
  return { router, ready: refresh(), refresh }
}

/**
 * The app wired to this process (the inbox, the wake-up, the request tally and metrics), not yet
 * listening: serve listens on it, and the library hands it to an app to mount in its own server.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { config, db, log } = options
  if (!config.webhookSecret) throw new Error('serve needs WEBHOOK_SECRET')
  const tally = createRequestTally(log, options.requestLogMs ?? 10_000)
  const storeHash = config.storeHash
  const metrics = options.metrics ?? createMirrorMetrics()
  const store = createInboxWriter(db, storeHash, { waitMs: options.inboxWaitMs })
  const { router, ready, refresh } = startRouter(options)
  const readStores = router && (() => readStoresOverview(db, router.activeStores()))
  const observe = config.statusToken
    ? {
        token: config.statusToken,
        readStatus: () => readStatus(db, storeHash, { isGone: nodeLeaseIdentity().isGone }),
        readStores,
        renderMetrics: async () => {
          const stores = await readStores?.()
          const needingAttention = stores?.stores
            .filter((s) => s.problems.length > 0)
            .map((s) => s.storeHash)
          const own = await metrics.render(db, storeHash, needingAttention)
          return stores ? `${own.trimEnd()}\n${renderStoresMetrics(stores)}` : own
        },
        apiState: () => metrics.apiState(),
        storeApi: (hash: string) => metrics.storeApi(hash),
      }
    : undefined
  const app = createApp({
    storeHash,
    route: router?.route,
    webhookSecret: config.webhookSecret,
    clientSecret: config.clientSecret,
    appCallbacks: options.appCallbacks,
    requireSignature: options.appCallbacks !== undefined,
    hmacSha256: nodeHmacSha256,
    async enqueue(event) {
      await store(event)
      options.wake([event.resource], event.storeHash)
    },
    checkHealth: () => checkDatabaseHealth(db),
    admit: createAdmission(options.maxHeldBytes ?? 32 * 1024 * 1024),
    onDelivery: (outcome) => {
      tally.add(outcome)
      metrics.recordDelivery(outcome)
    },
    onError: (error) => log('error', 'request failed', { error: describeError(error) }),
    observe,
  })
  return {
    app,
    ready,
    stop: () => {
      tally.stop()
      router?.stop()
    },
    storesChanged: () => void refresh(),
  }
}

/**
 * /healthz answers within a second: a database that has not answered by then (a stall, or a
 * PGLITE_PORT client holding the embedded session) counts as unhealthy.
 */
const HEALTH_WAIT_MS = 800

function checkDatabaseHealth(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_WAIT_MS)
  })
  const answer = db.execute(sql`select 1 as ok`).then((rows) => rows.length === 1)
  return Promise.race([answer, late]).finally(() => clearTimeout(timer))
}

/**
 * How long an idle keep-alive connection stays open: longer than the 60 s that load balancers and
 * proxies (AWS's, nginx's) keep theirs, so that the side closing an idle connection is always the
 * sender's. With Node's 5 s, a sender could write a delivery on a connection serve was closing:
 * the delivery failed, and BigCommerce sends a failed one again only a minute later.
 */
const IDLE_CONNECTION_MS = 65_000

/** Resolves once the server listens; rejects when it cannot (the port is taken). */
function listen(app: MirrorApp, options: ServerOptions): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    const hostname = options.hostname ?? '127.0.0.1'
    const s = serve({ fetch: app.fetch, port: options.port, hostname }, () => resolve(s))
    if ('keepAliveTimeout' in s) s.keepAliveTimeout = IDLE_CONNECTION_MS
    s.once('error', reject)
  })
}
