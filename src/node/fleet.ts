// `serve`'s background work for every store the directory holds: one lane per active store
// (store-lane.ts), within bounds the whole process shares. The directory is read again every
// refreshMs: a store added starts, one paused, removed or uninstalled stops (its running sweep is
// aborted and keeps its checkpoint), one whose token changed restarts. Instead of each store's
// worker polling the inbox, one query a poll interval finds which stores have due events and wakes
// their lanes; a lane's worker is made then, and stopped again after a quiet spell. Several serve
// processes on one database share the stores: each store's job runs under a lease (one holder
// across the fleet), and inbox claims skip what another process holds.
import type { ClientEvent } from '../bigcommerce/client.ts'
import type { PacerSnapshot } from '../bigcommerce/pacer.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import type { StoreAccess, StoreDirectory } from '../stores/types.ts'
import type { EventWorkerOptions } from '../sync/events/event-worker.ts'
import { findDueTables, type DuePair } from '../sync/events/inbox-due.ts'
import { readJobsOf, type JobRecord } from '../sync/job-state.ts'
import { describeError, type Logger } from '../util/log.ts'
import { createSlots } from '../util/slots.ts'
import type { BackgroundWork } from './background.ts'
import { createBatchPace, type BatchPaceOptions } from './fleet-batch-pace.ts'
import { nodeLeaseIdentity, type LeaseIdentity } from './lease-identity.ts'
import { startStoreLane, type LaneShared, type StoreLane } from './store-lane.ts'

export interface FleetOptions {
  config: Pick<
    Config,
    'apiUrl' | 'clientId' | 'apiRetryBaseMs' | 'webhookSecret' | 'schedule' | 'publicUrl'
  >
  db: Database
  directory: StoreDirectory
  log: Logger
  worker?: EventWorkerOptions
  apiRetryMaxMs?: number
  /** How often the directory is read again. Default 60 s. */
  refreshMs?: number
  /** How long a store job's lease lasts unless renewed. Default 30 s. */
  leaseMs?: number
  /** Jobs (sweeps, hook checks) running at once in this process, over all stores. Default 4. */
  jobSlots?: number
  /** Event batches running at once in this process, over all stores. Default 8. */
  batchSlots?: number
  /** When batches yield to fast deliveries, and how far (fleet-batch-pace.ts). */
  batchPace?: BatchPaceOptions
  /** A lane's worker with no due events for this long is stopped until the next. Default 5 min. */
  idleStopMs?: number
  /** Least delay before a job that is due at start runs. Default 2 s. */
  scheduleStartDelayMs?: number
  lease?: LeaseIdentity
  onApiEvent?: (storeHash: string, event: ClientEvent, quota: PacerSnapshot) => void
  /** Where a store's API is; default config.apiUrl (tests give each simulated store its own). */
  apiUrlOf?: (storeHash: string) => string
}

export interface FleetWork extends BackgroundWork {
  /** The stores with a lane now. */
  stores(): string[]
  /** Reads the directory now and starts or stops lanes (also done every refreshMs). */
  refresh(): Promise<void>
}

/** (store, table) pairs one poll wakes at most (the rest are found by the next poll). */
const POLL_LIMIT = 5_000
/** An unknown store's wake reads the directory at most this often. */
const WAKE_REFRESH_MS = 2_000

export function startFleetWork(options: FleetOptions): FleetWork {
  const { db, directory, log } = options
  const leaseMs = options.leaseMs ?? 30_000
  const shared: LaneShared = {
    config: options.config,
    db,
    log,
    worker: options.worker,
    apiRetryMaxMs: options.apiRetryMaxMs,
    lease: options.lease ?? nodeLeaseIdentity(),
    leaseMs,
    jobSlots: createSlots(options.jobSlots ?? 4),
    batchSlots: createSlots(options.batchSlots ?? 8),
    batchPace: createBatchPace(options.batchPace),
    scheduleStartDelayMs: options.scheduleStartDelayMs ?? 2_000,
    onApiEvent: options.onApiEvent,
    apiUrlOf: options.apiUrlOf,
  }
  const lanes = new Map<string, StoreLane>()
  const stopping = new Set<Promise<void>>()
  let stopped = false
  let refreshing: Promise<void> | null = null
  let lastWakeRefresh = 0

  const stopLane = (hash: string, reason: string) => {
    const lane = lanes.get(hash)
    if (!lane) return
    lanes.delete(hash)
    log('info', 'store stopped', { store: lane.access.storeHash, reason })
    const done = lane.stop()
    stopping.add(done)
    void done.finally(() => stopping.delete(done))
  }

  const apply = async (active: StoreAccess[]) => {
    const wanted = new Map(active.map((a) => [a.storeHash.toLowerCase(), a]))
    for (const hash of [...lanes.keys()])
      if (!wanted.has(hash)) stopLane(hash, 'no longer active in the directory')
    for (const [hash, access] of wanted) {
      const lane = lanes.get(hash)
      if (lane && lane.access.accessToken !== access.accessToken) stopLane(hash, 'token changed')
    }
    const starting = [...wanted].filter(([hash]) => !lanes.has(hash)).map(([, a]) => a)
    const records = await readRecords(starting)
    if (stopped) return
    const spreadMs = spreadWindowMs(wanted.size)
    for (const access of starting) {
      const lane = startStoreLane(access, shared, {
        phase: phaseOf(access.storeHash),
        spreadMs,
        records: records && (records.get(access.storeHash) ?? new Map<string, JobRecord>()),
      })
      lanes.set(access.storeHash.toLowerCase(), lane)
      log('info', 'store started', { store: access.storeHash })
    }
  }

  // The job records of every store starting, in one statement; unreadable, each lane reads its own.
  const readRecords = (starting: StoreAccess[]) =>
    starting.length === 0
      ? Promise.resolve(undefined)
      : readJobsOf(
          db,
          starting.map((a) => a.storeHash),
        ).catch(() => undefined)

  const refresh = (): Promise<void> =>
    (refreshing ??= directory
      .active()
      .then(async (active) => {
        if (!stopped) await apply(active)
      })
      .finally(() => {
        refreshing = null
      }))

  const safeRefresh = () =>
    refresh().catch((error: unknown) =>
      log('warn', 'could not read the stores; serving the ones known', {
        error: describeError(error),
      }),
    )

  // After a change (an install): a read already under way may have begun before it, so the read
  // that counts starts once that one ends; changes meanwhile share it.
  const refreshAfterChange = () => {
    const running = refreshing
    return running ? running.catch(() => {}).then(safeRefresh) : safeRefresh()
  }

  void safeRefresh()
  const refreshTimer = setInterval(() => void safeRefresh(), options.refreshMs ?? 60_000)

  const pollMs = options.worker?.idleMs ?? 1_000
  const idleStopMs = options.idleStopMs ?? 300_000
  const poller = startPoller(
    db,
    pollMs,
    (due) => {
      for (const [hash, resources] of due) lanes.get(hash.toLowerCase())?.wake(resources)
      for (const lane of lanes.values()) lane.idleStop(idleStopMs)
    },
    log,
  )

  return {
    wake(resources, storeHash, events = 1) {
      shared.batchPace.delivered(events)
      if (storeHash === undefined) {
        for (const lane of lanes.values()) lane.wake(resources)
        return
      }
      const lane = lanes.get(storeHash.toLowerCase())
      if (lane) return lane.wake(resources)
      // A store the receiver knows but this process not yet (added since the last read).
      if (Date.now() - lastWakeRefresh < WAKE_REFRESH_MS) return
      lastWakeRefresh = Date.now()
      void refreshAfterChange().then(() => lanes.get(storeHash.toLowerCase())?.wake(resources))
    },
    storesChanged: () => void refreshAfterChange(),
    stores: () => [...lanes.values()].map((lane) => lane.access.storeHash),
    refresh,
    async stop() {
      stopped = true
      // Batches waiting for their turn start now, so that each lane's worker can end.
      shared.batchPace.stop()
      clearInterval(refreshTimer)
      await poller.stop()
      await refreshing?.catch(() => {})
      for (const hash of [...lanes.keys()]) stopLane(hash, 'serve stopping')
      await Promise.all([...stopping])
    },
    crashed: new Promise<never>(() => {}),
  }
}

/**
 * The window over which jobs overdue at start are spread: a second per store beyond the first, up
 * to an hour (schedule.ts caps it at each job's interval). One store: none, it runs at once.
 */
export function spreadWindowMs(stores: number): number {
  return Math.min(3_600_000, Math.max(0, stores - 1) * 1_000)
}

/**
 * A store's stable slot in each job's interval, as a fraction in [0, 1): a hash of its store hash
 * (in lower case, as the registry keeps it), so it stays the same across restarts and processes.
 */
export function phaseOf(storeHash: string): number {
  const text = storeHash.toLowerCase()
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // FNV-1a's high bits barely differ for names that differ in their last characters (store0001,
  // store0002): MurmurHash3's finalizer mixes every bit into every other.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) / 2 ** 32
}

/** The one query per poll: which stores have events due now, and for which tables. */
function startPoller(
  db: Database,
  everyMs: number,
  onDue: (due: Map<string, Array<string | null>>) => void,
  log: Logger,
) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  let failing = false
  let after: DuePair | null = null
  const tick = async () => {
    try {
      const found = await findDueTables(db, POLL_LIMIT, after ?? undefined)
      after = found.next
      onDue(found.due)
      failing = false
    } catch (error) {
      // The database is away: said once, tried again each poll.
      if (!failing) log('warn', 'could not look for due events', { error: describeError(error) })
      failing = true
    }
  }
  const loop = () => {
    if (stopped) return
    timer = setTimeout(() => {
      running = tick().finally(loop)
    }, everyMs)
  }
  loop()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
