// The Worker's per-invocation setup: its settings from the bindings, the schema migrated once per
// isolate, the stores it serves, and a BigCommerce client per store job. The database is
// PostgreSQL through postgres.js, one small client per invocation (a Worker may not share sockets
// between requests), from the HYPERDRIVE binding when present, else DATABASE_URL. The first
// request of an isolate applies the migrations the database lacks (they are embedded in the
// bundle; the same lock as `bc-mirror migrate`).
import { createBigCommerceClient, type BigCommerceClient } from '../bigcommerce/client.ts'
import { createRatePacer } from '../bigcommerce/pacer.ts'
import { ConfigError, parseConfig, type Config, type Env } from '../config.ts'
import type { Database } from '../db/database.ts'
import { migrateDatabase } from '../db/migrate.ts'
import { createMirrorMetrics } from '../http/metrics.ts'
import { createStoreDirectory, normalizeStoreHash } from '../stores/registry.ts'
import { importTokenKeys, type TokenKeys } from '../stores/token-crypto.ts'
import type { StoreAccess, StoreDirectory } from '../stores/types.ts'
import { logClientEvent } from '../sync/jobs.ts'
import type { ClientEventHub } from '../sync/request-stats.ts'
import { createJsonLogger, type Logger } from '../util/log.ts'

/** A Cloudflare Queue's producer binding (the part used here). */
export interface QueueBinding {
  send(body: unknown, options?: { delaySeconds?: number; contentType?: 'json' }): Promise<void>
  sendBatch(
    messages: Iterable<{ body: unknown; delaySeconds?: number; contentType?: 'json' }>,
  ): Promise<void>
}

/** The bindings this Worker reads: the settings as strings, the jobs queue, maybe Hyperdrive. */
export interface CloudflareEnv {
  HYPERDRIVE?: { connectionString: string }
  JOBS?: QueueBinding
  [name: string]: unknown
}

/** The part of the Workers runtime's ExecutionContext used here. */
export interface CloudflareContext {
  waitUntil(promise: Promise<unknown>): void
}

/** This isolate's counters for `/metrics` (deliveries); the database's figures are read per scrape. */
export const isolateMetrics = createMirrorMetrics()

export interface Setup {
  config: Config
  databaseUrl: string
  webhookSecret: string
  log: Logger
  /** The queue the crons and deliveries send store jobs to. */
  jobs: QueueBinding
  /** A store job's wall-clock budget (JOB_BUDGET_SECONDS, default 240 s). */
  jobBudgetMs: number
  /** The store of BIGCOMMERCE_STORE_HASH/ACCESS_TOKEN, when both are set. */
  settingsStore?: StoreAccess
}

/** The string bindings, as parseConfig takes them (Hyperdrive and other bindings are objects). */
function settingsOf(env: CloudflareEnv): Env {
  const settings: Env = {}
  for (const [name, value] of Object.entries(env))
    if (typeof value === 'string') settings[name] = value
  return settings
}

/** A settings problem, saying where a Worker's settings live (ConfigError's own text says .env). */
export class WorkerSettingsError extends Error {
  override readonly name = 'WorkerSettingsError'
  constructor(readonly problems: string[]) {
    super(
      `Invalid settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet them as [vars] in wrangler.toml, or as secrets with `wrangler secret put NAME`.',
    )
  }
}

const DEFAULT_JOB_BUDGET_SECONDS = 240

/**
 * The Worker serves the settings' store (BIGCOMMERCE_STORE_HASH and ACCESS_TOKEN), the stores in
 * the registry (TOKEN_ENCRYPTION_KEY: app installs, `bc-mirror stores add`), or both.
 */
function parseWorkerConfig(settings: Env): Config {
  const isSet = (name: string) => (settings[name] ?? '').trim() !== ''
  const registry = isSet('TOKEN_ENCRYPTION_KEY')
  const half = isSet('BIGCOMMERCE_STORE_HASH') !== isSet('BIGCOMMERCE_ACCESS_TOKEN')
  const config = parseConfig(settings, { webhookSecret: true, store: half || !registry })
  const problems: string[] = []
  if (config.publicUrl && (!config.clientId || !config.clientSecret))
    problems.push(
      "PUBLIC_URL turns on app mode, which needs the app's BIGCOMMERCE_CLIENT_ID and BIGCOMMERCE_CLIENT_SECRET (from the Developer Portal)",
    )
  if (config.publicUrl && !registry)
    problems.push(
      "app mode keeps each installed store's token in the database, sealed: set TOKEN_ENCRYPTION_KEY (e.g. the output of `openssl rand -hex 32`)",
    )
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

function jobBudgetMs(settings: Env): number {
  const text = settings.JOB_BUDGET_SECONDS?.trim()
  if (!text) return DEFAULT_JOB_BUDGET_SECONDS * 1000
  const seconds = Number(text)
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 840)
    throw new WorkerSettingsError([
      `JOB_BUDGET_SECONDS must be seconds from 1 to 840 (a queue consumer may run 15 minutes), e.g. JOB_BUDGET_SECONDS=${DEFAULT_JOB_BUDGET_SECONDS}`,
    ])
  return seconds * 1000
}

/** Parses the settings; throws WorkerSettingsError naming every problem (never a value). */
export function setupFrom(env: CloudflareEnv): Setup {
  const settings = settingsOf(env)
  let config: Config
  try {
    config = parseWorkerConfig(settings)
  } catch (error) {
    throw error instanceof ConfigError ? new WorkerSettingsError(error.problems) : error
  }
  const databaseUrl = env.HYPERDRIVE?.connectionString ?? config.databaseUrl
  if (!databaseUrl) {
    throw new WorkerSettingsError([
      'No database: bind Hyperdrive as HYPERDRIVE in wrangler.toml, or set DATABASE_URL (wrangler secret put DATABASE_URL)',
    ])
  }
  if (!env.JOBS) {
    throw new WorkerSettingsError([
      'No jobs queue: bind a Cloudflare Queue as JOBS ([[queues.producers]] in wrangler.toml; create it with `npx wrangler queues create bigcommerce-mirror-jobs`)',
    ])
  }
  const log = createJsonLogger(
    [
      config.accessToken,
      config.webhookSecret,
      config.clientSecret,
      config.tokenEncryptionKey,
      databaseUrl,
    ],
    (line) => console.log(line.trimEnd()),
  )
  const settingsStore =
    config.storeHash && config.accessToken
      ? {
          storeHash: normalizeStoreHash(config.storeHash),
          accessToken: config.accessToken,
          ...(config.startDate ? { startDate: config.startDate } : {}),
          source: 'settings' as const,
        }
      : undefined
  return {
    config,
    databaseUrl,
    webhookSecret: config.webhookSecret ?? '',
    log,
    jobs: env.JOBS,
    jobBudgetMs: jobBudgetMs(settings),
    settingsStore,
  }
}

// Migrated once per isolate and database; a failed attempt is tried again on the next request.
const migrated = new Set<string>()

export async function ensureSchema(db: Database, setup: Setup): Promise<void> {
  if (migrated.has(setup.databaseUrl)) return
  const applied = await migrateDatabase(db)
  if (applied > 0) setup.log('info', 'migrated', { migrations: applied })
  migrated.add(setup.databaseUrl)
}

// Imported once per isolate (the key text is the cache's key, so a new key is imported anew).
const keysByText = new Map<string, Promise<TokenKeys>>()

function tokenKeys(setup: Setup): Promise<TokenKeys> | undefined {
  const text = setup.config.tokenEncryptionKey
  if (!text) return undefined
  let keys = keysByText.get(text)
  if (!keys) {
    keys = importTokenKeys(text)
    keys.catch(() => keysByText.delete(text))
    keysByText.set(text, keys)
  }
  return keys
}

/** The stores this Worker serves: the settings' store and the registry's, read fresh per call. */
export async function storeDirectory(setup: Setup, db: Database): Promise<StoreDirectory> {
  return createStoreDirectory(db, {
    settingsStore: setup.settingsStore,
    keys: await tokenKeys(setup),
    onUnreadable: (storeHash, error) =>
      setup.log('warn', "a registered store's token cannot be opened; the store is not served", {
        store: storeHash,
        error: error.message,
      }),
  })
}

/** A client for one store job; its pacer lives as long as the job (the store's one consumer). */
export function createClient(
  setup: Setup,
  access: StoreAccess,
  options: { timeoutMs: number; maxRetries: number; events?: ClientEventHub; log?: Logger },
): BigCommerceClient {
  const { config } = setup
  const log = options.log ?? setup.log
  return createBigCommerceClient({
    storeHash: access.storeHash,
    accessToken: access.accessToken,
    apiUrl: config.apiUrl,
    clientId: config.clientId,
    // One job of a store runs at a time (the store's lease), so this pacer is the store's only
    // one; the X-Rate-Limit headers it reads carry the quota over from the job before.
    pacer: createRatePacer(),
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    onEvent: (event) => {
      options.events?.emit(event)
      isolateMetrics.recordApiEvent(event)
      logClientEvent(log, event)
    },
  })
}
