// The mirror on Cloudflare Workers, the handlers (src/cloudflare/entry.ts is the module workerd loads,
// and may export nothing else). The same Hono app and the same core as `bc-mirror serve`:
// `fetch` serves the app (webhooks into the inbox, /healthz) and, after a stored webhook, drains
// one bounded batch of the inbox in `waitUntil`, so events reach their rows within seconds.
// `scheduled` (the crons in wrangler.toml) drains what is left and runs the sweeps within a time
// budget; an interrupted sweep resumes from its checkpoint on the next run, and a table's cursor
// only moves when its whole window is committed (the core's rule, unchanged here).
//
// The database is PostgreSQL through postgres.js, one small client per invocation (a Worker may
// not share sockets between requests), from the HYPERDRIVE binding when present, else
// DATABASE_URL. The first request of an isolate applies the migrations the database lacks (they
// are embedded in the bundle; the same lock as `bc-mirror migrate`). Nothing here may pull in
// PGlite or the file system (see the bundle test).
import { sql } from 'drizzle-orm'
import { createBigCommerceClient, type BigCommerceClient } from '../bigcommerce/client.ts'
import { createRatePacer } from '../bigcommerce/pacer.ts'
import { ConfigError, parseConfig, type Config, type Env } from '../config.ts'
import type { Database } from '../db/database.ts'
import { migrateDatabase } from '../db/migrate.ts'
import { openPostgres } from '../db/postgres.ts'
import { createApp } from '../http/app.ts'
import { createMirrorMetrics } from '../http/metrics.ts'
import { createJsonLogger, describeError, type Logger } from '../util/log.ts'
import { RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import { watchApi } from '../sync/api-health.ts'
import {
  CRON_PLANS,
  logClientEvent,
  logWorkerEntry,
  planForCron,
  runHookCheck,
  runSweepJob,
  watchApiState,
  type JobContext,
} from '../sync/jobs.ts'
import { insertEvents, pruneEvents } from '../sync/events/inbox.ts'
import { createClientEventHub, type ClientEventHub } from '../sync/request-stats.ts'
import { readStatus } from '../sync/status/status.ts'
import {
  processBatch,
  type WorkerLogEntry,
  type EventWorkerOptions,
} from '../sync/events/event-worker.ts'

/** The bindings this Worker reads: the settings as strings, and optionally Hyperdrive. */
export interface CloudflareEnv {
  HYPERDRIVE?: { connectionString: string }
  [name: string]: unknown
}

/** The parts of the Workers runtime's ExecutionContext and ScheduledController used here. */
export interface CloudflareContext {
  waitUntil(promise: Promise<unknown>): void
}
export interface ScheduledEvent {
  cron: string
  scheduledTime: number
}

// The crons and what each runs are declared once, in sync/jobs.ts (wrangler.toml lists them).
export const INCREMENTAL_CRON = CRON_PLANS[0].cron
export const HOURLY_CRON = CRON_PLANS[1].cron

/** Events claimed after a delivery: small enough to finish within waitUntil's 30 seconds. */
const DELIVERY_BATCH: EventWorkerOptions = { batchSize: 50, leaseMs: 60_000 }
/** Per cron batch; the lease outlives any batch, so a killed run's events come back later. */
const CRON_BATCH: EventWorkerOptions = { batchSize: 250, leaseMs: 120_000 }
/** Wait this long after a delivery before claiming: a burst's events on one row share a refetch. */
const GATHER_MS = 250
/** Requests in flight per swept table: a Worker has 6 connections, the database uses some. */
const SWEEP_CONCURRENCY = 3
/** This isolate's counters for `/metrics` (deliveries); the database's figures are read per scrape. */
const isolateMetrics = createMirrorMetrics()
const INBOX_RETAIN_MS = 7 * 86_400_000

interface Setup {
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

async function ensureSchema(db: Database, setup: Setup): Promise<void> {
  if (migrated.has(setup.databaseUrl)) return
  const applied = await migrateDatabase(db)
  if (applied > 0) setup.log('info', 'migrated', { migrations: applied })
  migrated.add(setup.databaseUrl)
}

function createClient(
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

const json = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Refreshes the rows of one batch of stored events (run after the answer has gone). */
async function drainAfterDelivery(setup: Setup, db: Database): Promise<void> {
  try {
    await sleep(GATHER_MS)
    const client = createClient(setup, { timeoutMs: 10_000, maxRetries: 1 })
    const summary = await processBatch(
      {
        db,
        client,
        storeHash: setup.config.storeHash,
        log: (entry) => logWorkerEntry(setup.log, entry),
      },
      DELIVERY_BATCH,
    )
    if (summary) setup.log('info', 'worker batch', { ...summary })
  } catch (error) {
    // The events stay pending (or come back when their lease ends); the next cron takes them.
    setup.log('error', 'worker error', { error: describeError(error) })
  }
}

export async function handleFetch(
  request: Request,
  env: CloudflareEnv,
  ctx: CloudflareContext,
): Promise<Response> {
  let setup: Setup
  try {
    setup = setupFrom(env)
  } catch (error) {
    if (error instanceof WorkerSettingsError) {
      console.error(error.message)
      return json({ error: error.message }, 500)
    }
    throw error
  }
  const { config, log } = setup
  const db = openPostgres(setup.databaseUrl, { max: 1 })
  let stored = false
  try {
    try {
      await ensureSchema(db, setup)
    } catch (error) {
      log('error', 'request failed', { error: describeError(error) })
      return json({ error: 'temporarily unavailable; deliver again later' }, 503)
    }
    const app = createApp({
      storeHash: config.storeHash,
      webhookSecret: setup.webhookSecret,
      clientSecret: config.clientSecret,
      async enqueue(event) {
        await insertEvents(db, config.storeHash, [event])
        stored = true
      },
      checkHealth: async () => (await db.execute(sql`select 1 as ok`)).length === 1,
      onDelivery: (outcome) => {
        isolateMetrics.recordDelivery(outcome)
        if (outcome.status !== 200) log('info', 'delivery refused', { ...outcome })
      },
      onError: (error) => log('error', 'request failed', { error: describeError(error) }),
      observe: config.statusToken
        ? {
            token: config.statusToken,
            readStatus: () => readStatus(db, config.storeHash),
            renderMetrics: () => isolateMetrics.render(db, config.storeHash),
            apiState: () => isolateMetrics.apiState(),
          }
        : undefined,
    })
    return await app.fetch(request)
  } finally {
    const after = stored ? drainAfterDelivery(setup, db) : Promise.resolve()
    ctx.waitUntil(after.finally(() => db.close().catch(() => {})))
  }
}

/** Claims batches until the inbox has nothing due or the budget is spent. */
async function drainInbox(
  setup: Setup,
  db: Database,
  client: BigCommerceClient,
  signal: AbortSignal,
) {
  const ctx = {
    db,
    client,
    storeHash: setup.config.storeHash,
    log: (e: WorkerLogEntry) => logWorkerEntry(setup.log, e),
  }
  let claimed = 0
  while (!signal.aborted) {
    const summary = await processBatch(ctx, CRON_BATCH)
    if (!summary) break
    claimed += summary.claimed
    // The API refused the token or was out: its events went back; the next cron tries again.
    if (summary.released > 0) break
    setup.log('info', 'worker batch', { ...summary })
  }
  return claimed
}

/** The cron's share of upkeep: old finished inbox events go, and the store's hooks are checked. */
async function housekeep(ctx: JobContext) {
  const pruned = await pruneEvents(ctx.db, ctx.storeHash, INBOX_RETAIN_MS)
  ctx.log('info', 'inbox pruned', { pruned })
  await runHookCheck(ctx)
}

function jobContext(
  setup: Setup,
  db: Database,
  client: BigCommerceClient,
  events: ClientEventHub,
): JobContext {
  const { config, log } = setup
  return {
    db,
    client,
    storeHash: config.storeHash,
    startDate: config.startDate,
    webhookSecret: setup.webhookSecret,
    log,
    clientEvents: events,
    concurrency: SWEEP_CONCURRENCY,
    receiverUrl: `https://<worker>${RECEIVER_PATH}`,
  }
}

export async function handleScheduled(
  event: ScheduledEvent,
  env: CloudflareEnv,
  ctx: CloudflareContext,
): Promise<void> {
  const setup = setupFrom(env)
  const { log } = setup
  const plan = planForCron(event.cron)
  const signal = AbortSignal.timeout(plan.budgetMs)
  // Two connections: a sweep holds one for the store's sweep lock and writes through the other.
  const db = openPostgres(setup.databaseUrl, { max: 2 })
  try {
    await ensureSchema(db, setup)
    const events = createClientEventHub()
    // The API's state is learnt from this run's requests and recorded for `status`.
    const health = watchApiState({ db, storeHash: setup.config.storeHash, log })
    const client = watchApi(
      createClient(setup, { timeoutMs: 30_000, maxRetries: 4, events }),
      health,
    )
    const jobs = jobContext(setup, db, client, events)
    const started = Date.now()
    const results = await Promise.allSettled([
      drainInbox(setup, db, client, signal),
      runSweepJob(jobs, plan.sweep, signal),
      plan.housekeeping ? housekeep(jobs) : Promise.resolve(),
    ])
    const failures = results.flatMap((r) =>
      r.status === 'rejected' ? [describeError(r.reason)] : [],
    )
    for (const error of failures) log('error', 'scheduled job failed', { cron: event.cron, error })
    log('info', 'scheduled run', {
      cron: event.cron,
      seconds: (Date.now() - started) / 1000,
      failures: failures.length,
    })
    if (failures.length > 0)
      throw new Error(`scheduled run of "${event.cron}" had ${failures.length} failure(s)`)
  } finally {
    ctx.waitUntil(db.close())
  }
}
