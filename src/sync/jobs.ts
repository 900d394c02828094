// The mirror's background jobs, for both hosts. `serve` runs them on its schedule
// (node/schedule.ts); the Cloudflare Worker's cron plans them with planStoreJobs and its queue
// consumer runs one per message with runStoreJob (cloudflare/). What a job does, what it logs and
// what it records for `status` is decided here, once; when a job is due too (SERVE_JOBS and the
// schedule settings, for both). A host only decides how a job is started and with which client
// and database.
import type { BigCommerceClient, ClientEvent } from '../bigcommerce/client.ts'
import type { ScheduleConfig } from '../config.ts'
import type { Database } from '../db/database.ts'
import type { ResourceName } from '../db/schema.ts'
import { INCREMENTAL_TABLES, SNAPSHOT_TABLES } from '../resources/index.ts'
import { describeError, type Logger } from '../util/log.ts'
import {
  createApiHealth,
  recordApiState,
  type ApiHealth,
  type ApiHealthSnapshot,
} from './api-health.ts'
import { processBatch, type WorkerLogEntry } from './events/event-worker.ts'
import { pruneEvents } from './events/inbox.ts'
import type { StoreJobRecord } from './job-state.ts'
import { checkHooks, ensureHooks, hookStateOf, recordHookState } from './hooks/mirror-hooks.ts'
import type { ClientEventHub } from './request-stats.ts'
import { runSync, summarizeSweepForLog, SyncBusyError, type SyncOptions } from './sweeps/sweep.ts'

/** How a job ended: done, or found another sweep of the store running (try again soon). */
export type JobOutcome = 'done' | 'busy'

export type SweepJobName = 'incremental' | 'snapshot' | 'full'

/** What each sweep job sweeps, from the resource declarations. */
export const SWEEP_JOBS: Record<SweepJobName, SyncOptions> = {
  /** Tables with date_modified, from their cursors. */
  incremental: { tables: INCREMENTAL_TABLES },
  /** Tables without date_modified (coupons, categories, brands), listed whole; gone ones removed. */
  snapshot: { tables: SNAPSHOT_TABLES },
  /** Every table in full: also finds rows deleted without an event. */
  full: { full: true },
}

/** What a job needs; the host builds it once (the client already watched by the API gate). */
export interface JobContext {
  db: Database
  client: BigCommerceClient
  storeHash: string
  startDate?: Date
  webhookSecret?: string
  log: Logger
  clientEvents?: ClientEventHub
  /** Requests in flight per swept table (a Worker has few connections). */
  concurrency?: number
  lease?: { holder: string; isGone(holder: string): boolean; ttlMs?: number }
  /** The receiver's URL as the operator would write it, for the hook check's advice. */
  receiverUrl: string
  /** App mode: the receiver's public URL, where the hook check makes a store's missing hooks. */
  publicReceiverUrl?: string
}

/** Runs one sweep job and logs its summary; 'busy' when another sweep of the store is running. */
export async function runSweepJob(
  ctx: JobContext,
  name: SweepJobName,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const { db, client, storeHash, startDate, clientEvents, concurrency, lease, log } = ctx
  try {
    const summary = await runSync(
      { db, client, storeHash, startDate, clientEvents, concurrency, lease },
      { ...SWEEP_JOBS[name], signal },
    )
    // A sweep cut short by a budget reports failed tables; their checkpoints carry the next run.
    const message = signal.aborted ? `sweep ${name} paused` : `sweep ${name}`
    log(summary.ok ? 'info' : 'warn', message, summarizeSweepForLog(summary))
    return 'done'
  } catch (error) {
    if (!(error instanceof SyncBusyError)) throw error
    log('info', `sweep ${name} skipped`, { reason: 'another sweep of this store is running' })
    return 'busy'
  }
}

/** The hook check: reactivates what BigCommerce deactivated, records the result for `status`. */
export async function runHookCheck(ctx: JobContext): Promise<JobOutcome> {
  const { db, client, storeHash, webhookSecret, log } = ctx
  if (!webhookSecret) throw new Error('the hook check needs WEBHOOK_SECRET')
  const startedAt = new Date()
  let check: Awaited<ReturnType<typeof checkHooks>>
  try {
    check = await checkHooks(client, webhookSecret)
    if (check.destination === null && ctx.publicReceiverUrl) {
      const destination = ctx.publicReceiverUrl
      check = {
        destination,
        result: await ensureHooks(client, { destination, secret: webhookSecret }),
      }
    }
  } catch (error) {
    const failed = { status: 'failed' as const, destination: null, repaired: [] }
    await recordHookState(db, storeHash, { ...failed, error: describeError(error) }, startedAt)
    throw error
  }
  if (check.destination === null || check.result === null) {
    const missing = { status: 'missing' as const, destination: null, repaired: [] }
    await recordHookState(db, storeHash, missing, startedAt)
    const advice = `run: bc-mirror webhooks ensure --url ${ctx.receiverUrl}`
    log('warn', 'hook check', { problem: `the store has no hooks for this mirror; ${advice}` })
    return 'done'
  }
  const state = hookStateOf(check.destination, check.result)
  await recordHookState(db, storeHash, state, startedAt)
  const { repaired, refused, blocked } = state
  const troubled = repaired.length > 0 || (refused ?? []).length > 0 || (blocked ?? []).length > 0
  log(troubled ? 'warn' : 'info', 'hook check', {
    destination: check.destination,
    repaired,
    ...(refused?.length ? { refused: refused.map((r) => `${r.scope}: ${r.reason}`) } : {}),
    ...(blocked?.length
      ? { blocked: blocked.map((b) => `${b.destination} until ${b.until}`) }
      : {}),
  })
  return 'done'
}

/** One log line per event worker report: its batches, refetches that failed, deletions held. */
export function logWorkerEntry(log: Logger, entry: WorkerLogEntry): void {
  const { event, ...fields } = entry
  if (event === 'batch') log('info', 'worker batch', fields)
  else log(event === 'worker_error' ? 'error' : 'warn', event.replace('_', ' '), fields)
}

/** One log line per client retry or 429 (answers and requests are counted, not logged). */
export function logClientEvent(log: Logger, event: ClientEvent): void {
  if (event.type === 'retry') log('warn', 'api retry', { ...event })
  else if (event.type === 'throttled') log('warn', 'api throttled', { ...event })
}

const API_STATE_MESSAGES: Record<ApiHealthSnapshot['state'], string> = {
  ok: 'store API answering',
  refused:
    'store API refuses the access token; refetches and sweeps paused, retried with growing waits',
  outage: 'store API unavailable; refetches and sweeps paused, retried with growing waits',
}

/**
 * The API gate of one process or invocation: logs each change of the store API's state and
 * records it for `status` (also its first answer, so a Worker invocation that finds the API back
 * says so).
 */
export function watchApiState(
  target: Pick<JobContext, 'db' | 'storeHash' | 'log'>,
  maxDelayMs?: number,
): ApiHealth & { recorded(): Promise<void> } {
  const { db, storeHash, log } = target
  let recording = Promise.resolve()
  const health = createApiHealth({
    maxDelayMs,
    onChange(now, before) {
      const fields: Record<string, unknown> = { state: now.state }
      if (now.lastError) fields.error = now.lastError
      if (now.state === 'ok' && before.state !== 'ok')
        fields.downSeconds = (now.since.getTime() - before.since.getTime()) / 1000
      log(now.state === 'ok' ? 'info' : 'warn', API_STATE_MESSAGES[now.state], fields)
      // In order, and never failing the request that noticed the change.
      recording = recording
        .then(() => recordApiState(db, storeHash, now))
        .catch((error: unknown) =>
          log('warn', 'could not record the API state', { error: describeError(error) }),
        )
    },
  })
  // A host whose database closes after the work (a Worker invocation) waits for the records.
  return { ...health, recorded: () => recording }
}

/** A job of `serve`'s schedule: which setting gives its interval, and whether it is due at start. */
export interface ServeJob {
  name: SweepJobName | 'hooks'
  interval: keyof ScheduleConfig
  /** Due at start when it never ran (the first incremental sweep is the backfill). */
  atStart: boolean
}

export const SERVE_JOBS: readonly ServeJob[] = [
  { name: 'incremental', interval: 'incrementalMinutes', atStart: true },
  // COUPONS_INTERVAL_MINUTES (design.md) keeps its name: coupons were the first table listed whole.
  { name: 'snapshot', interval: 'couponsMinutes', atStart: true },
  { name: 'full', interval: 'fullMinutes', atStart: false },
  { name: 'hooks', interval: 'hooksMinutes', atStart: true },
]

/** Runs one of SERVE_JOBS (or a cron's sweep) by name. */
export function runJob(
  ctx: JobContext,
  name: ServeJob['name'],
  signal: AbortSignal,
): Promise<JobOutcome> {
  return name === 'hooks' ? runHookCheck(ctx) : runSweepJob(ctx, name, signal)
}

/**
 * The Worker's one cron: every minute it plans which stores' jobs are due and sends them to the
 * jobs queue (wrangler.toml's `[triggers] crons` lists exactly it: test/cloudflare/crons.test.ts).
 */
export const WORKER_CRON = '* * * * *'

// --- the Worker's queue jobs --------------------------------------------------------------------
// On Cloudflare, a cron only plans (planStoreJobs) and sends one message per store job; the queue
// consumer runs one job per message (runStoreJob) under the store's lease, within its budget.

/** A job of one store, as one queue message runs it. */
export type StoreJobName = 'incremental' | 'snapshot' | 'full' | 'hooks' | 'drain'

export const STORE_JOB_NAMES: readonly StoreJobName[] = [
  'incremental',
  'snapshot',
  'full',
  'hooks',
  'drain',
]

export const isStoreJobName = (name: unknown): name is StoreJobName =>
  STORE_JOB_NAMES.includes(name as StoreJobName)

/**
 * How a queue job ended: done, the store's sweep was running elsewhere (busy), or the budget ran
 * out with work left (paused: a continuation goes on from the checkpoint).
 */
export type StoreJobOutcome = JobOutcome | 'paused'

/** The inbox's events per drain batch; the claim outlives a batch, so a cut job's come back. */
const DRAIN_BATCH = { batchSize: 250, leaseMs: 120_000 }
/** The hook check's job also deletes finished inbox events older than this. */
const INBOX_RETAIN_MS = 7 * 86_400_000

/** How a queue job ended, and for a sweep cut short, the tables it has left. */
export interface StoreJobResult {
  outcome: StoreJobOutcome
  /** A paused sweep's tables not completed yet: its continuation sweeps only these. */
  left?: ResourceName[]
}

/**
 * Runs one store job of a queue message within `signal`'s budget; a continuation passes the
 * tables its job had left (`tables`), so that tables completed by an earlier chunk are not swept
 * again.
 */
export async function runStoreJob(
  ctx: JobContext,
  name: StoreJobName,
  signal: AbortSignal,
  tables?: readonly ResourceName[],
): Promise<StoreJobResult> {
  if (name === 'drain') return { outcome: await drainInbox(ctx, signal) }
  if (name === 'hooks') {
    const pruned = await pruneEvents(ctx.db, ctx.storeHash, INBOX_RETAIN_MS)
    if (pruned > 0) ctx.log('info', 'inbox pruned', { pruned })
    return { outcome: await runHookCheck(ctx) }
  }
  const { db, client, storeHash, startDate, clientEvents, concurrency, lease, log } = ctx
  const sweep = SWEEP_JOBS[name]
  try {
    // Chunked: a full sweep cut by the budget keeps what it listed, so its last chunk may delete.
    const summary = await runSync(
      { db, client, storeHash, startDate, clientEvents, concurrency, lease },
      { ...sweep, ...(tables ? { tables } : {}), signal, chunked: true },
    )
    const left = Object.entries(summary.tables)
      .filter(([, t]) => t?.status === 'interrupted')
      .map(([table]) => table as ResourceName)
    const paused = signal.aborted && left.length > 0
    log(summary.ok ? 'info' : 'warn', paused ? `sweep ${name} paused` : `sweep ${name}`, {
      ...summarizeSweepForLog(summary),
    })
    return paused ? { outcome: 'paused', left } : { outcome: 'done' }
  } catch (error) {
    if (!(error instanceof SyncBusyError)) throw error
    log('info', `sweep ${name} skipped`, { reason: 'another sweep of this store is running' })
    return { outcome: 'busy' }
  }
}

/** Claims batches of the store's due events until none is left or the budget is spent. */
async function drainInbox(ctx: JobContext, signal: AbortSignal): Promise<StoreJobOutcome> {
  const { db, client, storeHash } = ctx
  const log = (entry: WorkerLogEntry) => logWorkerEntry(ctx.log, entry)
  while (!signal.aborted) {
    const summary = await processBatch({ db, client, storeHash, log }, DRAIN_BATCH)
    if (!summary) return 'done'
    log({ event: 'batch', ...summary })
    // The API refused the token or was out: the events went back; the caller sees the API state.
    if (summary.released > 0) return 'done'
  }
  return 'paused'
}

/** A store job to send to the queue. */
export interface PlannedJob {
  storeHash: string
  job: StoreJobName
}

/** A job queued this recently and not started since is not sent again (its message is on its way). */
const QUEUED_GRACE_MS: Record<StoreJobName, number> = {
  incremental: 15 * 60_000,
  snapshot: 15 * 60_000,
  full: 30 * 60_000,
  hooks: 15 * 60_000,
  drain: 2 * 60_000,
}

export interface StorePlan {
  /** Jobs to send now. */
  due: PlannedJob[]
  /** Jobs seen for the first time that do not run at start: their first interval begins now. */
  planned: PlannedJob[]
}

/**
 * Which stores' jobs are due (the Worker's cron): each of SERVE_JOBS at its interval after its
 * last run, as on `serve`, and a drain for each store with due inbox events; a job already
 * queued and not yet started is not sent twice. Reads nothing: the caller gives every record.
 */
export function planStoreJobs(input: {
  stores: readonly string[]
  records: readonly StoreJobRecord[]
  withDueEvents: ReadonlySet<string>
  schedule: ScheduleConfig
  now: Date
}): StorePlan {
  const { stores, schedule } = input
  const now = input.now.getTime()
  const byKey = new Map(input.records.map((r) => [`${r.storeHash}\u0000${r.job}`, r]))
  const plan: StorePlan = { due: [], planned: [] }
  for (const storeHash of stores) {
    const recordOf = (job: string) => byKey.get(`${storeHash}\u0000${job}`)
    for (const job of SERVE_JOBS) {
      const everyMinutes = schedule[job.interval]
      if (everyMinutes === 0) continue
      const record = recordOf(job.name)
      if (queuedLately(record, job.name, now)) continue
      const basis = record?.lastFinishedAt ?? (job.atStart ? null : record?.plannedAt)
      if (!basis && !job.atStart) {
        if (!record?.plannedAt) plan.planned.push({ storeHash, job: job.name })
        continue
      }
      if (!basis || basis.getTime() + everyMinutes * 60_000 <= now)
        plan.due.push({ storeHash, job: job.name })
    }
    if (input.withDueEvents.has(storeHash) && !queuedLately(recordOf('drain'), 'drain', now))
      plan.due.push({ storeHash, job: 'drain' })
  }
  return plan
}

function queuedLately(record: StoreJobRecord | undefined, job: StoreJobName, now: number) {
  const queuedAt = record?.queuedAt?.getTime()
  if (queuedAt === undefined) return false
  const startedAt = record?.lastStartedAt?.getTime() ?? 0
  return queuedAt > startedAt && now - queuedAt < QUEUED_GRACE_MS[job]
}
