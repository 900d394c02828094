// The periodic jobs of `serve` (sweeps, the hook check), each on its own interval, never two runs
// of one job at a time. A job that finds the store's sweep lock taken (another process, or another
// of our jobs, is sweeping) tries again a minute later instead of waiting a whole interval.
// stop() aborts what is running through its signal and waits for it to wind down.

export type JobOutcome = 'done' | 'busy'

export interface ScheduledJob {
  name: string
  /** 0 turns the job off. */
  everyMinutes: number
  /** Run once right after start (e.g. the first incremental sweep is the backfill). */
  atStart: boolean
  run(signal: AbortSignal): Promise<JobOutcome>
}

export interface RunningSchedule {
  stop(): Promise<void>
}

export const BUSY_RETRY_MS = 60_000

export function startSchedule(
  jobs: ScheduledJob[],
  onError: (job: string, error: unknown) => void,
  options: { startDelayMs?: number; busyRetryMs?: number } = {},
): RunningSchedule {
  const controller = new AbortController()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const running = new Set<Promise<void>>()
  const busyRetryMs = options.busyRetryMs ?? BUSY_RETRY_MS

  function plan(job: ScheduledJob, delayMs: number) {
    if (controller.signal.aborted) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      const run = execute(job)
      running.add(run)
      void run.finally(() => running.delete(run))
    }, delayMs)
    timers.add(timer)
  }

  async function execute(job: ScheduledJob) {
    const intervalMs = job.everyMinutes * 60_000
    let nextMs = intervalMs
    try {
      if ((await job.run(controller.signal)) === 'busy') nextMs = Math.min(intervalMs, busyRetryMs)
    } catch (error) {
      if (!controller.signal.aborted) onError(job.name, error)
    }
    plan(job, nextMs)
  }

  for (const job of jobs) {
    if (job.everyMinutes <= 0) continue
    plan(job, job.atStart ? (options.startDelayMs ?? 0) : job.everyMinutes * 60_000)
  }

  return {
    async stop() {
      controller.abort()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await Promise.allSettled([...running])
    },
  }
}
