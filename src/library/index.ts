// `bigcommerce-mirror` as a library: the mirror inside an app's own process. createMirror reads the
// same settings as the commands (by their environment names), opens and migrates the database, and
// hands back the receiver as a Hono app to mount, the background (event worker and schedule) to
// start, and what `sync`, `status` and `verify` do, returning their results instead of printing
// them. Everything here is the commands' and serve's own code; this module only wires it.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { checkStoreAccess } from '../bigcommerce/preflight.ts'
import { parseConfig, type Config, type Env } from '../config.ts'
import type { ResourceName } from '../db/schema.ts'
import type { MirrorApp } from '../http/app.ts'
import { createMirrorMetrics } from '../http/metrics.ts'
import type { BackgroundWork } from '../node/background.ts'
import { readNodeEnv } from '../node/env.ts'
import { openConfiguredDatabase } from '../node/open-database.ts'
import { createReceiver } from '../node/serve.ts'
import { startBackground } from '../node/serve-command.ts'
import { writeStdout } from '../node/stdout.ts'
import { connectStore, readStoreStatus, syncStore, verifyStore } from '../node/store-operations.ts'
import { SYNC_TABLES } from '../resources/index.ts'
import type { MirrorStatus } from '../sync/status/status.ts'
import type { SyncOptions, SyncSummary, TableProgress } from '../sync/sweeps/sweep.ts'
import type { VerifyReport } from '../sync/sweeps/verify.ts'
import { createJsonLogger, describeError, type Logger } from '../util/log.ts'
import { databaseChangeFeed } from './change-feed.ts'
import { createChangeFanout, type ChangeListener } from './changes.ts'

export { ConfigError } from '../config.ts'
export { StoreAccessError } from '../bigcommerce/preflight.ts'
export { SyncBusyError, DeletionRefusedError } from '../sync/sweeps/sweep.ts'
export type { ChangeListener, MirrorChange } from './changes.ts'
export type { Logger, LogLevel, LogFields } from '../util/log.ts'
export type { MirrorApp } from '../http/app.ts'
export type { MirrorStatus } from '../sync/status/status.ts'
export type { SyncSummary, TableSummary, TableProgress } from '../sync/sweeps/sweep.ts'
export type { VerifyReport, TableDrift, IdDrift } from '../sync/sweeps/verify.ts'
export type { ResourceName } from '../db/schema.ts'

export interface MirrorOptions {
  /**
   * The settings, by the names the commands read from the environment (BIGCOMMERCE_STORE_HASH,
   * DATABASE_URL, WEBHOOK_SECRET...). Omitted: this process's environment and a .env file in the
   * working directory, as the commands read them.
   */
  settings?: Env
  /** Where log lines go; default: one JSON object a line on stdout, secrets masked. */
  log?: Logger
}

export interface MirrorSyncOptions extends Omit<SyncOptions, 'tables'> {
  /** Default: every table. */
  tables?: readonly ResourceName[]
  /** Told as each table's sweep moves on. */
  onProgress?: (progress: TableProgress) => void
}

export interface MirrorVerifyOptions {
  /** Default: every table. */
  tables?: readonly ResourceName[]
  /** Compare id sets (and date_modified) too, not only counts. */
  ids?: boolean
  signal?: AbortSignal
}

export interface Mirror {
  /** The store this mirror holds. */
  readonly storeHash: string
  /**
   * The receiver: `POST /webhooks/bigcommerce`, `GET /healthz`, and `GET /status` and `GET /metrics`
   * when STATUS_TOKEN is set. Mount it in the app's own Hono server (`app.route('/', mirror.app)`)
   * or serve it alone (`serve({ fetch: mirror.app.fetch })`).
   */
  readonly app: MirrorApp
  /** drizzle on the mirror's database, for typed queries with the tables of `bigcommerce-mirror/schema`. */
  readonly db: PgDatabase<PgQueryResultHKT>
  /** One sync run, as `bc-mirror sync` does it; resolves with its summary (`summary.ok`). */
  sync(options?: MirrorSyncOptions): Promise<SyncSummary>
  /** Starts the event worker and the schedule in this process, as `bc-mirror serve` runs them. */
  start(): Promise<void>
  /** What `bc-mirror status --json` prints. */
  status(): Promise<MirrorStatus>
  /** The read-only drift report `bc-mirror verify --json` prints (`report.ok`). */
  verify(options?: MirrorVerifyOptions): Promise<VerifyReport>
  /** Calls `listener` after each commit that changed mirrored rows; returns its unsubscribe. */
  onChange(listener: ChangeListener): () => void
  /** Stops the background (its batch in hand finishes), the change feed, and closes the database. */
  close(): Promise<void>
}

/** Opens (and migrates) the mirror's database from the settings; nothing runs until start(). */
export async function createMirror(options: MirrorOptions = {}): Promise<Mirror> {
  const config = parseConfig(options.settings ?? readNodeEnv(), {
    store: true,
    webhookSecret: true,
  })
  const log = options.log ?? createDefaultLogger(config)
  const opened = await openConfiguredDatabase(config, 'createMirror')
  for (const warning of opened.warnings) log('warn', warning)
  const metrics = createMirrorMetrics()
  let background: BackgroundWork | undefined
  let starting: Promise<void> | undefined
  const receiver = createReceiver({
    config,
    db: opened.db,
    metrics,
    log,
    wake: (resources, storeHash) => background?.wake(resources, storeHash),
  })
  const changes = createChangeFanout(
    (deliver) => databaseChangeFeed(opened.db, deliver),
    (error, from) =>
      log('error', from === 'feed' ? 'change feed failed' : 'change listener failed', {
        error: describeError(error),
      }),
  )
  const store = connectStore(config)
  let closed: Promise<void> | undefined

  const startOnce = async () => {
    background = await startBackground(config, opened, log, metrics)
    background.crashed.then(
      (error) => log('error', 'background failed', { error: describeError(error) }),
      () => {},
    )
  }

  return {
    storeHash: config.storeHash,
    app: receiver.app,
    db: opened.db.orm,
    async sync(syncOptions = {}) {
      const tables = checkTables(syncOptions.tables)
      await checkStoreAccess(store.client, syncOptions.signal)
      return syncStore(config, opened.db, store, { ...syncOptions, tables })
    },
    start() {
      if (closed) return Promise.reject(new Error('this mirror is closed'))
      starting ??= startOnce()
      return starting
    },
    status: () => readStoreStatus(config, opened.db),
    verify: (verifyOptions = {}) =>
      verifyStore(config, opened.db, store, {
        ...verifyOptions,
        tables: checkTables(verifyOptions.tables),
      }),
    onChange: (listener) => changes.subscribe(listener),
    close() {
      closed ??= (async () => {
        await starting?.catch(() => {})
        await background?.stop()
        receiver.stop()
        await changes.close()
        await opened.close()
      })()
      return closed
    },
  }
}

function createDefaultLogger(config: Config): Logger {
  const secrets = [
    config.accessToken,
    config.webhookSecret,
    config.clientSecret,
    config.databaseUrl,
  ]
  return createJsonLogger(secrets, writeStdout)
}

/** The tables asked for, each checked against the mirrored ones; default every table. */
function checkTables(tables: readonly ResourceName[] | undefined): ResourceName[] {
  if (tables === undefined) return [...SYNC_TABLES]
  const unknown = tables.filter((t) => !SYNC_TABLES.includes(t))
  if (unknown.length > 0 || tables.length === 0) {
    const names = unknown.map((t) => `"${t}"`).join(', ')
    const wrong = unknown.length > 0 ? `has unknown table ${names}` : 'is empty'
    throw new TypeError(`tables ${wrong}; expected some of ${SYNC_TABLES.join(', ')}`)
  }
  return [...new Set(tables)]
}
