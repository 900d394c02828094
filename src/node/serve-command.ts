// The `bc-mirror serve` command on Node: it opens everything from the settings, starts the
// background work and the receiver (serve.ts), serves until SIGTERM or SIGINT, then stops
// accepting, lets the worker finish its batch, aborts running sweeps and closes the database. On
// PostgreSQL the background runs in a thread of its own (background-thread.ts).
import type { Config } from '../config.ts'
import { createMirrorMetrics, type MirrorMetrics } from '../http/metrics.ts'
import type { EventWorkerOptions } from '../sync/events/event-worker.ts'
import { describeError, type Logger } from '../util/log.ts'
import type { BackgroundWork } from './background.ts'
import type { OpenedDatabase } from './open-database.ts'
import { appCallbacksFor } from './app-mode.ts'
import { startServer, type RunningServer } from './serve.ts'
import { openStoreDirectory } from './store-directory.ts'

interface Stoppable {
  stop(): Promise<void>
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
  /** How long a store job's lease lasts unless renewed (fleet.ts). Default 30 s. */
  jobLeaseMs?: number
  /** How often the stores are read again. Default 60 s. */
  directoryRefreshMs?: number
  log?: Logger
}

/** The receiver's connections: the inbox writer's statements in flight (4) and a health check. */
const RECEIVER_POOL_SIZE = 5

/**
 * PostgreSQL's wire protocol on the embedded database, on 127.0.0.1 only, so psql, a BI tool and
 * `status`, `sync` or `verify` on the same DATA_DIR can reach it while serve holds it. Their
 * statements take turns with serve's own on PGlite's one session (see README, "psql").
 */
async function startWireProtocol(
  opened: OpenedDatabase,
  port: number,
  idleTimeoutSeconds: number | undefined,
): Promise<Stoppable> {
  const { startWireServer } = await import('./wire-server.ts')
  if (!opened.pglite) throw new Error('the PostgreSQL protocol needs the embedded database')
  let wire: Stoppable
  try {
    const idleTimeoutMs = idleTimeoutSeconds === undefined ? undefined : idleTimeoutSeconds * 1000
    wire = await startWireServer(opened.pglite, { port, idleTimeoutMs })
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
  const { openConfiguredDatabase } = await import('./open-database.ts')
  const log =
    options.log ??
    createJsonLogger(
      [
        config.accessToken,
        config.webhookSecret,
        config.clientSecret,
        config.databaseUrl,
        config.tokenEncryptionKey,
      ],
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
  let wire: Stoppable | undefined
  const metrics = createMirrorMetrics()
  try {
    background = await startBackground(config, opened, log, metrics, options)
    const directory = await openStoreDirectory(config, opened.db, log)
    // Bound once the server runs: an install or uninstall makes both halves read the stores now.
    let storesChanged = () => {}
    const appCallbacks = await appCallbacksFor(config, opened.db, {
      directory,
      log,
      storesChanged: () => storesChanged(),
    })
    server = await startServer({
      config,
      db: opened.db,
      background,
      directory,
      appCallbacks,
      directoryRefreshMs: options.directoryRefreshMs,
      log,
      port: config.port,
      hostname: config.host,
      metrics,
    })
    storesChanged = server.storesChanged
    wire = await startWireIfAsked(config, opened, log)
    await options.afterListen?.(server)
    await waitUntilStopped(background, log)
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

/**
 * Every store's event worker and schedule (fleet.ts): in a thread of their own on PostgreSQL, so
 * the receiver's event loop does nothing but answer deliveries; in this thread on the embedded
 * database.
 */
export async function startBackground(
  config: Config,
  opened: OpenedDatabase,
  log: Logger,
  metrics: MirrorMetrics,
  options: Pick<
    ServeCommandOptions,
    'worker' | 'apiRetryMaxMs' | 'jobLeaseMs' | 'directoryRefreshMs'
  > = {},
): Promise<BackgroundWork> {
  if (config.databaseUrl !== undefined) {
    const { startBackgroundThread } = await import('./background-thread.ts')
    return startBackgroundThread(config, {
      log,
      worker: options.worker,
      apiRetryMaxMs: options.apiRetryMaxMs,
      fleet: { leaseMs: options.jobLeaseMs, refreshMs: options.directoryRefreshMs },
      onApiEvent: metrics.recordApiEvent,
    })
  }
  const { startFleetWork } = await import('./fleet.ts')
  return startFleetWork({
    config,
    db: opened.db,
    directory: await openStoreDirectory(config, opened.db, log),
    log,
    worker: options.worker,
    apiRetryMaxMs: options.apiRetryMaxMs,
    leaseMs: options.jobLeaseMs,
    refreshMs: options.directoryRefreshMs,
    onApiEvent: (store, event, quota) => metrics.recordApiEvent(event, quota, store),
  })
}

/** The PostgreSQL protocol when PGLITE_PORT is set on the embedded database; else nothing. */
async function startWireIfAsked(
  config: Config,
  opened: OpenedDatabase,
  log: Logger,
): Promise<Stoppable | undefined> {
  if (!opened.pglite || config.pglitePort === undefined) return undefined
  const { embeddedUrl } = await import('./open-database.ts')
  const wire = await startWireProtocol(opened, config.pglitePort, config.pgliteIdleTimeoutSeconds)
  log('info', 'postgres protocol', {
    url: embeddedUrl(config.pglitePort),
    psql: `psql -h 127.0.0.1 -p ${config.pglitePort} -U postgres`,
  })
  return wire
}

/** Until SIGTERM or SIGINT; throws when the background fails first. */
async function waitUntilStopped(background: BackgroundWork, log: Logger): Promise<void> {
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
}
