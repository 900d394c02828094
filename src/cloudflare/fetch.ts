// The Worker's `fetch`: the same Hono app as `bc-mirror serve` (webhooks into the inbox, /healthz,
// the status page) and, after a stored webhook, one bounded batch of the inbox drained in
// `waitUntil`, so events reach their rows within seconds.
import { sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { openPostgres } from '../db/postgres.ts'
import { createApp } from '../http/app.ts'
import {
  processBatch,
  type EventWorkerOptions,
  type WorkerLogEntry,
} from '../sync/events/event-worker.ts'
import { insertEvents } from '../sync/events/inbox.ts'
import { logWorkerEntry } from '../sync/jobs.ts'
import { readStatus } from '../sync/status/status.ts'
import { describeError } from '../util/log.ts'
import {
  createClient,
  ensureSchema,
  isolateMetrics,
  setupFrom,
  WorkerSettingsError,
  type CloudflareContext,
  type CloudflareEnv,
  type Setup,
} from './setup.ts'

/** Events claimed after a delivery: small enough to finish within waitUntil's 30 seconds. */
const DELIVERY_BATCH: EventWorkerOptions = { batchSize: 50, leaseMs: 60_000 }
/** Wait this long after a delivery before claiming: a burst's events on one row share a refetch. */
const GATHER_MS = 250

const json = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Refreshes the rows of one batch of stored events (run after the answer has gone). */
async function drainAfterDelivery(setup: Setup, db: Database): Promise<void> {
  try {
    await sleep(GATHER_MS)
    const client = createClient(setup, { timeoutMs: 10_000, maxRetries: 1 })
    const log = (entry: WorkerLogEntry) => logWorkerEntry(setup.log, entry)
    const storeHash = setup.config.storeHash
    const summary = await processBatch({ db, client, storeHash, log }, DELIVERY_BATCH)
    if (summary) log({ event: 'batch', ...summary })
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
  const { log } = setup
  const db = openPostgres(setup.databaseUrl, { max: 1 })
  let stored = false
  try {
    try {
      await ensureSchema(db, setup)
    } catch (error) {
      log('error', 'request failed', { error: describeError(error) })
      return json({ error: 'temporarily unavailable; deliver again later' }, 503)
    }
    const app = appFor(setup, db, () => {
      stored = true
    })
    return await app.fetch(request)
  } finally {
    const after = stored ? drainAfterDelivery(setup, db) : Promise.resolve()
    ctx.waitUntil(after.finally(() => db.close().catch(() => {})))
  }
}

/** The Hono app of one request, storing webhooks through `db`; `onStored` hears of each. */
function appFor(setup: Setup, db: Database, onStored: () => void) {
  const { config, log } = setup
  return createApp({
    storeHash: config.storeHash,
    webhookSecret: setup.webhookSecret,
    clientSecret: config.clientSecret,
    async enqueue(event) {
      await insertEvents(db, config.storeHash, [event])
      onStored()
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
}
