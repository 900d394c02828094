// The schedule of `serve` across restarts, on a real database with a clock the test moves: a job
// is due its interval after its last run, whoever ran it, so restarts neither rerun a recent job
// nor postpone the daily full reconciliation forever; the first incremental sweep of a new mirror
// runs at start; while the API gate is closed, due jobs wait (then for a probe that answers: no
// job serves as the probe), and a run that met the API down does not count as the job's last run.
import { expect, it } from 'vitest'
import {
  startSchedule,
  untilSlot,
  type RunningSchedule,
  type ScheduledJob,
} from '../../src/node/schedule.ts'
import { readJob, readJobsOf, type JobRecord } from '../../src/sync/job-state.ts'
import { describeEachDatabase } from '../support/databases.ts'

const MINUTE = 60_000
const T0 = Date.parse('2026-03-01T00:00:00Z')

describeEachDatabase('schedule across restarts', (ctx) => {
  let clock = T0
  const runs: Record<string, number> = { incremental: 0, full: 0 }
  let apiDelay = 0
  let apiAnswers = true
  let probes = 0
  const job = (name: string, everyMinutes: number, atStart: boolean): ScheduledJob => ({
    name,
    everyMinutes,
    atStart,
    async run() {
      runs[name] = (runs[name] ?? 0) + 1
      return 'done'
    },
  })
  const jobs = () => [job('incremental', 15, true), job('full', 1440, false)]

  /** One life of the process: start, let what is due run, stop. */
  async function life(expectRuns: Record<string, number>): Promise<Record<string, Date>> {
    const schedule: RunningSchedule = startSchedule(jobs(), {
      db: ctx.db,
      storeHash: 'sched1',
      now: () => clock,
      apiDelayMs: () => apiDelay,
      apiReady: async () => {
        probes += 1
        return apiAnswers
      },
      onError: (name, error) => {
        throw new Error(`${name}: ${String(error)}`)
      },
    })
    try {
      await expect.poll(() => ({ ...runs })).toEqual(expectRuns)
      // Settled: every job planned ahead of the clock.
      await expect
        .poll(() => {
          const planned = Object.values(schedule.plan())
          return planned.length === 2 && planned.every((at) => at.getTime() > clock)
        })
        .toBe(true)
      return schedule.plan()
    } finally {
      await schedule.stop()
    }
  }

  it('runs the backfill at the first start, then each job when due, whatever the restarts', async () => {
    // A new mirror: the incremental sweep runs at once; the full one is a day away.
    let plan = await life({ incremental: 1, full: 0 })
    expect(plan.full?.getTime()).toBe(T0 + 1440 * MINUTE)
    expect(plan.incremental?.getTime()).toBe(T0 + 15 * MINUTE)

    // Restarted every 10 minutes for a day: each job runs once per interval, no more.
    for (let restart = 1; restart <= 144; restart++) {
      clock = T0 + restart * 10 * MINUTE + 1
      const due = {
        // Due 15 minutes after its last run: every other restart.
        incremental: Math.floor(restart / 2) + 1,
        full: restart * 10 >= 1440 ? 1 : 0,
      }
      plan = await life(due)
    }
    expect(runs).toEqual({ incremental: 73, full: 1 })
    // The full run counted from when it ran, not from the last start.
    expect(plan.full?.getTime()).toBe(T0 + 1440 * MINUTE + 1 + 1440 * MINUTE)
    const record = await readJob(ctx.db, 'sched1', 'full')
    expect(record?.lastFinishedAt?.getTime()).toBe(T0 + 1440 * MINUTE + 1)
  }, 120_000)

  it('holds due jobs while the API gate is closed, and runs them once it opens', async () => {
    clock += 1441 * MINUTE
    const before = { ...runs }
    apiDelay = 30_000
    const plan = await life(before)
    expect(plan.incremental?.getTime()).toBe(clock + 30_000)
    expect(plan.full?.getTime()).toBe(clock + 30_000)
    apiDelay = 0
    await life({ incremental: (before.incremental ?? 0) + 1, full: (before.full ?? 0) + 1 })
  })

  it('once the wait is over, runs no job until the probe finds the API answering', async () => {
    clock += 1441 * MINUTE
    const before = { ...runs }
    apiAnswers = false // the token is still refused
    probes = 0
    const plan = await life(before)
    // Asked, and planned again a second later (the gate's next wait) instead of run.
    expect(probes).toBeGreaterThanOrEqual(2)
    expect(plan.incremental?.getTime()).toBe(clock + 1_000)
    apiAnswers = true
    await life({ incremental: (before.incremental ?? 0) + 1, full: (before.full ?? 0) + 1 })
  })

  it('a job that finds the sweep lock held by another job of this process runs as soon as that one ends', async () => {
    let releaseBackfill = () => {}
    let backfillLocked = () => {}
    const lockTaken = new Promise<void>((resolve) => (backfillLocked = resolve))
    const order: string[] = []
    let locked = false
    const sweep = (name: string, hold: boolean): ScheduledJob => ({
      name,
      everyMinutes: 5,
      atStart: true,
      async run() {
        // Both are due at start; the backfill takes the lock first, as it does in serve.
        if (!hold) await lockTaken
        if (locked) {
          order.push(`${name} busy`)
          return 'busy'
        }
        locked = true
        order.push(name)
        if (hold) {
          backfillLocked()
          await new Promise<void>((resolve) => (releaseBackfill = resolve))
        }
        locked = false
        return 'done'
      },
    })
    const schedule = startSchedule([sweep('backfill', true), sweep('coupons-now', false)], {
      db: ctx.db,
      storeHash: 'sched2',
      now: () => clock,
      // A minute's wait (the default) would outlast this test: it must not be what runs it.
      busyRetryMs: 3_600_000,
      onError: (name, error) => {
        throw new Error(`${name}: ${String(error)}`)
      },
    })
    try {
      await expect.poll(() => order).toEqual(['backfill', 'coupons-now busy'])
      releaseBackfill()
      await expect.poll(() => order).toEqual(['backfill', 'coupons-now busy', 'coupons-now'])
    } finally {
      releaseBackfill()
      await schedule.stop()
    }
  })

  /**
   * The backfill holds the sweep lock until the coupon sweep has found it taken; that busy run
   * ends only after the backfill's run is over (planned again, then forgotten). Waits for the runs
   * in `expected` order; answers whether the coupon sweep started before the backfill.
   */
  async function raceForTheLock(
    storeHash: string,
    expected: string[],
    records?: ReadonlyMap<string, JobRecord>,
  ): Promise<boolean> {
    const order: string[] = []
    let locked = false
    let couponsFirst: boolean | undefined
    let schedule: RunningSchedule | undefined
    const backfillPlannedAgain = () => schedule?.plan().backfill?.getTime() === clock + 5 * 60_000
    const jobs: ScheduledJob[] = [
      {
        name: 'backfill',
        everyMinutes: 5,
        atStart: true,
        async run() {
          locked = true
          order.push('backfill')
          await expect.poll(() => order).toContain('coupons-now busy')
          locked = false
          return 'done'
        },
      },
      {
        name: 'coupons-now',
        everyMinutes: 5,
        atStart: true,
        async run() {
          couponsFirst ??= order.length === 0
          await expect.poll(() => locked || order.includes('coupons-now busy')).toBe(true)
          if (!locked) {
            order.push('coupons-now')
            return 'done'
          }
          order.push('coupons-now busy')
          await expect.poll(backfillPlannedAgain).toBe(true)
          await new Promise((resolve) => setTimeout(resolve, 50))
          return 'busy'
        },
      },
    ]
    schedule = startSchedule(jobs, {
      db: ctx.db,
      storeHash,
      now: () => clock,
      records,
      busyRetryMs: 3_600_000,
      onError: (name, error) => {
        throw new Error(`${name}: ${String(error)}`)
      },
    })
    try {
      await expect.poll(() => order, { timeout: 10_000 }).toEqual(expected)
    } finally {
      await schedule.stop()
    }
    return couponsFirst === true
  }

  it('so does one whose lock holder ends while the busy run is still being noted', async () => {
    // The race behind a demo run that swept coupons 15 s late: the backfill finished between the
    // coupon sweep finding the lock taken and the scheduler asking what else was running.
    await raceForTheLock('sched3', ['backfill', 'coupons-now busy', 'coupons-now'])
  })

  it('so does one whose lock holder started after it did and ended before it was noted', async () => {
    // The coupon sweep starts first; the backfill, due 300 ms later, takes the lock before the
    // coupon sweep tries it and is over before the coupon sweep's busy run ends.
    const backfillDueSoon: JobRecord = {
      lastStartedAt: null,
      lastFinishedAt: new Date(clock - 5 * MINUTE + 300),
      plannedAt: null,
    }
    const couponsFirst = await raceForTheLock(
      'sched4',
      ['backfill', 'coupons-now busy', 'coupons-now'],
      new Map([['backfill', backfillDueSoon]]),
    )
    expect(couponsFirst).toBe(true)
  })

  it("with a store's slot: the backfill runs at once, then each run keeps to the slot; overdue at start, the job waits for its slot in the spread window", async () => {
    const phase = 0.4
    const period = 15 * MINUTE
    let now = T0 + 3 * period + 0.1 * period // the store's slot in this interval is at 0.4
    let ran = 0
    const sweep: ScheduledJob = {
      name: 'incremental',
      everyMinutes: 15,
      atStart: true,
      async run() {
        ran += 1
        now += 90_000 // a sweep that takes a minute and a half
        return 'done'
      },
    }
    const start = (records?: ReadonlyMap<string, JobRecord>) =>
      startSchedule([sweep], {
        db: ctx.db,
        storeHash: 'sched4',
        now: () => now,
        phase,
        spreadMs: 10 * MINUTE,
        records,
        onError: (name, error) => {
          throw new Error(`${name}: ${String(error)}`)
        },
      })
    // Never swept (the records read beforehand have none): the backfill runs at once.
    let schedule = start(new Map())
    await expect.poll(() => ran).toBe(1)
    // Next: the slot nearest to 15 minutes after it ended, not 15 minutes after it ended.
    await expect
      .poll(() => schedule.plan().incremental?.getTime())
      .toBe(T0 + 4 * period + 0.4 * period)
    await schedule.stop()

    // Down for a day: overdue at start, it waits for its slot in the 10-minute window.
    now = T0 + 100 * period
    const records = (await readJobsOf(ctx.db, ['sched4'])).get('sched4')
    expect(records?.get('incremental')?.lastFinishedAt).not.toBeNull()
    schedule = start(records)
    await expect.poll(() => schedule.plan().incremental?.getTime()).toBe(now + 4 * MINUTE)
    expect(untilSlot(now, 10 * MINUTE, phase)).toBe(4 * MINUTE)
    expect(ran).toBe(1)
    await schedule.stop()
  })
})
