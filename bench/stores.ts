// Many stores in one serve: the real `bc-mirror serve` in app mode on PostgreSQL, the simulated
// stores in a process of their own (one server, many stores: bench/stores-sim.ts), deliveries
// from a process of their own (support/delivery-load.ts), all over 127.0.0.1.
//
//   npm run bench:stores [-- --stores 200 --big-rows 150000 --seconds 30 --rate 2000]
//   npm run bench:stores -- --stores 20 --big-rows 20000 --seconds 10 --idle-stores 200  # ~2 min
//   npm run bench:stores -- --idle-only [--compare main]                 # the idle serves, ~4 min
//   npm run bench:stores -- --acks-only   # the small stores and the acknowledgement phases only
//   BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:stores -- --acks-only
//   BENCH_LOG_STATEMENTS=1 npm run bench:stores -- --acks-only   # PostgreSQL logs each statement
//
// The run, in order:
// 1. `--stores - 1` small stores installed through the app (GET /bigcommerce/auth with the code
//    the simulated merchant got: serve exchanges it, registers the store, makes its hooks and
//    backfills it), `--install-concurrency` at a time; their backfills awaited.
// 2. The big store (`--big-rows` rows: 40% orders, 30% customers, 25% products, 5% coupons)
//    installed the same way; while its backfill runs:
//    a. event to row: for `--seconds`, merchants change a product's price in small stores, round
//       robin (`--e2r-concurrency` changes in flight); the simulated store delivers the signed
//       webhook to serve, and the time runs from the change until the new price is in the table;
//    b. install to first rows: `--installs` stores never seen before installed one at a time,
//       from the GET of the auth callback until a row of that store is in any table;
//    c. acknowledgements at `--rate` deliveries a second for `--ack-seconds` (after
//       `--warmup-seconds` not counted), signed, spread over the small stores round robin; then
//       saturation (`--concurrency` in flight for 5 s). Each with serve's and its PostgreSQL
//       backends' CPU per delivery.
//    Each phase says whether the big backfill was still running at its end.
// 3. serve's resident size (VmRSS, and its peak VmHWM) after that.
// 4. Idle stores (`--idle-only` runs just these): `--idle-stores` stores registered, each a store
//    of its own in the simulator with no rows, twice, each time a new serve on a database of its
//    own: a. every job ran a minute ago (a restart: nothing due, a lane each and nothing else;
//    bench/fleet-idle.ts measures the lanes alone); b. every job ran three hours ago (a restart
//    after a long stop: everything overdue, spread by each store's slot). For each: the API
//    requests serve sent (and to how many stores) and the database transactions it committed in
//    its first minute, and its resident size at the end of that minute. With `--compare REF`, each
//    idle serve is also run from that commit (built in a temporary worktree, bench/support/
//    commit-worktree.ts), on the same stores.
//    With --acks-only, steps 2 and 3 and the idle stores are left out: the acknowledgement phases
//    run once the small stores are backfilled.
//
// A scratch database per serve on BENCH_DATABASE_URL (default the local server), dropped at the
// end. Prints figures and the machine's load average; asserts nothing.
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { migrateDatabase } from '../src/db/migrate.ts'
import { openPostgres } from '../src/db/postgres.ts'
import type { ResourceName } from '../src/db/schema.ts'
import type { SimStats } from '../src/sim/index.ts'
import { registerStore } from '../src/stores/registry.ts'
import { importTokenKeys } from '../src/stores/token-crypto.ts'
import { freePort } from '../test/support/ports.ts'
import {
  cpuSeconds,
  describeCpu,
  measurePhase,
  ms,
  percentile,
  runLoad,
  sleep,
  threadCpu,
  waitForDrain,
  type Side,
} from './support/ack-phases.ts'
import {
  emptyBatchTally,
  tallyBatch,
  type BatchTally,
  type WorkerBatchEntry,
} from './support/batch-tally.ts'
import { checkoutCommit, type CommitCheckout } from './support/commit-worktree.ts'
import { markJobsRan } from './support/idle-stores.ts'
import { startServeProcess } from './support/serve-process.ts'

const { values } = parseArgs({
  options: {
    /** Stores in the first serve, the big one included. */
    stores: { type: 'string', default: '200' },
    'big-rows': { type: 'string', default: '150000' },
    /** Seconds of event-to-row samples during the big backfill. */
    seconds: { type: 'string', default: '30' },
    'e2r-concurrency': { type: 'string', default: '4' },
    rate: { type: 'string', default: '2000' },
    'ack-seconds': { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '3' },
    installs: { type: 'string', default: '5' },
    'install-concurrency': { type: 'string', default: '4' },
    'idle-stores': { type: 'string', default: '1000' },
    /** Seconds the idle serve runs before its requests and size are read. */
    'idle-settle-seconds': { type: 'string', default: '60' },
    'idle-only': { type: 'boolean', default: false },
    /** A commit whose serve also runs the idle phases, for comparison. */
    compare: { type: 'string' },
    'latency-ms': { type: 'string', default: '100' },
    /** Saturation: this many signed deliveries in flight over the small stores for 5 s. */
    concurrency: { type: 'string', default: '32' },
    /** Only the small stores and the acknowledgement phases: no big store, no idle serve. */
    'acks-only': { type: 'boolean', default: false },
  },
})
const figure = (name: string) => {
  const value = Number(values[name as keyof typeof values])
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name}: expected a whole number`)
  return value
}
const STORES = Math.max(2, figure('stores'))
const BIG_ROWS = figure('big-rows')
const SECONDS = figure('seconds')
const E2R_CONCURRENCY = Math.max(1, figure('e2r-concurrency'))
const RATE = Math.max(1, figure('rate'))
const ACK_SECONDS = Math.max(1, figure('ack-seconds'))
const WARMUP = figure('warmup-seconds')
const INSTALLS = figure('installs')
const INSTALL_CONCURRENCY = Math.max(1, figure('install-concurrency'))
const IDLE_STORES = figure('idle-stores')
const IDLE_SETTLE = figure('idle-settle-seconds')
const LATENCY_MS = figure('latency-ms')
const CONCURRENCY = Math.max(1, figure('concurrency'))
const ACKS_ONLY = values['acks-only'] === true

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const CLIENT_ID = 'bench-stores-app'
const CLIENT_SECRET = 'bench-stores-app-secret-0123456789'
const WEBHOOK_SECRET = 'bench-stores-webhook-secret-0123456789'
const TOKEN_KEY = randomBytes(32).toString('hex')
/** A small store: a few rows of each table; products 1..SMALL.products take the webhook traffic. */
const SMALL = { products: 20, customers: 10, orders: 5, coupons: 2 } satisfies Partial<
  Record<ResourceName, number>
>
const SMALL_ROWS = Object.values(SMALL).reduce((a, b) => a + b, 0)
const BIG = {
  orders: Math.round(BIG_ROWS * 0.4),
  customers: Math.round(BIG_ROWS * 0.3),
  products: Math.round(BIG_ROWS * 0.25),
  coupons: Math.round(BIG_ROWS * 0.05),
} satisfies Partial<Record<ResourceName, number>>
const TABLES = Object.keys(SMALL) as ResourceName[]
const BIG_HASH = 'bigstore'
const smallHash = (i: number) => `small${String(i).padStart(4, '0')}`
const freshHash = (i: number) => `fresh${String(i).padStart(4, '0')}`

const describeMachine = () =>
  `${cpus().length} cores; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`
const seconds = (n: number) => `${(n / 1000).toFixed(1)} s`

// ---- the simulated stores --------------------------------------------------------------------

interface Sim {
  url: string
  call<T>(request: object): Promise<T>
  child: ChildProcess
}

async function startSim(
  publicUrl: string,
  counts: Partial<Record<ResourceName, number>> = BIG,
): Promise<Sim> {
  const script = fileURLToPath(new URL('./stores-sim.ts', import.meta.url))
  const options = {
    storeHash: BIG_HASH,
    quota: null,
    latencyMs: LATENCY_MS,
    cacheRendered: true,
    data: { seed: 7, counts },
    app: {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authCallbackUrl: `${publicUrl}/bigcommerce/auth`,
    },
    webhooks: { localTesting: true },
  }
  const child = fork(script, [JSON.stringify(options)], { execArgv: ['--import', 'tsx'] })
  const waiting = new Map<
    number,
    (answer: { ok: boolean; value?: unknown; error?: string }) => void
  >()
  let ids = 0
  const ready = new Promise<{ url: string }>((resolve, reject) => {
    waiting.set(0, (answer) => resolve(answer.value as { url: string }))
    child.once('exit', (code) => reject(new Error(`the simulated stores exited with ${code}`)))
  })
  child.on('message', (answer: { id: number; ok: boolean }) => {
    waiting.get(answer.id)?.(answer)
    waiting.delete(answer.id)
  })
  const { url } = await ready
  const call = <T>(request: object) =>
    new Promise<T>((resolve, reject) => {
      ids += 1
      waiting.set(ids, (answer) =>
        answer.ok ? resolve(answer.value as T) : reject(new Error(answer.error)),
      )
      child.send({ ...request, id: ids })
    })
  return { url, call, child }
}

// ---- serve on a scratch database ---------------------------------------------------------------

const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
const cleanups: Array<() => Promise<void>> = []

async function scratchDatabase(label: string): Promise<string> {
  const name = `bcm_bench_${process.pid}_stores_${label}`
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.unsafe(`create database "${name}"`)
  // BENCH_LOG_STATEMENTS=1: the server logs every statement on this database (to count them).
  if (process.env.BENCH_LOG_STATEMENTS === '1')
    await admin.unsafe(`alter database "${name}" set log_statement = 'all'`)
  cleanups.push(
    async () => void (await admin.unsafe(`drop database if exists "${name}" with (force)`)),
  )
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  return url.toString()
}

interface Serve extends Side {
  sql: postgres.Sql
  /** Stores serve logged starting a lane for. */
  lanes: () => number
  /** The worker batches serve logged so far, with their claimed events and refetched ids. */
  batches: () => BatchTally
  /** SIGTERM, and waits for the exit (also done at the end of the run). */
  stop: () => Promise<void>
}

async function startServe(
  label: string,
  databaseUrl: string,
  port: number,
  apiUrl: string,
  bin?: string,
) {
  const publicUrl = `http://127.0.0.1:${port}`
  let lanes = 0
  const batches = emptyBatchTally()
  const serve = await startServeProcess(
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      BIGCOMMERCE_CLIENT_ID: CLIENT_ID,
      BIGCOMMERCE_CLIENT_SECRET: CLIENT_SECRET,
      BIGCOMMERCE_LOGIN_URL: apiUrl,
      BIGCOMMERCE_API_URL: apiUrl,
      WEBHOOK_SECRET,
      TOKEN_ENCRYPTION_KEY: TOKEN_KEY,
    },
    // BENCH_SERVE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles serve.
    (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean),
    (line) => {
      if (line.includes('"msg":"store started"')) lanes += 1
      else if (line.includes('"msg":"worker batch"'))
        tallyBatch(batches, JSON.parse(line) as WorkerBatchEntry)
    },
    bin,
    ['--allow-insecure'],
  )
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} })
  let stopped: Promise<void> | undefined
  const stop = () =>
    (stopped ??= (async () => {
      if (serve.child.exitCode !== null) return void (await sql.end())
      const exited = new Promise((resolve) => serve.child.once('exit', resolve))
      serve.child.kill('SIGTERM')
      await exited
      await sql.end()
    })())
  cleanups.unshift(stop)
  const side: Serve = {
    label,
    serve,
    sql,
    lastBatchAt: 0,
    lanes: () => lanes,
    batches: () => ({ ...batches }),
    stop,
  }
  return side
}

/** VmRSS and VmHWM (its peak) of a process, in MB, from /proc (Linux). */
function residentMb(pid: number | undefined): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

// ---- what the bench reads from the mirror -----------------------------------------------------

async function rowsOf(sql: postgres.Sql, storeHashes: string[]): Promise<number> {
  let total = 0
  for (const table of TABLES) {
    const [row] = await sql.unsafe(
      `select count(*)::int as n from bigcommerce.${table} where store_hash = any($1)`,
      [storeHashes],
    )
    total += Number(row?.n ?? 0)
  }
  return total
}

async function hasAnyRow(sql: postgres.Sql, storeHash: string): Promise<boolean> {
  const [row] = await sql.unsafe(
    `select ${TABLES.map((t) => `exists (select 1 from bigcommerce.${t} where store_hash = $1)`).join(' or ')} as found`,
    [storeHash],
  )
  return row?.found === true
}

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  everyMs = 200,
) {
  const started = performance.now()
  while (!(await check())) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(everyMs)
  }
}

/** A merchant installs the app on the store and serve's auth callback is called with its code. */
async function install(sim: Sim, serveUrl: string, storeHash: string): Promise<void> {
  const query = await sim.call<Record<string, string>>({ type: 'install', storeHash })
  const answer = await fetch(`${serveUrl}/bigcommerce/auth?${new URLSearchParams(query)}`)
  await answer.text()
  if (answer.status !== 200)
    throw new Error(`installing ${storeHash}: serve answered ${answer.status}`)
}

async function eachWithin<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T)
    }),
  )
}

// ---- the phases during the big backfill --------------------------------------------------------

/** How many of these stores have had their first sweeps (the backfill: incremental, coupons) end. */
async function backfilled(sql: postgres.Sql, storeHashes: string[]): Promise<number> {
  const [row] = await sql`
    select count(*)::int as n from (
      select store_hash from bigcommerce.sync_state
      where store_hash = any(${storeHashes}) and table_name in ('job:incremental', 'job:snapshot')
        and last_finished_at is not null
      group by store_hash having count(*) = 2) finished`
  return Number(row?.n ?? 0)
}

/** The big store's backfill: rows so far, and when its first sweeps had ended. */
function watchBackfill(sql: postgres.Sql) {
  const started = performance.now()
  let rows = 0
  let doneAt: number | null = null
  let stopped = false
  const loop = (async () => {
    while (!stopped && doneAt === null) {
      rows = await rowsOf(sql, [BIG_HASH])
      if ((await backfilled(sql, [BIG_HASH])) === 1) doneAt = performance.now()
      else await sleep(1000)
    }
  })()
  return {
    running: () => doneAt === null,
    describe: () =>
      doneAt === null
        ? `big backfill still running (${rows} of ${BIG_ROWS} rows, ${seconds(performance.now() - started)} in)`
        : `big backfill had finished (${seconds(doneAt - started)} after its install)`,
    doneAfterMs: () => (doneAt === null ? null : doneAt - started),
    async stop() {
      stopped = true
      await loop
    },
  }
}

/** Each change's time until its row; a change whose row never came counts as `missed`. */
async function eventToRow(sim: Sim, sql: postgres.Sql, smalls: string[]) {
  const samples: number[] = []
  let missed = 0
  const endAt = performance.now() + SECONDS * 1000
  let turn = 0
  await Promise.all(
    Array.from({ length: E2R_CONCURRENCY }, async () => {
      while (performance.now() < endAt) {
        turn += 1
        const storeHash = smalls[turn % smalls.length] as string
        const productId = 1 + (Math.floor(turn / smalls.length) % SMALL.products)
        const price = 1000 + turn + Math.round(Math.random() * 1000) / 100
        const started = performance.now()
        await sim.call({ type: 'update', storeHash, productId, price })
        const arrived = async () => {
          const [row] = await sql`select (data->>'price')::float8 as price from bigcommerce.products
            where store_hash = ${storeHash} and id = ${productId}`
          return row !== undefined && Number(row.price) === price
        }
        try {
          await until('a changed price', 60_000, arrived, 5)
          samples.push(performance.now() - started)
        } catch {
          missed += 1
        }
      }
    }),
  )
  return { samples: samples.sort((a, b) => a - b), missed }
}

/** A small store in the simulator (not yet installed): its rows, the bench's latency, no quota. */
async function addSmallStore(sim: Sim, storeHash: string): Promise<void> {
  await sim.call({
    type: 'add',
    options: {
      storeHash,
      quota: null,
      latencyMs: LATENCY_MS,
      data: { counts: SMALL },
      webhooks: { localTesting: true },
    },
  })
}

async function installToFirstRows(sim: Sim, serve: Serve): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < INSTALLS; i++) {
    const storeHash = freshHash(i)
    await addSmallStore(sim, storeHash)
    const started = performance.now()
    await install(sim, serve.serve.url, storeHash)
    await until(`${storeHash}'s first rows`, 120_000, () => hasAnyRow(serve.sql, storeHash), 10)
    times.push(performance.now() - started)
  }
  return times
}

/** Signed deliveries at RATE spread over the small stores, then the inbox drained. */
async function acknowledgements(sim: Sim, serve: Serve, smalls: string[], during: () => string) {
  const base = {
    secret: WEBHOOK_SECRET,
    hot: SMALL.products,
    stores: smalls,
    signingSecret: CLIENT_SECRET,
  }
  const workerBefore = await workerSoFar(sim, serve, smalls)
  const ackStart = await databaseNow(serve)
  const ack = await measurePhase(serve, (url) =>
    runLoad({ ...base, url }, { rate: RATE }, ACK_SECONDS, WARMUP),
  )
  const { lateness } = ack.result
  console.log(
    `- acknowledgements, offered ${RATE}/s signed deliveries over ${smalls.length} stores for ${ACK_SECONDS} s ` +
      `after ${WARMUP} s of warm-up: ${ack.ackRate.toFixed(0)} acks/s, p50 ${ms(ack.p50)}, p99 ${ms(ack.p99)}, ` +
      `max ${ms(ack.max)}; ${ack.failed} not acknowledged ${JSON.stringify(ack.failures)}; ` +
      `sends behind schedule p99 ${ms(percentile(lateness, 99))}; ${during()}; ${describeMachine()}`,
  )
  console.log(describeCpu(ack, false))
  const drainMs = await waitForDrain(serve, 600_000)
  console.log(`  inbox drained ${seconds(drainMs)} after the last ack`)
  console.log(
    describeWorker(serve, workerBefore, await workerSoFar(sim, serve, smalls), ack.result.sent),
  )
  console.log(await describeInboxToRow(serve, ackStart))
  const closedBefore = await workerSoFar(sim, serve, smalls)
  const closedStart = await databaseNow(serve)
  const closed = await measurePhase(serve, (url) =>
    runLoad({ ...base, url }, { concurrency: CONCURRENCY }, 5, 1),
  )
  console.log(
    `- saturation, ${CONCURRENCY} signed deliveries in flight over ${smalls.length} stores for 5 s: ` +
      `${closed.ackRate.toFixed(0)} acks/s, p50 ${ms(closed.p50)}, p99 ${ms(closed.p99)}; ` +
      `${closed.failed} not acknowledged; ${during()}; ${describeMachine()}`,
  )
  console.log(describeCpu(closed, false))
  await waitForDrain(serve, 600_000)
  console.log(
    describeWorker(serve, closedBefore, await workerSoFar(sim, serve, smalls), closed.result.sent),
  )
  console.log(await describeInboxToRow(serve, closedStart))
}

async function databaseNow(serve: Serve): Promise<string> {
  const [row] = await serve.sql`select now()::text as now`
  return String(row?.now)
}

/**
 * Each event's time in the inbox from its insert until the worker finished it (the refetch at the
 * API latency and the write included), for the events received since `since`: the part of event to
 * row after the acknowledgement, under the phase's load.
 */
async function describeInboxToRow(serve: Serve, since: string): Promise<string> {
  const [row] = await serve.sql`
    select count(*)::int as n,
      percentile_cont(0.5) within group (order by took) as p50,
      percentile_cont(0.99) within group (order by took) as p99,
      max(took) as max
    from (select extract(epoch from processed_at - received_at) * 1000 as took
          from bigcommerce.webhook_events
          where received_at >= ${since}::timestamptz and status = 'done') events`
  return (
    `  inbox to row (${row?.n} events, insert until the worker finished it): ` +
    `p50 ${ms(Number(row?.p50))}, p99 ${ms(Number(row?.p99))}, max ${ms(Number(row?.max))}`
  )
}

/** The worker's batches, the API requests the stores received, and serve's CPU so far. */
async function workerSoFar(sim: Sim, serve: Serve, smalls: string[]) {
  // Batches are logged as they end: let the last ones' lines arrive.
  await sleep(200)
  const asked = await sim.call<{ requests: number }>({ type: 'requests', storeHashes: smalls })
  const pid = serve.serve.child.pid
  return {
    ...serve.batches(),
    requests: asked.requests,
    cpu: cpuSeconds(pid),
    threads: threadCpu(pid),
  }
}

/**
 * serve's CPU between two readings by thread: the receiver (the main thread), the busiest other
 * thread (the background thread, where the worker runs) and the rest (GC helpers, libuv's pool).
 */
function splitThreads(pid: number, before: Map<number, number>, after: Map<number, number>) {
  const used = [...after].map(([tid, cpu]) => [tid, cpu - (before.get(tid) ?? 0)] as const)
  const receiver = used.find(([tid]) => tid === pid)?.[1] ?? 0
  const others = used.filter(([tid]) => tid !== pid).map(([, cpu]) => cpu)
  const background = Math.max(0, ...others)
  const rest = others.reduce((a, b) => a + b, 0) - background
  return { receiver, background, rest }
}

/** What the worker did for a phase's deliveries, from the phase's start until the inbox drained. */
function describeWorker(
  serve: Serve,
  before: Awaited<ReturnType<typeof workerSoFar>>,
  after: Awaited<ReturnType<typeof workerSoFar>>,
  deliveries: number,
): string {
  const batches = after.batches - before.batches
  const per = (n: number) => (n / Math.max(1, batches)).toFixed(1)
  const us = (seconds: number) => `${((seconds * 1e6) / Math.max(1, deliveries)).toFixed(0)} µs`
  const split = splitThreads(serve.serve.child.pid ?? 0, before.threads, after.threads)
  return (
    `  worker until drained: ${batches} batches (${per(after.events - before.events)} events, ` +
    `${per(after.ids - before.ids)} row ids each), ${after.requests - before.requests} API requests; ` +
    `serve's CPU per delivery until drained ${us(after.cpu - before.cpu)}: receiver thread ` +
    `${us(split.receiver)}, background thread ${us(split.background)}, other threads ${us(split.rest)}`
  )
}

// ---- the run ----------------------------------------------------------------------------------

async function manyStores(): Promise<void> {
  const port = await freePort()
  const sim = await startSim(`http://127.0.0.1:${port}`)
  cleanups.push(async () => void sim.child.disconnect())
  const serve = await startServe('serve', await scratchDatabase('many'), port, sim.url)
  console.log(
    `bc-mirror serve in app mode on PostgreSQL; ${STORES} stores in one simulated-store process ` +
      `(${LATENCY_MS} ms API latency, no quota); ${describeMachine()}`,
  )

  const smalls = Array.from({ length: STORES - 1 }, (_, i) => smallHash(i))
  for (const storeHash of smalls) await addSmallStore(sim, storeHash)
  const setupStarted = performance.now()
  await eachWithin(smalls, INSTALL_CONCURRENCY, (storeHash) =>
    install(sim, serve.serve.url, storeHash),
  )
  const installedMs = performance.now() - setupStarted
  await until(
    'the small stores backfilled',
    600_000,
    async () => (await backfilled(serve.sql, smalls)) === smalls.length,
    500,
  )
  await waitForDrain(serve, 120_000)
  console.log(
    `\n${smalls.length} small stores (${SMALL_ROWS} rows each) installed through the app in ${seconds(installedMs)}, ` +
      `all backfilled ${seconds(performance.now() - setupStarted)} after the first install`,
  )

  if (ACKS_ONLY) {
    await acknowledgements(sim, serve, smalls, () => 'no backfill running')
    return
  }

  console.log(
    `\nthe big store (${BIG_ROWS} rows: ${JSON.stringify(BIG)}) installed; during its backfill:`,
  )
  await install(sim, serve.serve.url, BIG_HASH)
  const backfill = watchBackfill(serve.sql)

  console.log(`- ${describeMachine()}`)
  const { samples: e2r, missed } = await eventToRow(sim, serve.sql, smalls)
  console.log(
    `- event to row, a small store's product changed in the store until its new price is in the table ` +
      `(${E2R_CONCURRENCY} changes in flight over ${smalls.length} stores, ${SECONDS} s): ${e2r.length} changes, ` +
      `p50 ${ms(percentile(e2r, 50))}, p99 ${ms(percentile(e2r, 99))}, max ${ms(e2r.at(-1) ?? 0)}, ` +
      `${missed} not in the table within 60 s; ` +
      `${backfill.describe()}; ${describeMachine()}`,
  )

  const installs = (await installToFirstRows(sim, serve)).sort((a, b) => a - b)
  console.log(
    `- install to first rows (${INSTALLS} new stores, one at a time, GET /bigcommerce/auth until a row is in a table): ` +
      `${installs.map((t) => seconds(t)).join(', ')}; ${backfill.describe()}; ${describeMachine()}`,
  )

  await acknowledgements(sim, serve, smalls, backfill.describe)

  await until('the big backfill', 3_600_000, async () => !backfill.running(), 1000)
  await backfill.stop()
  const { requests } = await sim.call<SimStats>({ type: 'stats', storeHash: BIG_HASH })
  console.log(
    `\nbig backfill: ${await rowsOf(serve.sql, [BIG_HASH])} rows of the store's ${BIG_ROWS} in the tables ` +
      `${seconds(backfill.doneAfterMs() ?? 0)} after its install (${requests} API requests)`,
  )
  // The same load with no backfill running: what the backfill's share of the machine costs the acks.
  await acknowledgements(sim, serve, smalls, () => 'no backfill running')
  const size = residentMb(serve.serve.child.pid)
  console.log(
    `\nserve after all this, ${serve.lanes()} store lanes: RSS ${size.rss.toFixed(0)} MB, peak ${size.peak.toFixed(0)} MB`,
  )
}

const idleHash = (i: number) => `idle${String(i).padStart(4, '0')}`

/**
 * Transactions committed in this database so far, as PostgreSQL's statistics say (each session
 * reports at most every second, an idle one within ten seconds: close, not exact).
 */
async function commits(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1)
  const [row] =
    await admin`select xact_commit::float8 as n from pg_stat_database where datname = ${name}`
  return Number(row?.n ?? 0)
}

/**
 * A serve on a database of its own with IDLE_STORES registered stores whose jobs all ran
 * `minutesAgo`; each store answers in the simulator (no rows). Its first IDLE_SETTLE seconds.
 */
async function idleStores(
  sim: Sim,
  label: string,
  minutesAgo: number,
  base?: CommitCheckout,
): Promise<void> {
  const databaseUrl = await scratchDatabase(`idle_${label}${base ? '_base' : ''}`)
  const db = openPostgres(databaseUrl)
  await migrateDatabase(db)
  const keys = await importTokenKeys(TOKEN_KEY)
  const hashes = Array.from({ length: IDLE_STORES }, (_, i) => idleHash(i))
  for (const storeHash of hashes)
    await registerStore(db, keys, {
      storeHash,
      kind: 'api_account',
      accessToken: `token-${storeHash}`,
    })
  await markJobsRan(db, hashes, minutesAgo)
  await db.close()
  const asked = () =>
    sim.call<{ requests: number; stores: number }>({ type: 'requests', storeHashes: hashes })
  const before = { api: await asked(), commits: await commits(databaseUrl) }
  const serve = await startServe(`idle ${label}`, databaseUrl, await freePort(), sim.url, base?.bin)
  const listening = performance.now()
  await until('lanes for the idle stores', 120_000, async () => serve.lanes() >= IDLE_STORES, 200)
  const lanesMs = performance.now() - listening
  await sleep(Math.max(0, IDLE_SETTLE * 1000 - (performance.now() - listening)))
  const api = await asked()
  const committed = (await commits(databaseUrl)) - before.commits
  const size = residentMb(serve.serve.child.pid)
  console.log(
    `\nidle, ${label === 'restart' ? 'a restart' : 'a restart after a long stop'}${base ? `, serve of ${base.sha.slice(0, 7)}` : ''}: serve with ${serve.lanes()} registered stores whose jobs all ran ${minutesAgo} min ago ` +
      `(lanes started ${seconds(lanesMs)} after listening); its first ${IDLE_SETTLE} s: ` +
      `${api.requests - before.api.requests} API requests to ${api.stores - before.api.stores} stores, ` +
      `${committed} database transactions; RSS ${size.rss.toFixed(0)} MB, peak ${size.peak.toFixed(0)} MB; ${describeMachine()}`,
  )
  await serve.stop()
}

/** The simulated idle stores: no rows, each its own token, no quota. */
async function startIdleSim(): Promise<Sim> {
  const none = { products: 0, customers: 0, orders: 0, coupons: 0 }
  const sim = await startSim('http://127.0.0.1:9', none)
  cleanups.push(async () => void sim.child.disconnect())
  for (let i = 0; i < IDLE_STORES; i++)
    await sim.call({
      type: 'add',
      options: {
        storeHash: idleHash(i),
        accessToken: `token-${idleHash(i)}`,
        quota: null,
        latencyMs: LATENCY_MS,
        data: { counts: none },
        webhooks: { localTesting: true },
      },
    })
  return sim
}

try {
  if (!values['idle-only']) await manyStores()
  if (IDLE_STORES > 0 && !ACKS_ONLY) {
    const sim = await startIdleSim()
    const base = values.compare ? checkoutCommit(values.compare, 'link') : undefined
    if (base) cleanups.push(async () => base.remove())
    for (const [label, minutesAgo] of [
      ['restart', 1],
      ['stopped', 180],
    ] as const) {
      await idleStores(sim, label, minutesAgo)
      if (base) await idleStores(sim, label, minutesAgo, base)
    }
  }
} finally {
  for (const cleanup of cleanups) await cleanup().catch((error) => console.error(String(error)))
  await admin.end()
}
