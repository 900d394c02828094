// The mirror's background jobs, for both hosts. `serve` runs them on its schedule
// (node/schedule.ts) and the Cloudflare Worker from its crons (cloudflare/handlers.ts); what a job
// does, what it logs and what it records for `status` is decided here, once. A host only decides
// when a job runs and with which client and database.
import type { BigCommerceClient, ClientEvent } from '../bigcommerce/client.ts'
import type { ScheduleConfig } from '../config.ts'
import type { Database } from '../db/database.ts'
import { INCREMENTAL_TABLES, SNAPSHOT_TABLES } from '../resources/index.ts'
import { describeError, type Logger } from '../util/log.ts'
import {
  createApiHealth,
  recordApiState,
  type ApiHealth,
  type ApiHealthSnapshot,
} from './api-health.ts'
import type { WorkerLogEntry } from './events/event-worker.ts'
import { checkHooks, ensureHooks, hookStateOf, recordHookState } from './hooks/mirror-hooks.ts'
import type { ClientEventHub } from './request-stats.ts'
import { runSync, summarizeSweepForLog, SyncBusyError, type SyncOptions } from './sweeps/sweep.ts'

/** How a job ended: done, or found another sweep of the store running (try again soon). */
export type JobOutcome = 'done' | 'busy'

export type SweepJobName = 'incremental' | 'coupons' | 'full' | 'all'

/** What each sweep job sweeps, from the resource declarations. */
export const SWEEP_JOBS: Record<SweepJobName, SyncOptions> = {
  /** Tables with date_modified, from their cursors. */
  incremental: { tables: INCREMENTAL_TABLES },
  /** Tables without date_modified (coupons), listed whole; deleted ones are removed. */
  coupons: { tables: SNAPSHOT_TABLES },
  /** Every table in full: also finds rows deleted without an event. */
  full: { full: true },
  /** Both of the first two in one run (the Worker's hourly cron). */
  all: { tables: [...INCREMENTAL_TABLES, ...SNAPSHOT_TABLES] },
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
): ApiHealth {
  const { db, storeHash, log } = target
  let recording = Promise.resolve()
  return createApiHealth({
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
  { name: 'coupons', interval: 'couponsMinutes', atStart: true },
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
 * What one Worker cron does. wrangler.toml's `[triggers] crons` lists exactly these expressions
 * (test/cloudflare/crons.test.ts reads it); any other cron does what the frequent one does.
 */
export interface CronPlan {
  cron: string
  sweep: SweepJobName
  /** Wall-clock budget; sweeps are aborted at its end and resume from their checkpoints. */
  budgetMs: number
  /** Also check the store's hooks and delete old finished inbox events. */
  housekeeping: boolean
}

export const CRON_PLANS: readonly [CronPlan, CronPlan] = [
  {
    cron: '5,10,15,20,25,30,35,40,45,50,55 * * * *',
    sweep: 'incremental',
    // Ends before the next run starts five minutes later, so runs never find each other busy.
    budgetMs: 4 * 60_000,
    housekeeping: false,
  },
  {
    cron: '0 * * * *',
    sweep: 'all',
    // Cron triggers may run 15 minutes; leave room to wind down after the budget.
    budgetMs: 10 * 60_000,
    housekeeping: true,
  },
]

export function planForCron(cron: string): CronPlan {
  return CRON_PLANS.find((plan) => plan.cron === cron.trim()) ?? CRON_PLANS[0]
}
