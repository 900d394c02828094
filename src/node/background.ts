// The background half of `serve`: the event worker and the schedule (incremental sweeps, coupon
// sweeps, the full reconciliation, the hook check). The receiver only stores events and wakes this
// side. It runs in the receiver's thread (PGlite, whose database lives in one thread, and tests)
// or in a thread of its own (background-thread.ts) when the database is PostgreSQL.
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { checkHooks, describeRepairs, recordHookState } from '../sync/hooks.ts'
import type { ClientEventHub } from '../sync/request-stats.ts'
import { runSync, summarizeSweepForLog, SyncBusyError, type SyncOptions } from '../sync/sweep.ts'
import { startWorker, type WorkerLogEntry, type WorkerOptions } from '../sync/worker.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import { describeError, type Logger } from './log.ts'
import { startSchedule, type JobOutcome, type ScheduledJob } from './schedule.ts'

export interface BackgroundWork {
  /** An event was just stored: the worker looks at once instead of at its next poll. */
  wake(): void
  /** Lets the worker finish its batch, aborts running sweeps, and waits for both. */
  stop(): Promise<void>
  /** Settles only if the background work died on its own (its thread crashed). */
  readonly crashed: Promise<unknown>
}

export interface BackgroundOptions {
  config: Pick<Config, 'storeHash' | 'webhookSecret' | 'startDate' | 'schedule'>
  db: Database
  client: BigCommerceClient
  /** The client's events, so the run history counts each sweep's requests and 429s. */
  clientEvents?: ClientEventHub
  log: Logger
  worker?: WorkerOptions
  /** Delay before the jobs that run at start. Default 2 s (let the server settle first). */
  scheduleStartDelayMs?: number
}

function logWorker(log: Logger, entry: WorkerLogEntry) {
  const { event, ...fields } = entry
  if (event === 'batch') log('info', 'worker batch', fields)
  else log(event === 'refetch_failed' ? 'warn' : 'error', event.replace('_', ' '), fields)
}

/** Starts the worker and the schedule in this thread. */
export function startBackgroundWork(options: BackgroundOptions): BackgroundWork {
  const { config, db, client, log } = options
  const worker = startWorker(
    { db, client, storeHash: config.storeHash, log: (entry) => logWorker(log, entry) },
    options.worker,
  )
  const scheduled = startSchedule(
    scheduledJobs(options),
    (job, error) => log('error', `${job} failed`, { error: describeError(error) }),
    { startDelayMs: options.scheduleStartDelayMs ?? 2_000 },
  )
  return {
    wake: () => worker.wake(),
    async stop() {
      await Promise.all([worker.stop(), scheduled.stop()])
    },
    crashed: new Promise<never>(() => {}),
  }
}

function scheduledJobs({ config, db, client, clientEvents, log }: BackgroundOptions): ScheduledJob[] {
  const { storeHash, schedule } = config
  const lease = nodeLeaseIdentity()
  const sweep =
    (name: string, sweepOptions: SyncOptions) =>
    async (signal: AbortSignal): Promise<JobOutcome> => {
      try {
        const summary = await runSync(
          { db, client, storeHash, startDate: config.startDate, lease, clientEvents },
          { ...sweepOptions, signal },
        )
        log(summary.ok ? 'info' : 'warn', `sweep ${name}`, summarizeSweepForLog(summary))
        return 'done'
      } catch (error) {
        if (!(error instanceof SyncBusyError)) throw error
        log('info', `sweep ${name} skipped`, {
          reason: 'another sweep of this store is running; retrying in a minute',
        })
        return 'busy'
      }
    }
  return [
    {
      name: 'incremental',
      everyMinutes: schedule.incrementalMinutes,
      atStart: true,
      run: sweep('incremental', { tables: ['customers', 'orders', 'products'] }),
    },
    {
      name: 'coupons',
      everyMinutes: schedule.couponsMinutes,
      atStart: true,
      run: sweep('coupons', { tables: ['coupons'] }),
    },
    {
      name: 'full',
      everyMinutes: schedule.fullMinutes,
      atStart: false,
      run: sweep('full', { full: true }),
    },
    {
      name: 'hooks',
      everyMinutes: schedule.hooksMinutes,
      atStart: true,
      run: () => checkHooksJob({ config, db, client, log }),
    },
  ]
}

/** The hourly hook check: reactivates what BigCommerce deactivated and records it for `status`. */
async function checkHooksJob({
  config,
  db,
  client,
  log,
}: Pick<BackgroundOptions, 'config' | 'db' | 'client' | 'log'>): Promise<JobOutcome> {
  const { storeHash, webhookSecret } = config
  if (!webhookSecret) throw new Error('the hook check needs WEBHOOK_SECRET')
  const startedAt = new Date()
  try {
    const check = await checkHooks(client, webhookSecret)
    const repaired = describeRepairs(check.result)
    const status = check.destination === null ? 'missing' : 'ok'
    await recordHookState(db, storeHash, { status, destination: check.destination, repaired }, startedAt)
    if (status === 'missing') {
      log('warn', 'hook check', {
        problem: 'the store has no hooks for this mirror; run: bc-mirror webhooks ensure --url URL',
      })
    } else {
      log(repaired.length > 0 ? 'warn' : 'info', 'hook check', {
        destination: check.destination,
        repaired,
      })
    }
  } catch (error) {
    await recordHookState(db, storeHash, {
      status: 'failed',
      destination: null,
      repaired: [],
      error: describeError(error),
    }, startedAt)
    throw error
  }
  return 'done'
}
