// The background half of `serve`: the event worker and the schedule (incremental sweeps, coupon
// sweeps, the full reconciliation, the hook check). The receiver only stores events and wakes this
// side. It runs in the receiver's thread (PGlite, whose database lives in one thread, and tests)
// or in a thread of its own (background-thread.ts) when the database is PostgreSQL.
// No API problem stops it: every request goes through one watched client (sync/api-health.ts);
// a refused token or an outage holds the worker and the jobs back with growing waits, is logged
// once when it begins and once when it ends, and is kept for `status`.
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import {
  createApiHealth,
  recordApiState,
  watchApi,
  type ApiHealth,
  type ApiHealthSnapshot,
} from '../sync/api-health.ts'
import { checkHooks, describeRepairs, recordHookState } from '../sync/hooks/mirror-hooks.ts'
import type { ClientEventHub } from '../sync/request-stats.ts'
import {
  runSync,
  summarizeSweepForLog,
  SyncBusyError,
  type SyncOptions,
} from '../sync/sweeps/sweep.ts'
import {
  startEventWorker,
  type WorkerLogEntry,
  type EventWorkerOptions,
} from '../sync/events/event-worker.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import { describeError, type Logger } from '../util/log.ts'
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
  worker?: EventWorkerOptions
  /** Least delay before a job that is due at start runs. Default 2 s (let the server settle). */
  scheduleStartDelayMs?: number
  /** Longest wait between tries while the API refuses the token or is out. Default 5 min. */
  apiRetryMaxMs?: number
}

const API_STATE_MESSAGES: Record<ApiHealthSnapshot['state'], string> = {
  ok: 'store API answering',
  refused:
    'store API refuses the access token; refetches and sweeps paused, retried with growing waits',
  outage: 'store API unavailable; refetches and sweeps paused, retried with growing waits',
}

/** The API gate of this process: logs and records each change of the API's state. */
function watchApiState(options: BackgroundOptions): ApiHealth {
  const { db, log, config } = options
  let recording = Promise.resolve()
  return createApiHealth({
    maxDelayMs: options.apiRetryMaxMs,
    onChange(now, before) {
      const fields: Record<string, unknown> = { state: now.state }
      if (now.lastError) fields.error = now.lastError
      if (now.state === 'ok' && before.state !== 'ok')
        fields.downSeconds = (now.since.getTime() - before.since.getTime()) / 1000
      log(now.state === 'ok' ? 'info' : 'warn', API_STATE_MESSAGES[now.state], fields)
      // In order, and never failing the request that noticed the change.
      recording = recording
        .then(() => recordApiState(db, config.storeHash, now))
        .catch((error: unknown) =>
          log('warn', 'could not record the API state', { error: describeError(error) }),
        )
    },
  })
}

function logWorker(log: Logger, entry: WorkerLogEntry) {
  const { event, ...fields } = entry
  if (event === 'batch') log('info', 'worker batch', fields)
  else log(event === 'refetch_failed' ? 'warn' : 'error', event.replace('_', ' '), fields)
}

/** Starts the worker and the schedule in this thread. */
export function startBackgroundWork(options: BackgroundOptions): BackgroundWork {
  const { config, db, log } = options
  const health = watchApiState(options)
  const client = watchApi(options.client, health)
  const worker = startEventWorker(
    {
      db,
      client,
      storeHash: config.storeHash,
      log: (entry) => logWorker(log, entry),
      apiDelayMs: () => health.delayMs(),
    },
    options.worker,
  )
  const scheduled = startSchedule(scheduledJobs({ ...options, client }), {
    db,
    storeHash: config.storeHash,
    startDelayMs: options.scheduleStartDelayMs ?? 2_000,
    apiDelayMs: () => health.delayMs(),
    onError: (job, error) => log('error', `${job} failed`, { error: describeError(error) }),
  })
  return {
    wake: () => worker.wake(),
    async stop() {
      await Promise.all([worker.stop(), scheduled.stop()])
    },
    crashed: new Promise<never>(() => {}),
  }
}

function scheduledJobs({
  config,
  db,
  client,
  clientEvents,
  log,
}: BackgroundOptions): ScheduledJob[] {
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
    await recordHookState(
      db,
      storeHash,
      { status, destination: check.destination, repaired },
      startedAt,
    )
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
    await recordHookState(
      db,
      storeHash,
      {
        status: 'failed',
        destination: null,
        repaired: [],
        error: describeError(error),
      },
      startedAt,
    )
    throw error
  }
  return 'done'
}
