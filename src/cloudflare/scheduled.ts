// The Worker's `scheduled` (the cron in wrangler.toml): it only plans. It reads which stores are
// active, every store's job records and which stores have due inbox events (three queries,
// whatever the number of stores), decides with sync/jobs.ts which jobs are due, notes them as
// queued and sends one message per store job to the jobs queue; the queue's consumer
// (queue.ts) runs them.
import { sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { openPostgres } from '../db/postgres.ts'
import { stores, webhookEvents } from '../db/schema.ts'
import { normalizeStoreHash } from '../stores/registry.ts'
import { noteQueued, readAllJobs } from '../sync/job-state.ts'
import { planStoreJobs, WORKER_CRON, type PlannedJob } from '../sync/jobs.ts'
import type { JobMessage } from './queue.ts'
import {
  ensureSchema,
  setupFrom,
  type CloudflareContext,
  type CloudflareEnv,
  type QueueBinding,
  type Setup,
} from './setup.ts'

/** The part of the Workers runtime's ScheduledController used here. */
export interface ScheduledEvent {
  cron: string
  scheduledTime: number
}

export { WORKER_CRON }

/** A Queue takes at most 100 messages per sendBatch. */
const SEND_BATCH = 100

/** The active stores' hashes: the settings' store and the registry's (no token is opened). */
async function activeStores(setup: Setup, db: Database): Promise<string[]> {
  const rows = await db.execute<{ store_hash: string }>(
    sql`select store_hash from ${stores} where status = 'active'`,
  )
  const hashes = new Set(rows.map((r) => r.store_hash))
  if (setup.settingsStore) hashes.add(normalizeStoreHash(setup.settingsStore.storeHash))
  return [...hashes].sort()
}

async function storesWithDueEvents(db: Database): Promise<Set<string>> {
  const rows = await db.execute<{ store_hash: string }>(sql`
    select distinct store_hash from ${webhookEvents}
    where status = 'pending' and available_at <= now()`)
  return new Set(rows.map((r) => r.store_hash))
}

/** Sends the jobs, a hundred messages per call. */
export async function sendJobs(queue: QueueBinding, jobs: readonly PlannedJob[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += SEND_BATCH) {
    const messages = jobs.slice(i, i + SEND_BATCH).map((j) => {
      const body: JobMessage = { store: j.storeHash, job: j.job }
      return { body, contentType: 'json' as const }
    })
    await queue.sendBatch(messages)
  }
}

/** Plans the due jobs of every store and sends them; returns how many were sent. */
export async function planAndSend(setup: Setup, db: Database, now = new Date()): Promise<number> {
  const [hashes, records, withDueEvents] = await Promise.all([
    activeStores(setup, db),
    readAllJobs(db),
    storesWithDueEvents(db),
  ])
  const plan = planStoreJobs({
    stores: hashes,
    records,
    withDueEvents,
    schedule: setup.config.schedule,
    now,
  })
  await sendJobs(setup.jobs, plan.due)
  // Noted after sending: a message lost between both is sent again by the next cron.
  await noteQueued(db, [...plan.due, ...plan.planned.map((p) => ({ ...p, planned: true }))], now)
  setup.log('info', 'jobs planned', { stores: hashes.length, sent: plan.due.length })
  return plan.due.length
}

export async function handleScheduled(
  _event: ScheduledEvent,
  env: CloudflareEnv,
  ctx: CloudflareContext,
): Promise<void> {
  const setup = setupFrom(env)
  const db = openPostgres(setup.databaseUrl, { max: 3 })
  try {
    await ensureSchema(db, setup)
    await planAndSend(setup, db)
  } finally {
    ctx.waitUntil(db.close())
  }
}
