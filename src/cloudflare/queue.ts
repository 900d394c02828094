// The Worker's `queue` handler: one store job per message (incremental, snapshot, full, hooks,
// drain), what it does decided by sync/jobs.ts as for `serve`. Each job runs under its store's
// lease in the database (`store:<hash>`, the lease `serve`'s fleet uses too), so concurrent
// consumers never run two jobs of one store at once, and the job's one client and pacer are the
// store's only ones. A job cut by its budget sends its continuation (it resumes from its
// checkpoint); a store held by another job is looked at again a little later; a job that fails
// (the API refusing the token or out, the database away) is retried with growing waits, and after
// the last retry the queue moves it to the dead-letter queue, whose consumer records it for
// `status`.
import type { Database } from '../db/database.ts'
import { SYNC_TABLES } from '../resources/index.ts'
import type { ResourceName } from '../db/schema.ts'
import { holdLease, type HeldLease } from '../db/lease.ts'
import { openPostgres } from '../db/postgres.ts'
import { normalizeStoreHash } from '../stores/registry.ts'
import type { StoreAccess, StoreDirectory } from '../stores/types.ts'
import { watchApi } from '../sync/api-health.ts'
import { RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import { noteDead, noteFinished, noteQueued, noteStarted } from '../sync/job-state.ts'
import {
  isStoreJobName,
  runStoreJob,
  watchApiState,
  type JobContext,
  type StoreJobName,
  type StoreJobResult,
} from '../sync/jobs.ts'
import { createClientEventHub } from '../sync/request-stats.ts'
import { describeError, type Logger } from '../util/log.ts'
import {
  createClient,
  ensureSchema,
  setupFrom,
  storeDirectory,
  type CloudflareContext,
  type CloudflareEnv,
  type Setup,
} from './setup.ts'

/** One message of the jobs queue: a job of one store. */
export interface JobMessage {
  store: string
  job: StoreJobName
  /** Which continuation of a job cut by its budget this is (0: the first run). */
  chunk?: number
  /** How often the job found its store busy and was sent again. */
  deferrals?: number
  /** A continuation of a sweep: the tables it has left. */
  tables?: ResourceName[]
}

/** The part of the Workers runtime's Message used here. */
export interface QueueMessage {
  readonly id: string
  readonly body: unknown
  readonly attempts: number
  ack(): void
  retry(options?: { delaySeconds?: number }): void
}

/** The part of the Workers runtime's MessageBatch used here. */
export interface QueueBatch {
  readonly queue: string
  readonly messages: readonly QueueMessage[]
}

/** The dead-letter queue is the one whose name ends so (wrangler.toml, README). */
export const DEAD_LETTER_SUFFIX = '-dead'
/** A store busy with another job: its job is sent again after this long, this often at most. */
const BUSY_DELAY_SECONDS = 10
const MAX_DEFERRALS = 30
/** A job that needs more continuations than this waits for the next cron's plan instead. */
const MAX_CHUNKS = 200
/** Lease of the store while its job runs; renewed every third of it, so a dead one frees soon. */
const STORE_LEASE_MS = 60_000

/** Retry waits that grow with each attempt: 2, 4, 8 ... seconds, at most 10 minutes. */
export const retryDelaySeconds = (attempts: number) =>
  Math.min(600, 2 ** Math.max(1, Math.min(attempts, 10)))

export const jobMessage = (body: unknown): JobMessage | null => {
  if (!body || typeof body !== 'object') return null
  const m = body as Partial<JobMessage>
  if (typeof m.store !== 'string' || !isStoreJobName(m.job)) return null
  const tables = m.tables
  if (tables !== undefined && !(Array.isArray(tables) && tables.every(isTable))) return null
  return m as JobMessage
}

const isTable = (name: unknown): name is ResourceName =>
  (SYNC_TABLES as readonly unknown[]).includes(name)

/** The API refused the token or was out during the job: retried with growing waits. */
class StoreApiDown extends Error {
  override readonly name = 'StoreApiDown'
}

export async function handleQueue(
  batch: QueueBatch,
  env: CloudflareEnv,
  ctx: CloudflareContext,
): Promise<void> {
  const setup = setupFrom(env)
  // Jobs of a batch run side by side and share this pool (a Worker has 6 connections at once).
  const db = openPostgres(setup.databaseUrl, { max: 4 })
  try {
    await ensureSchema(db, setup)
    if (batch.queue.endsWith(DEAD_LETTER_SUFFIX)) await recordDead(setup, db, batch.messages)
    else await runJobs(setup, db, batch.messages)
  } finally {
    ctx.waitUntil(db.close())
  }
}

/** The dead-letter queue: each job that failed every retry is recorded for `status`. */
async function recordDead(setup: Setup, db: Database, messages: readonly QueueMessage[]) {
  for (const message of messages) {
    const job = jobMessage(message.body)
    if (job) {
      await noteDead(db, job.store, job.job, message.attempts)
      setup.log('error', 'job set aside after failing every retry', {
        store: job.store,
        job: job.job,
      })
    }
    message.ack()
  }
}

/**
 * Runs a batch: different stores side by side; one store's jobs one after the other (never two at
 * once), a later one only while the batch has spent less than one job budget (a consumer may run
 * 15 minutes); what is left is sent again.
 */
async function runJobs(setup: Setup, db: Database, messages: readonly QueueMessage[]) {
  const started = Date.now()
  const byStore = new Map<string, Array<{ message: QueueMessage; job: JobMessage }>>()
  for (const message of messages) {
    const job = jobMessage(message.body)
    if (!job) {
      setup.log('warn', 'queue message ignored', { reason: 'not a store job' })
      message.ack()
      continue
    }
    const hash = normalizeStoreHash(job.store)
    byStore.set(hash, [...(byStore.get(hash) ?? []), { message, job }])
  }
  const directory = await storeDirectory(setup, db)
  await Promise.all(
    [...byStore.values()].map(async (jobs) => {
      for (const { message, job } of jobs) {
        if (Date.now() - started > setup.jobBudgetMs) {
          await defer(setup, job, 'the batch spent its time on this store')
          message.ack()
          continue
        }
        await runOne(setup, db, directory, message, job)
      }
    }),
  )
}

async function runOne(
  setup: Setup,
  db: Database,
  directory: StoreDirectory,
  message: QueueMessage,
  job: JobMessage,
) {
  try {
    // Read per job: a store paused, uninstalled or given a new token since it was sent.
    const found = await directory.find(job.store)
    if (!found || found.status !== 'active') {
      setup.log('info', 'job dropped', { store: job.store, job: job.job, reason: 'not active' })
      return message.ack()
    }
    await runMessage(setup, db, found.access, job)
    message.ack()
  } catch (error) {
    const delaySeconds = retryDelaySeconds(message.attempts)
    setup.log('warn', 'job failed; retried later', {
      store: job.store,
      job: job.job,
      attempt: message.attempts,
      retryInSeconds: delaySeconds,
      error: describeError(error),
    })
    message.retry({ delaySeconds })
  }
}

/** Runs one job under its store's lease; throws when it should be retried. */
async function runMessage(setup: Setup, db: Database, access: StoreAccess, job: JobMessage) {
  const held = await holdLease(db, `store:${access.storeHash}`, { ttlMs: STORE_LEASE_MS })
  if (!held) return defer(setup, job, 'another job of this store is running')
  try {
    const { outcome, left } = await runUnderLease(setup, db, access, job)
    if (outcome === 'busy') await defer(setup, job, 'its sweep is running elsewhere')
    if (outcome === 'paused') await continueJob(setup, db, job, left)
  } finally {
    await release(held)
  }
}

async function release(held: HeldLease) {
  // An expired lease frees itself; failing to delete it must not fail the job.
  await held.release().catch(() => {})
}

/** Sends the job again a little later, without counting it as a failed attempt. */
async function defer(setup: Setup, job: JobMessage, reason: string) {
  const deferrals = (job.deferrals ?? 0) + 1
  if (deferrals > MAX_DEFERRALS) {
    setup.log('warn', 'job dropped', { store: job.store, job: job.job, reason })
    return
  }
  setup.log('info', 'job deferred', { store: job.store, job: job.job, reason })
  await setup.jobs.send({ ...job, deferrals }, { delaySeconds: BUSY_DELAY_SECONDS })
}

/** The budget ran out with work left: the next chunk goes on from the checkpoint. */
async function continueJob(
  setup: Setup,
  db: Database,
  job: JobMessage,
  tables: ResourceName[] | undefined,
) {
  const chunk = (job.chunk ?? 0) + 1
  if (chunk > MAX_CHUNKS) {
    setup.log('warn', 'job left for the next cron', { store: job.store, job: job.job, chunk })
    return
  }
  const next: JobMessage = { store: job.store, job: job.job, chunk, ...(tables ? { tables } : {}) }
  await setup.jobs.send(next)
  await noteQueued(db, [{ storeHash: job.store, job: job.job }], new Date())
  setup.log('info', 'job continues', { store: job.store, job: job.job, chunk })
}

async function runUnderLease(
  setup: Setup,
  db: Database,
  access: StoreAccess,
  job: JobMessage,
): Promise<StoreJobResult> {
  const storeHash = access.storeHash
  const log: Logger = (level, msg, fields) =>
    setup.log(level, msg, { store: storeHash, job: job.job, ...fields })
  const events = createClientEventHub()
  const health = watchApiState({ db, storeHash, log })
  const client = watchApi(
    createClient(setup, access, { timeoutMs: 30_000, maxRetries: 4, events, log }),
    health,
  )
  const context: JobContext = {
    db,
    client,
    storeHash,
    startDate: access.startDate,
    webhookSecret: setup.webhookSecret,
    log,
    clientEvents: events,
    // Few requests in flight per table: the jobs of a batch share the Worker's 6 connections.
    concurrency: 2,
    lease: { holder: crypto.randomUUID(), isGone: () => false, ttlMs: STORE_LEASE_MS },
    receiverUrl: `https://<worker>${RECEIVER_PATH}`,
    publicReceiverUrl: setup.config.publicUrl && `${setup.config.publicUrl}${RECEIVER_PATH}`,
  }
  const started = new Date()
  await noteStarted(db, storeHash, job.job, started)
  const signal = AbortSignal.timeout(setup.jobBudgetMs)
  let result: StoreJobResult
  try {
    result = await runStoreJob(context, job.job, signal, job.tables)
    const api = health.snapshot()
    if (api.state !== 'ok')
      throw new StoreApiDown(
        `the store API ${api.state === 'refused' ? 'refuses the access token' : 'is unavailable'}: ${api.lastError ?? 'no answer'}`,
      )
  } catch (error) {
    const at = new Date()
    await noteFinished(db, storeHash, job.job, {
      at,
      status: 'failed',
      error: describeError(error),
      counts: false,
    })
    throw error
  } finally {
    await health.recorded()
  }
  const { outcome } = result
  const done = outcome === 'done'
  await noteFinished(db, storeHash, job.job, { at: new Date(), status: outcome, counts: done })
  log('info', 'job ended', { outcome, seconds: (Date.now() - started.getTime()) / 1000 })
  return result
}
