// The Worker's `scheduled` (the crons in wrangler.toml): drains what is left of the inbox and runs
// the sweeps within a time budget; an interrupted sweep resumes from its checkpoint on the next
// run, and a table's cursor only moves when its whole window is committed (the core's rule,
// unchanged here).
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import type { Database } from '../db/database.ts'
import { openPostgres } from '../db/postgres.ts'
import { watchApi } from '../sync/api-health.ts'
import {
  processBatch,
  type EventWorkerOptions,
  type WorkerLogEntry,
} from '../sync/events/event-worker.ts'
import { pruneEvents } from '../sync/events/inbox.ts'
import { RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import {
  CRON_PLANS,
  logWorkerEntry,
  planForCron,
  runHookCheck,
  runSweepJob,
  watchApiState,
  type JobContext,
} from '../sync/jobs.ts'
import { createClientEventHub, type ClientEventHub } from '../sync/request-stats.ts'
import { describeError } from '../util/log.ts'
import {
  createClient,
  ensureSchema,
  setupFrom,
  type CloudflareContext,
  type CloudflareEnv,
  type Setup,
} from './setup.ts'

/** The part of the Workers runtime's ScheduledController used here. */
export interface ScheduledEvent {
  cron: string
  scheduledTime: number
}

// The crons and what each runs are declared once, in sync/jobs.ts (wrangler.toml lists them).
export const INCREMENTAL_CRON = CRON_PLANS[0].cron
export const HOURLY_CRON = CRON_PLANS[1].cron

/** Per cron batch; the lease outlives any batch, so a killed run's events come back later. */
const CRON_BATCH: EventWorkerOptions = { batchSize: 250, leaseMs: 120_000 }
/** Requests in flight per swept table: a Worker has 6 connections, the database uses some. */
const SWEEP_CONCURRENCY = 3
const INBOX_RETAIN_MS = 7 * 86_400_000

/** Claims batches until the inbox has nothing due or the budget is spent. */
async function drainInbox(
  setup: Setup,
  db: Database,
  client: BigCommerceClient,
  signal: AbortSignal,
) {
  const log = (entry: WorkerLogEntry) => logWorkerEntry(setup.log, entry)
  const ctx = { db, client, storeHash: setup.config.storeHash, log }
  let claimed = 0
  while (!signal.aborted) {
    const summary = await processBatch(ctx, CRON_BATCH)
    if (!summary) break
    claimed += summary.claimed
    // The API refused the token or was out: its events went back; the next cron tries again.
    if (summary.released > 0) break
    log({ event: 'batch', ...summary })
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
