// The Worker's per-invocation setup: its settings from the bindings, the schema migrated once per
// isolate, and a BigCommerce client per invocation. The database is PostgreSQL through
// postgres.js, one small client per invocation (a Worker may not share sockets between requests),
// from the HYPERDRIVE binding when present, else DATABASE_URL. The first request of an isolate
// applies the migrations the database lacks (they are embedded in the bundle; the same lock as
// `bc-mirror migrate`).
import { createBigCommerceClient, type BigCommerceClient } from '../bigcommerce/client.ts'
import { createRatePacer } from '../bigcommerce/pacer.ts'
import { ConfigError, parseConfig, type Config, type Env } from '../config.ts'
import type { Database } from '../db/database.ts'
import { migrateDatabase } from '../db/migrate.ts'
import { createMirrorMetrics } from '../http/metrics.ts'
import { logClientEvent } from '../sync/jobs.ts'
import type { ClientEventHub } from '../sync/request-stats.ts'
import { createJsonLogger, type Logger } from '../util/log.ts'

/** The bindings this Worker reads: the settings as strings, and optionally Hyperdrive. */
export interface CloudflareEnv {
  HYPERDRIVE?: { connectionString: string }
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

/** Parses the settings; throws WorkerSettingsError naming every problem (never a value). */
export function setupFrom(env: CloudflareEnv): Setup {
  let config: Config
  try {
    config = parseConfig(settingsOf(env), { store: true, webhookSecret: true })
  } catch (error) {
    throw error instanceof ConfigError ? new WorkerSettingsError(error.problems) : error
  }
  const databaseUrl = env.HYPERDRIVE?.connectionString ?? config.databaseUrl
  if (!databaseUrl) {
    throw new WorkerSettingsError([
      'No database: bind Hyperdrive as HYPERDRIVE in wrangler.toml, or set DATABASE_URL (wrangler secret put DATABASE_URL)',
    ])
  }
  const log = createJsonLogger(
    [config.accessToken, config.webhookSecret, config.clientSecret, databaseUrl],
    (line) => console.log(line.trimEnd()),
  )
  return { config, databaseUrl, webhookSecret: config.webhookSecret ?? '', log }
}

// Migrated once per isolate and database; a failed attempt is tried again on the next request.
const migrated = new Set<string>()

export async function ensureSchema(db: Database, setup: Setup): Promise<void> {
  if (migrated.has(setup.databaseUrl)) return
  const applied = await migrateDatabase(db)
  if (applied > 0) setup.log('info', 'migrated', { migrations: applied })
  migrated.add(setup.databaseUrl)
}

export function createClient(
  setup: Setup,
  options: { timeoutMs: number; maxRetries: number; events?: ClientEventHub },
): BigCommerceClient {
  const { config, log } = setup
  return createBigCommerceClient({
    storeHash: config.storeHash,
    accessToken: config.accessToken,
    apiUrl: config.apiUrl,
    clientId: config.clientId,
    // Per invocation: a pacer shared by the isolate would carry timers across requests, and other
    // isolates have their own anyway. The headers and 429s keep each one within the store's quota.
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
