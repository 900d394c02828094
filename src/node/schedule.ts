// The periodic jobs of `serve` (sweeps, the hook check), each on its own interval, never two runs
// of one job at a time. Each job's last run is kept in the database (sync/job-state.ts), so the
// plan survives restarts: a job is due its interval after its last run, whoever ran it; a job that
// never ran is due at start when it runs at start (the first incremental sweep is the backfill),
// else one interval after it was first planned. A job that finds the store's sweep lock taken
// tries again a minute later (fleet.ts: after half a job lease). While the store's API refuses
// the token or is out, due jobs wait for the API gate and then for a cheap probe to answer (never
// running a sweep as the probe), and a run that ended with the API down does not count: it runs
// again as soon as the gate reopens.
// With a `phase` (fleet.ts: the store's stable share of each interval, from its hash), a job that
// ran before is due at its store's slot nearest to an interval after its last run, so stores keep
// apart however long they run; one overdue at start waits its slot in the spread window, while a
// first run (the backfill) never waits.
// With a `claim` (fleet.ts: a slot of the process, then the job's lease across servers), a due job
// runs only once claimed, and its record is read again under the claim. stop() aborts what is
// running through its signal and waits for it.
import type { Database } from '../db/database.ts'
import {
  notePlanned,
  noteFinished,
  noteStarted,
  readJob,
  type JobRecord,
} from '../sync/job-state.ts'

import type { JobOutcome } from '../sync/jobs.ts'
export type { JobOutcome }

export interface ScheduledJob {
  name: string
  /** 0 turns the job off. */
  everyMinutes: number
  /** Due at start when it has never run (e.g. the first incremental sweep is the backfill). */
  atStart: boolean
  run(signal: AbortSignal): Promise<JobOutcome>
}

export interface RunningSchedule {
  /** When each planned job runs next (for tests and logs). */
  plan(): Record<string, Date>
  stop(): Promise<void>
}

export interface ScheduleOptions {
  /** Where the jobs' last runs are kept. */
  db: Database
  storeHash: string
  /** The least delay before a job runs after start (let the server settle). Default 0. */
  startDelayMs?: number
  busyRetryMs?: number
  /** How long to hold off the API (the API gate); 0 or absent: go. */
  apiDelayMs?: () => number
  /**
   * Once the gate's wait is over: whether the API answers now (a cheap probe while it was down;
   * api-health.ts createApiProbe). Absent: it does.
   */
  apiReady?: (signal: AbortSignal) => Promise<boolean>
  now?: () => number
  onError: (job: string, error: unknown) => void
  /**
   * Taken before a due job runs and released after (a slot of the process, the job's lease
   * across the fleet); null: not now (taken elsewhere), look again after busyRetryMs. Absent:
   * the job just runs.
   */
  claim?: (job: string, signal: AbortSignal) => Promise<{ release(): Promise<void> } | null>
  /**
   * This store's slot, a fraction [0, 1) of each job's interval: slots are every interval at
   * phase × interval from the epoch, and a job that ran before is due at the slot nearest to an
   * interval after its last run. Absent: due exactly an interval after its last run.
   */
  phase?: number
  /**
   * With a phase: a job overdue at start (the process was down) waits for its store's slot in a
   * window this long (capped at the job's interval), so stores started together do not all read
   * at once. Default 0: overdue jobs run at start.
   */
  spreadMs?: number
  /**
   * The jobs' records, read beforehand for many stores at once (job-state.ts readJobsOf); a job
   * absent from it has none. Absent: each job's record is read at start.
   */
  records?: ReadonlyMap<string, JobRecord>
}

export const BUSY_RETRY_MS = 60_000
/** While the API is down, a due job looks again at least this often. */
const API_RECHECK_MS = 1_000
/** setTimeout's longest delay; a job further away is simply woken and re-planned. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * When a job is due, from its record: an interval after its last run (or first plan), else now;
 * with a phase, the store's slot nearest to that.
 */
export function dueAt(
  job: ScheduledJob,
  record: JobRecord | null,
  now: number,
  phase?: number,
): number {
  const basis = record?.lastFinishedAt ?? (job.atStart ? null : record?.plannedAt)
  if (!basis) return now
  const intervalMs = job.everyMinutes * 60_000
  const due = basis.getTime() + intervalMs
  return phase === undefined ? due : nearestSlot(due, intervalMs, phase)
}

/** The slot (every periodMs, at phase × periodMs from the epoch) nearest to `at`. */
export function nearestSlot(at: number, periodMs: number, phase: number): number {
  const offset = phase * periodMs
  return Math.round((at - offset) / periodMs) * periodMs + offset
}

/** How long from `now` until the next slot of this phase in a window of windowMs; 0 without one. */
export function untilSlot(now: number, windowMs: number, phase: number): number {
  if (windowMs <= 0) return 0
  const wait = (phase * windowMs - (now % windowMs)) % windowMs
  return wait < 0 ? wait + windowMs : wait
}

/** One running schedule: its settings, and the timers and runs that stop() must end. */
interface Scheduler {
  db: Database
  storeHash: string
  now: () => number
  phase: number | undefined
  apiDelayMs: () => number
  apiReady: (signal: AbortSignal) => Promise<boolean>
  busyRetryMs: number
  onError: ScheduleOptions['onError']
  claim: NonNullable<ScheduleOptions['claim']>
  controller: AbortController
  timers: Set<ReturnType<typeof setTimeout>>
  running: Set<Promise<void>>
  /** The run of each job under way now, by job name. */
  executing: Map<string, Promise<void>>
  /** How many runs have ended: a busy run asks whether its lock holder ended meanwhile. */
  runsEnded: number
  planned: Map<string, Date>
}

export function startSchedule(jobs: ScheduledJob[], options: ScheduleOptions): RunningSchedule {
  const scheduler: Scheduler = {
    db: options.db,
    storeHash: options.storeHash,
    now: options.now ?? Date.now,
    phase: options.phase,
    apiDelayMs: options.apiDelayMs ?? (() => 0),
    apiReady: options.apiReady ?? (async () => true),
    busyRetryMs: options.busyRetryMs ?? BUSY_RETRY_MS,
    onError: options.onError,
    claim: options.claim ?? (async () => ({ release: async () => {} })),
    controller: new AbortController(),
    timers: new Set(),
    running: new Set(),
    executing: new Map(),
    runsEnded: 0,
    planned: new Map(),
  }
  const startDelayMs = options.startDelayMs ?? 0
  const starting = Promise.all(
    jobs
      .filter((job) => job.everyMinutes > 0)
      .map((job) =>
        planAtStart(scheduler, job, startDelayMs, options).catch((error: unknown) => {
          // No database at start: plan as if new; the run re-reads the record anyway.
          options.onError(job.name, error)
          plan(scheduler, job, scheduler.busyRetryMs)
        }),
      ),
  )
  return {
    plan: () => Object.fromEntries(scheduler.planned),
    async stop() {
      scheduler.controller.abort()
      await starting
      for (const timer of scheduler.timers) clearTimeout(timer)
      scheduler.timers.clear()
      await Promise.allSettled([...scheduler.running])
    },
  }
}

function plan(scheduler: Scheduler, job: ScheduledJob, delayMs: number) {
  const { controller, planned, timers, running, now } = scheduler
  if (controller.signal.aborted) return
  planned.set(job.name, new Date(now() + delayMs))
  const timer = setTimeout(
    () => {
      timers.delete(timer)
      const run = execute(scheduler, job).catch((error: unknown) => {
        // The database failed while reading or noting the job: try again a minute later.
        if (!controller.signal.aborted) scheduler.onError(job.name, error)
        plan(scheduler, job, scheduler.busyRetryMs)
      })
      running.add(run)
      scheduler.executing.set(job.name, run)
      // Only bookkeeping: stop() waits for `running`, and run never rejects (caught above).
      void run.finally(() => {
        running.delete(run)
        scheduler.runsEnded += 1
        if (scheduler.executing.get(job.name) === run) scheduler.executing.delete(job.name)
      })
    },
    Math.min(MAX_TIMER_MS, Math.max(0, delayMs)),
  )
  timers.add(timer)
}

async function execute(scheduler: Scheduler, job: ScheduledJob) {
  const { db, storeHash, now, controller } = scheduler
  // Another process (or an earlier life of this one) may have run it meanwhile.
  const due = dueAt(job, await readJob(db, storeHash, job.name), now(), scheduler.phase)
  if (due > now() + 1_000) return plan(scheduler, job, due - now())
  const wait = scheduler.apiDelayMs()
  if (wait > 0) return plan(scheduler, job, Math.max(API_RECHECK_MS, wait))
  // The API was down: a probe, not this job, finds out whether it answers again.
  if (!(await scheduler.apiReady(controller.signal)))
    return plan(scheduler, job, Math.max(API_RECHECK_MS, scheduler.apiDelayMs()))

  const claimed = await scheduler.claim(job.name, controller.signal)
  if (!claimed) return plan(scheduler, job, scheduler.busyRetryMs)
  try {
    await runClaimed(scheduler, job)
  } finally {
    await claimed.release()
  }
}

async function runClaimed(scheduler: Scheduler, job: ScheduledJob) {
  const { db, storeHash, now, controller } = scheduler
  // Read again under the claim: another process may have finished it while this one waited.
  const due = dueAt(job, await readJob(db, storeHash, job.name), now(), scheduler.phase)
  if (due > now() + 1_000) return plan(scheduler, job, due - now())
  await noteStarted(db, storeHash, job.name, new Date(now()))
  // Counted before the run: a lock holder that ends before this run is noted is still seen.
  const endedBefore = scheduler.runsEnded
  const { outcome, error } = await runJob(job, controller.signal)
  if (controller.signal.aborted) {
    await noteFinished(db, storeHash, job.name, {
      at: new Date(now()),
      status: 'stopped',
      counts: false,
    })
    return
  }
  await finishRun(scheduler, job, outcome, error, endedBefore)
}

/** The runs of this schedule's other jobs under way now. */
function othersExecuting(scheduler: Scheduler, job: ScheduledJob): Array<Promise<void>> {
  return [...scheduler.executing].filter(([name]) => name !== job.name).map(([, run]) => run)
}

async function runJob(
  job: ScheduledJob,
  signal: AbortSignal,
): Promise<{ outcome: JobOutcome | 'failed'; error: unknown }> {
  try {
    return { outcome: await job.run(signal), error: undefined }
  } catch (caught) {
    return { outcome: 'failed', error: caught }
  }
}

/** Note how the run ended and plan the next one. */
async function finishRun(
  scheduler: Scheduler,
  job: ScheduledJob,
  outcome: JobOutcome | 'failed',
  error: unknown,
  endedBefore: number,
) {
  const { db, storeHash, now } = scheduler
  // A run that met a refused token or an outage did not do its work: due again once the API is.
  const apiDown = scheduler.apiDelayMs() > 0
  // The API's own state line already says why; one more line per try would only repeat it.
  if (error !== undefined && !apiDown) scheduler.onError(job.name, error)
  const status = apiDown ? 'api unavailable' : outcome
  const counts = !apiDown && outcome !== 'busy'
  const message =
    error instanceof Error ? error.message : error === undefined ? undefined : String(error)
  await noteFinished(db, storeHash, job.name, {
    at: new Date(now()),
    status,
    error: message,
    counts,
  })
  if (apiDown) return plan(scheduler, job, Math.max(API_RECHECK_MS, scheduler.apiDelayMs()))
  // Busy because another job of this process holds the sweep lock (the backfill at start): run
  // as soon as it ends (at once if it already has) rather than a minute later.
  const others = othersExecuting(scheduler, job)
  if (outcome === 'busy' && (others.length > 0 || scheduler.runsEnded !== endedBefore)) {
    void Promise.allSettled(others).then(() => plan(scheduler, job, 0))
    return
  }
  if (outcome === 'busy')
    return plan(scheduler, job, Math.min(job.everyMinutes * 60_000, scheduler.busyRetryMs))
  const finished: JobRecord = {
    lastStartedAt: null,
    lastFinishedAt: new Date(now()),
    plannedAt: null,
  }
  plan(scheduler, job, dueAt(job, finished, now(), scheduler.phase) - now())
}

async function planAtStart(
  scheduler: Scheduler,
  job: ScheduledJob,
  startDelayMs: number,
  options: Pick<ScheduleOptions, 'records' | 'spreadMs'>,
) {
  const { db, storeHash, now, phase } = scheduler
  let record = options.records
    ? (options.records.get(job.name) ?? null)
    : await readJob(db, storeHash, job.name)
  if (!record && !job.atStart) {
    await notePlanned(db, storeHash, job.name, new Date(now()))
    record = await readJob(db, storeHash, job.name)
  }
  let delay = dueAt(job, record, now(), phase) - now()
  // Overdue at start (the process was down): wait for the store's slot in the spread window, so
  // a thousand stores do not all read at once. A first run (the backfill) never waits.
  const firstRun = job.atStart && !record?.lastFinishedAt
  if (delay <= 0 && !firstRun && phase !== undefined) {
    const windowMs = Math.min(options.spreadMs ?? 0, job.everyMinutes * 60_000)
    delay = untilSlot(now(), windowMs, phase)
  }
  plan(scheduler, job, Math.max(startDelayMs, delay))
}
