// One store's lane in `serve`'s background work (fleet.ts): its own client and rate pacer (the
// quota is per store), its own API gate, its own event worker and its own schedule, so that a
// backfill, an outage or a refused token in one store holds back nothing of another's. The client
// and the worker are made when first needed; an idle worker is stopped again (idleStop), so a
// thousand quiet stores cost a schedule each and little more.
import { withRequest, type BigCommerceClient, type ClientEvent } from '../bigcommerce/client.ts'
import type { PacerSnapshot } from '../bigcommerce/pacer.ts'
import { checkStoreAccess } from '../bigcommerce/preflight.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { holdLease } from '../db/lease.ts'
import type { StoreAccess } from '../stores/types.ts'
import { createApiProbe, watchApi, type ApiHealth } from '../sync/api-health.ts'
import {
  startEventWorker,
  type EventWorkerOptions,
  type RunningEventWorker,
} from '../sync/events/event-worker.ts'
import { RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import { logWorkerEntry, runJob, SERVE_JOBS, watchApiState, type JobContext } from '../sync/jobs.ts'
import { createClientEventHub, type ClientEventHub } from '../sync/request-stats.ts'
import { describeError, type Logger } from '../util/log.ts'
import type { Slots } from '../util/slots.ts'
import { oneTurnAtATime, type BatchPace } from './fleet-batch-pace.ts'
import type { LeaseIdentity } from './lease-identity.ts'
import { startSchedule, type RunningSchedule, type ScheduleOptions } from './schedule.ts'
import { createStoreClient, logClientEvents } from './store-client.ts'

/** What every lane of a process shares. */
export interface LaneShared {
  config: Pick<
    Config,
    'apiUrl' | 'clientId' | 'apiRetryBaseMs' | 'webhookSecret' | 'schedule' | 'publicUrl'
  >
  db: Database
  log: Logger
  worker?: EventWorkerOptions
  apiRetryMaxMs?: number
  lease: LeaseIdentity
  /** How long a store job's lease lasts unless renewed; a dead process's jobs wait this long at most. */
  leaseMs: number
  /** Jobs (sweeps, hook checks) of all stores running at once in this process. */
  jobSlots: Slots
  /** Event batches of all stores running at once in this process. */
  batchSlots: Slots
  /** Event batches and job requests of all stores wait their turn here while deliveries arrive fast. */
  batchPace: BatchPace
  scheduleStartDelayMs: number
  onApiEvent?: (storeHash: string, event: ClientEvent, quota: PacerSnapshot) => void
  /** Where a store's API is; default config.apiUrl (tests give each simulated store its own). */
  apiUrlOf?: (storeHash: string) => string
}

export interface StoreLane {
  readonly access: StoreAccess
  /** Events of these tables are due: start the worker if it sleeps, and let it look now. */
  wake(resources: Iterable<string | null>): void
  /** Stops the worker when nothing woke it for `idleMs`; the schedule keeps running. */
  idleStop(idleMs: number): void
  /** Lets the worker finish its batch, aborts the running job (its checkpoint kept), and waits. */
  stop(): Promise<void>
}

/** The store's watched client, made on first use. */
interface LaneApi {
  client: BigCommerceClient
  health: ApiHealth
  events: ClientEventHub
  /** Whether the API answers again after a refusal or outage (one probe shared by all jobs). */
  ready: (signal?: AbortSignal) => Promise<boolean>
}

/** When a lane's jobs run (schedule.ts): its stable slot, the spread window, its records read. */
export type LaneTiming = Pick<ScheduleOptions, 'phase' | 'spreadMs' | 'records'>

export function startStoreLane(
  access: StoreAccess,
  shared: LaneShared,
  timing: LaneTiming,
): StoreLane {
  const storeHash = access.storeHash
  const log: Logger = (level, msg, fields) =>
    shared.log(level, msg, { store: storeHash, ...fields })
  let api: LaneApi | null = null
  const apiOf = (): LaneApi => (api ??= openApi(access, shared, log))
  const apiDelayMs = () => api?.health.delayMs() ?? 0
  let worker: RunningEventWorker | null = null
  let wokenAt = Date.now()
  let stopping = false
  const stoppingWorkers = new Set<Promise<void>>()

  const schedule = startLaneSchedule(access, shared, log, apiOf, apiDelayMs, timing)
  return {
    access,
    wake(resources) {
      if (stopping) return
      wokenAt = Date.now()
      worker ??= startEventWorker(
        {
          db: shared.db,
          client: apiOf().client,
          storeHash,
          log: (entry) => logWorkerEntry(log, entry),
          apiDelayMs,
          batchSlot: () => shared.batchSlots.acquire(),
          batchTurn: () => shared.batchPace.turn(),
        },
        // The fleet's one query finds due events and wakes the lane; its own loops need not poll.
        {
          ...shared.worker,
          idleMs: Math.max(shared.worker?.idleMs ?? 1_000, LANE_POLL_MS),
          startAsleep: true,
        },
      )
      worker.wake(resources)
    },
    idleStop(idleMs) {
      if (!worker || Date.now() - wokenAt < idleMs) return
      const stopped = worker.stop()
      worker = null
      stoppingWorkers.add(stopped)
      void stopped.finally(() => stoppingWorkers.delete(stopped))
    },
    async stop() {
      stopping = true
      await Promise.all([worker?.stop(), schedule.stop(), ...stoppingWorkers])
    },
  }
}

/** A lane's own loops poll this seldom; the fleet's query wakes them when their events are due. */
const LANE_POLL_MS = 30_000

function openApi(access: StoreAccess, shared: LaneShared, log: Logger): LaneApi {
  const { config, db } = shared
  const events = createClientEventHub()
  const logEvent = logClientEvents(log)
  const apiUrl = shared.apiUrlOf?.(access.storeHash) ?? config.apiUrl
  const raw = createStoreClient(
    {
      storeHash: access.storeHash,
      accessToken: access.accessToken,
      apiUrl,
      clientId: config.clientId,
      apiRetryBaseMs: config.apiRetryBaseMs,
    },
    (event) => {
      logEvent(event)
      events.emit(event)
      shared.onApiEvent?.(access.storeHash, event, raw.pacer.snapshot())
    },
  )
  const health = watchApiState({ db, storeHash: access.storeHash, log }, shared.apiRetryMaxMs)
  const client = watchApi(raw, health)
  const ready = createApiProbe(health, (signal) => checkStoreAccess(client, signal))
  return { client, health, events, ready }
}

function startLaneSchedule(
  access: StoreAccess,
  shared: LaneShared,
  log: Logger,
  apiOf: () => LaneApi,
  apiDelayMs: () => number,
  timing: LaneTiming,
): RunningSchedule {
  const { config, db, lease, leaseMs } = shared
  const storeHash = access.storeHash
  // A job's requests take turns with event batches while deliveries arrive fast.
  const jobTurn = oneTurnAtATime((signal) => shared.batchPace.turn(signal))
  const jobClient = () => {
    const client = apiOf().client
    return withRequest(client, async (path, options) => {
      await jobTurn(options?.signal)
      return client.request(path, options)
    })
  }
  const jobContext = (): JobContext => ({
    db,
    client: jobClient(),
    storeHash,
    startDate: access.startDate,
    webhookSecret: config.webhookSecret,
    log,
    clientEvents: apiOf().events,
    lease: { holder: lease.holder, isGone: lease.isGone, ttlMs: leaseMs },
    receiverUrl: `https://<this server>${RECEIVER_PATH}`,
    publicReceiverUrl: config.publicUrl && `${config.publicUrl}${RECEIVER_PATH}`,
  })
  const jobs = SERVE_JOBS.map((job) => ({
    name: job.name,
    everyMinutes: config.schedule[job.interval],
    atStart: job.atStart,
    run: (signal: AbortSignal) => runJob(jobContext(), job.name, signal),
  }))
  return startSchedule(jobs, {
    db,
    storeHash,
    startDelayMs: shared.scheduleStartDelayMs,
    ...timing,
    // A job another process holds is looked at again well within its lease, so a dead holder's
    // job is taken over soon after its lease runs out.
    busyRetryMs: Math.max(1_000, leaseMs / 2),
    apiDelayMs,
    apiReady: (signal) => apiOf().ready(signal),
    claim: (job, signal) => claimJob(shared, storeHash, job, signal),
    onError: (job, error) => log('error', `${job} failed`, { error: describeError(error) }),
  })
}

/**
 * A slot of this process first, then the job's lease across the fleet. In that order, a process
 * whose slots are all busy takes no more stores' jobs: the due ones are left to processes with
 * room, which is how work spreads over the fleet.
 */
async function claimJob(
  shared: LaneShared,
  storeHash: string,
  job: string,
  signal: AbortSignal,
): Promise<{ release(): Promise<void> } | null> {
  const releaseSlot = await shared.jobSlots.acquire(signal)
  try {
    const held = await holdLease(shared.db, `job:${storeHash}:${job}`, {
      holder: shared.lease.holder,
      isGone: shared.lease.isGone,
      ttlMs: shared.leaseMs,
    })
    if (!held) {
      releaseSlot()
      return null
    }
    return {
      async release() {
        try {
          await held.release()
        } finally {
          releaseSlot()
        }
      },
    }
  } catch (error) {
    releaseSlot()
    throw error
  }
}
