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
import { checkStoreAccess } from '../bigcommerce/preflight.ts'
import { createApiProbe, watchApi } from '../sync/api-health.ts'
import { RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import type { ClientEventHub } from '../sync/request-stats.ts'
import { logWorkerEntry, runJob, SERVE_JOBS, watchApiState, type JobContext } from '../sync/jobs.ts'
import { startEventWorker, type EventWorkerOptions } from '../sync/events/event-worker.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import { describeError, type Logger } from '../util/log.ts'
import { startSchedule, type ScheduledJob } from './schedule.ts'

export interface BackgroundWork {
  /**
   * Events for these tables (a resource name, or null for none) were just stored for this store
   * (absent: whichever the work serves): their worker loops look at once instead of at their
   * next poll. `events`: how many were stored (default 1; the fleet paces its batches by it).
   */
  wake(resources: Iterable<string | null>, storeHash?: string, events?: number): void
  /**
   * The stores changed (an app installed or uninstalled, a store added): read the directory now
   * instead of at its next refresh, so a new store's backfill starts at once. Absent: one store.
   */
  storesChanged?(): void
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

/** Starts the worker and the schedule in this thread. */
export function startBackgroundWork(options: BackgroundOptions): BackgroundWork {
  const { config, db, log } = options
  const health = watchApiState({ db, storeHash: config.storeHash, log }, options.apiRetryMaxMs)
  const client = watchApi(options.client, health)
  const worker = startEventWorker(
    {
      db,
      client,
      storeHash: config.storeHash,
      log: (entry) => logWorkerEntry(log, entry),
      apiDelayMs: () => health.delayMs(),
    },
    options.worker,
  )
  const scheduled = startSchedule(scheduledJobs(options, client), {
    db,
    storeHash: config.storeHash,
    startDelayMs: options.scheduleStartDelayMs ?? 2_000,
    apiDelayMs: () => health.delayMs(),
    apiReady: createApiProbe(health, (signal) => checkStoreAccess(client, signal)),
    onError: (job, error) => log('error', `${job} failed`, { error: describeError(error) }),
  })
  return {
    wake: (resources) => worker.wake(resources),
    async stop() {
      await Promise.all([worker.stop(), scheduled.stop()])
    },
    crashed: new Promise<never>(() => {}),
  }
}

function scheduledJobs(options: BackgroundOptions, client: BigCommerceClient): ScheduledJob[] {
  const { config, db, clientEvents, log } = options
  const ctx: JobContext = {
    db,
    client,
    storeHash: config.storeHash,
    startDate: config.startDate,
    webhookSecret: config.webhookSecret,
    log,
    clientEvents,
    lease: nodeLeaseIdentity(),
    receiverUrl: `https://<this server>${RECEIVER_PATH}`,
  }
  return SERVE_JOBS.map((job) => ({
    name: job.name,
    everyMinutes: config.schedule[job.interval],
    atStart: job.atStart,
    run: (signal) => runJob(ctx, job.name, signal),
  }))
}
