// The Worker's cron and queues are written once, in src/sync/jobs.ts and src/cloudflare/queue.ts;
// wrangler.toml has to say the same (TOML cannot import them), so this test keeps the two from
// drifting. And the cron's plan: which stores' jobs are due, from their records alone.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { DEAD_LETTER_SUFFIX, retryDelaySeconds } from '../../src/cloudflare/queue.ts'
import type { StoreJobRecord } from '../../src/sync/job-state.ts'
import { planStoreJobs, WORKER_CRON } from '../../src/sync/jobs.ts'
import { ROOT } from './wrangler.ts'

const toml = () => readFile(`${ROOT}/wrangler.toml`, 'utf8')

async function wranglerCrons(): Promise<string[]> {
  const line = (await toml()).split('\n').find((l) => /^crons\s*=/.test(l))
  if (!line) throw new Error('wrangler.toml has no `crons = [...]` line under [triggers]')
  return [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string)
}

const SCHEDULE = { incrementalMinutes: 15, couponsMinutes: 60, fullMinutes: 1440, hooksMinutes: 60 }
const NOW = new Date('2026-12-06T12:00:00Z')
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000)

function record(storeHash: string, job: string, fields: Partial<StoreJobRecord>): StoreJobRecord {
  return {
    storeHash,
    job,
    lastStartedAt: null,
    lastFinishedAt: null,
    plannedAt: null,
    queuedAt: null,
    lastStatus: null,
    ...fields,
  }
}

const plan = (records: StoreJobRecord[], withDueEvents: string[] = []) =>
  planStoreJobs({
    stores: ['a', 'b'],
    records,
    withDueEvents: new Set(withDueEvents),
    schedule: SCHEDULE,
    now: NOW,
  })
const names = (jobs: Array<{ storeHash: string; job: string }>) =>
  jobs.map((j) => `${j.storeHash}:${j.job}`).sort()

describe('the Worker cron and queues', () => {
  it('wrangler.toml lists exactly the cron that src/sync/jobs.ts names', async () => {
    expect(await wranglerCrons()).toEqual([WORKER_CRON])
  })

  it('wrangler.toml binds the jobs queue as JOBS and gives it a dead-letter queue the Worker consumes', async () => {
    const text = await toml()
    expect(text).toMatch(/\[\[queues\.producers\]\]\s*\nbinding = "JOBS"/)
    const dead = /dead_letter_queue = "([^"]+)"/.exec(text)?.[1] ?? ''
    expect(dead.endsWith(DEAD_LETTER_SUFFIX)).toBe(true)
    expect(text).toContain(`[[queues.consumers]]\nqueue = "${dead}"`)
  })

  it('retries wait longer each attempt, at most 10 minutes', () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([2, 4, 8, 16])
    expect(retryDelaySeconds(50)).toBeLessThanOrEqual(600)
  })
})

describe("the cron's plan", () => {
  it('a new store gets its backfill, snapshot sweep and hook check now; its full reconciliation is planned for later', () => {
    const { due, planned } = plan([])
    expect(names(due)).toEqual([
      'a:hooks',
      'a:incremental',
      'a:snapshot',
      'b:hooks',
      'b:incremental',
      'b:snapshot',
    ])
    expect(names(planned)).toEqual(['a:full', 'b:full'])
  })

  it('a job is due its interval after its last run; the full one a day after it was planned', () => {
    const records = [
      record('a', 'incremental', { lastFinishedAt: minutesAgo(16) }),
      record('a', 'snapshot', { lastFinishedAt: minutesAgo(30) }),
      record('a', 'hooks', { lastFinishedAt: minutesAgo(30) }),
      record('a', 'full', { plannedAt: minutesAgo(1441) }),
      record('b', 'incremental', { lastFinishedAt: minutesAgo(5) }),
      record('b', 'snapshot', { lastFinishedAt: minutesAgo(61) }),
      record('b', 'hooks', { lastFinishedAt: minutesAgo(1) }),
      record('b', 'full', { plannedAt: minutesAgo(60) }),
    ]
    expect(names(plan(records).due)).toEqual(['a:full', 'a:incremental', 'b:snapshot'])
  })

  it('a job queued and not started since is not sent again until its message is overdue', () => {
    const old = { lastFinishedAt: minutesAgo(100), lastStartedAt: minutesAgo(100) }
    const records = [
      record('a', 'incremental', { ...old, queuedAt: minutesAgo(1) }),
      record('a', 'snapshot', { ...old, queuedAt: minutesAgo(20) }),
      record('a', 'hooks', { ...old, queuedAt: minutesAgo(1), lastStartedAt: minutesAgo(0.5) }),
      record('a', 'full', { plannedAt: minutesAgo(10) }),
      record('b', 'incremental', { lastFinishedAt: minutesAgo(1) }),
      record('b', 'snapshot', { lastFinishedAt: minutesAgo(1) }),
      record('b', 'hooks', { lastFinishedAt: minutesAgo(1) }),
      record('b', 'full', { plannedAt: minutesAgo(10) }),
    ]
    expect(names(plan(records).due)).toEqual(['a:hooks', 'a:snapshot'])
  })

  it('a store with due inbox events gets a drain, once while it waits in the queue', () => {
    const quiet = ['incremental', 'snapshot', 'hooks'].map((job) =>
      record('b', job, { lastFinishedAt: minutesAgo(1) }),
    )
    const full = record('b', 'full', { plannedAt: minutesAgo(1) })
    expect(names(plan([...quiet, full], ['b']).due).filter((n) => n.startsWith('b'))).toEqual([
      'b:drain',
    ])
    const queued = record('b', 'drain', { queuedAt: minutesAgo(0.5) })
    expect(
      names(plan([...quiet, full, queued], ['b']).due).filter((n) => n.startsWith('b')),
    ).toEqual([])
  })
})
