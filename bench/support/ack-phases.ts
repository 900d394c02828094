// The acknowledgement phases of bench/webhooks.ts for one running `serve` (a "side"): sustained
// load at an offered rate and saturation, each with the CPU that serve and its PostgreSQL
// backends spent per delivery. `--compare` runs them on two sides in turn.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type postgres from 'postgres'
import { procStatField } from '../../src/node/proc-stat.ts'
import type { LoadOptions, LoadResult } from './delivery-load.ts'

export interface Side {
  label: string
  serve: { child: ChildProcess; url: string }
  /** The side's scratch database on PostgreSQL; null on the embedded database. */
  sql: postgres.Sql | null
  /** When serve last logged a worker batch (the embedded side's only sign of work). */
  lastBatchAt: number
}

export interface PhaseFigures {
  ackRate: number
  p50: number
  p99: number
  max: number
  failed: number
  failures: Record<string, number>
  result: LoadResult
  /** CPU seconds over the phase, its warm-up included. */
  serveCpu: number
  postgresCpu: number
  /** Transactions committed in the side's database over the phase (PostgreSQL only). */
  commits: number
  /** The whole machine over the phase: busy and stolen (by the hypervisor) shares of its CPU. */
  host: HostShares
}

export interface HostShares {
  busy: number
  steal: number
}

/** The machine's CPU time so far, all cores, in /proc/stat's ticks (Linux); null elsewhere. */
function hostTicks(): { total: number; idle: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    const [, ...fields] = line.trim().split(/\s+/)
    const ticks = fields.slice(0, 8).map(Number)
    const total = ticks.reduce((a, b) => a + b, 0)
    return { total, idle: (ticks[3] ?? 0) + (ticks[4] ?? 0), steal: ticks[7] ?? 0 }
  } catch {
    return null
  }
}

/**
 * What share of the machine's CPU was busy, and what share the hypervisor took for other guests
 * (steal), between two readings: on a shared virtual machine steal varies from run to run and
 * moves tail latencies with it, so each phase prints it beside its figures.
 */
function hostShares(
  before: ReturnType<typeof hostTicks>,
  after: ReturnType<typeof hostTicks>,
): HostShares {
  const total = before && after ? after.total - before.total : 0
  if (!before || !after || total <= 0) return { busy: Number.NaN, steal: Number.NaN }
  const idle = after.idle - before.idle
  const steal = after.steal - before.steal
  return { busy: (total - idle - steal) / total, steal: steal / total }
}

/**
 * CPU seconds (utime + stime) a process or thread has used so far, from its /proc stat file
 * (Linux); throws when it is gone.
 */
export function statCpuSeconds(path: string): number {
  return (Number(procStatField(path, 14)) + Number(procStatField(path, 15))) / 100
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN when gone. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    return statCpuSeconds(`/proc/${pid}/stat`)
  } catch {
    return Number.NaN
  }
}

/** CPU seconds of each thread of a process so far, by thread id (Linux). */
export function threadCpu(pid: number | undefined): Map<number, number> {
  const byThread = new Map<number, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      byThread.set(Number(tid), statCpuSeconds(`/proc/${pid}/task/${tid}/stat`))
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byThread
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}
export const ms = (n: number) => `${n.toFixed(2)} ms`

const LOAD_SCRIPT = fileURLToPath(new URL('./delivery-load.ts', import.meta.url))
let loadRuns = 0

/**
 * Deliveries from a process of their own (delivery-load.ts): `rate` a second (open loop) or
 * `concurrency` always in flight (closed loop), for `seconds` after `warmupSeconds`.
 */
export async function runLoad(
  base: Pick<LoadOptions, 'url' | 'secret' | 'hot' | 'stores' | 'signingSecret'>,
  mode: { rate: number } | { concurrency: number },
  seconds: number,
  warmupSeconds: number,
): Promise<LoadResult> {
  loadRuns += 1
  const options: LoadOptions = {
    ...base,
    rate: 'rate' in mode ? mode.rate : 0,
    concurrency: 'concurrency' in mode ? mode.concurrency : undefined,
    seconds,
    warmupSeconds,
    tag: `load-${process.pid}-${loadRuns}`,
  }
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  // A sender that dies (out of sockets, say) ends the run with its exit code, not a hang.
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the load generator exited with ${code} before its result`)
  })
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string]
  return JSON.parse(line) as LoadResult
}

/**
 * CPU seconds of each PostgreSQL backend serving the side's database, by pid. Only that
 * database's backends count: other people's work on a shared server stays out of the figure.
 */
async function backendCpu(sql: postgres.Sql | null): Promise<Map<number, number>> {
  const byPid = new Map<number, number>()
  if (!sql) return byPid
  const rows = await sql`
    select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`
  for (const { pid } of rows) byPid.set(Number(pid), cpuSeconds(Number(pid)))
  return byPid
}

async function committed(sql: postgres.Sql | null): Promise<number> {
  if (!sql) return 0
  // The statistics collector reports at most twice a second; let it catch up first.
  await sleep(600)
  await sql`select pg_stat_clear_snapshot()`
  const [row] = await sql`
    select xact_commit::float8 as n from pg_stat_database where datname = current_database()`
  return Number(row?.n ?? 0)
}

/** Runs one load phase against `side` and measures its acknowledgements and CPU. */
export async function measurePhase(
  side: Side,
  load: (url: string) => Promise<LoadResult>,
): Promise<PhaseFigures> {
  const commitsBefore = await committed(side.sql)
  const serveBefore = cpuSeconds(side.serve.child.pid)
  const backendsBefore = await backendCpu(side.sql)
  const hostBefore = hostTicks()
  const result = await load(side.serve.url)
  const host = hostShares(hostBefore, hostTicks())
  const serveCpu = cpuSeconds(side.serve.child.pid) - serveBefore
  let postgresCpu = 0
  for (const [pid, cpu] of await backendCpu(side.sql)) {
    if (Number.isFinite(cpu)) postgresCpu += cpu - (backendsBefore.get(pid) ?? 0)
  }
  const commits = (await committed(side.sql)) - commitsBefore
  const { latencies } = result
  return {
    ackRate: latencies.length / result.elapsedSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    failed: result.failed,
    failures: result.failures,
    result,
    serveCpu,
    postgresCpu,
    commits,
    host,
  }
}

/** The CPU line of a phase: serve's and PostgreSQL's seconds and microseconds per delivery. */
export function describeCpu(figures: PhaseFigures, embedded: boolean): string {
  const { serveCpu, postgresCpu, result, commits } = figures
  const each = (seconds: number) => `${((seconds * 1e6) / Math.max(1, result.sent)).toFixed(0)} µs`
  return (
    `  CPU for ${result.sent} deliveries (warm-up included): serve ${serveCpu.toFixed(2)} s (${each(serveCpu)} each, worker${embedded ? ' and PGlite' : ''} included)` +
    (embedded
      ? ''
      : `, its PostgreSQL backends ${postgresCpu.toFixed(2)} s (${each(postgresCpu)} each), ` +
        `${(commits / Math.max(1, result.sent)).toFixed(2)} transactions per delivery`) +
    `; load generator ${result.cpuSeconds.toFixed(2)} s; ${describeHost(figures.host)}`
  )
}

const percent = (share: number, digits = 0) => `${(share * 100).toFixed(digits)}%`

/** The machine's side of a phase line: how busy it was, and how much the hypervisor took. */
export function describeHost({ busy, steal }: HostShares): string {
  if (!Number.isFinite(busy)) return 'machine CPU not known (no /proc/stat)'
  return `machine CPU ${percent(busy)} busy, ${percent(steal, 1)} stolen by the hypervisor`
}

/** Until no pending event is left: from the table on PostgreSQL, else once the worker is quiet. */
export async function waitForDrain(side: Side, timeoutMs: number): Promise<number> {
  const started = performance.now()
  if (side.sql) {
    while (performance.now() - started < timeoutMs) {
      const [row] = await side.sql`
        select count(*)::int as n from bigcommerce.webhook_events where status = 'pending'`
      if (row?.n === 0) return performance.now() - started
      await sleep(20)
    }
    throw new Error(`${side.label}: inbox not drained within ${timeoutMs} ms`)
  }
  while (performance.now() - side.lastBatchAt < 2000) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${side.label}: worker busy after ${timeoutMs} ms`)
    await sleep(100)
  }
  return Math.max(0, side.lastBatchAt - started)
}
