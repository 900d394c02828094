// Webhook path speed: the real `bc-mirror serve` on PostgreSQL, the simulated store in a process
// of its own at 100 ms API latency, and the load from a fourth process (support/delivery-load.ts,
// a lean HTTP/1.1 sender) over 127.0.0.1.
//
//   npm run bench:webhooks [-- --rate 2000 --seconds 10 --warmup-seconds 3 --burst 2000]
//   npm run bench:webhooks -- --embedded   # serve on PGlite: the acknowledgement phases only
//
// Prints: durable acknowledgements per second with p50/p99 acknowledgement latency at a fixed
// offered rate (open loop, after a warm-up at the same rate) and at saturation (closed loop), with
// the CPU each process used; event-to-row latency p50/p99 (a
// product changed in the store, its webhook delivered, until its new price is in the table); and
// for a burst of `store/product/updated` events on distinct products, how many API requests the
// worker made. A scratch database is created on BENCH_DATABASE_URL (default the local server)
// and dropped at the end. Every loop is bounded; traffic goes to 127.0.0.1 only.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { request, Agent } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import type { SimStats } from '../src/sim/index.ts'
import { freePort } from '../test/support/ports.ts'
import { serveEnvForSim } from '../test/support/serve-env.ts'
import type { LoadOptions, LoadResult } from './support/delivery-load.ts'
import { webhookBody } from './support/envelope.ts'
import { procStatField } from '../src/node/proc-stat.ts'
import { startServeProcess } from './support/serve-process.ts'

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    burst: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    'latency-ms': { type: 'string', default: '100' },
    /** Products the sustained load touches; each batch of events refetches at most these. */
    'hot-products': { type: 'string', default: '200' },
    /** Seconds of load at the same rate before the measured seconds (not counted). */
    'warmup-seconds': { type: 'string', default: '3' },
    /** serve on the embedded database (PGlite) instead: the acknowledgement phases only. */
    embedded: { type: 'boolean', default: false },
  },
})
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const BURST = Number(values.burst)
const CONCURRENCY = Number(values.concurrency)
const LATENCY_MS = Number(values['latency-ms'])
const PRODUCTS = Math.max(BURST, 5000)
const WARMUP = Number(values['warmup-seconds'])
const EMBEDDED = values.embedded === true
const HOT = Math.min(PRODUCTS, Number(values['hot-products']))
const SECRET = 'bench-webhook-secret-0123456789abcdef'
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const path = `/proc/${pid}/stat`
    return (Number(procStatField(path, 14)) + Number(procStatField(path, 15))) / 100 // utime, stime
  } catch {
    return Number.NaN
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}
const ms = (n: number) => `${n.toFixed(2)} ms`

// ---- the simulated store ---------------------------------------------------------------------

interface Sim {
  url: string
  storeHash: string
  accessToken: string
  ask<T>(message: object, reply: string): Promise<T>
  child: ChildProcess
}

async function startSim(): Promise<Sim> {
  const script = fileURLToPath(new URL('./webhooks-sim.ts', import.meta.url))
  const options = { quota: null, latencyMs: LATENCY_MS, data: { counts: { products: PRODUCTS } } }
  const child = fork(script, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  })
  const ready = await new Promise<{ url: string; storeHash: string; accessToken: string }>(
    (resolve, reject) => {
      child.once('message', (m) =>
        resolve(m as { url: string; storeHash: string; accessToken: string }),
      )
      child.once('exit', (code) => reject(new Error(`simulated store exited with ${code}`)))
    },
  )
  const ask = <T>(message: object, reply: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== reply) return
        child.off('message', onMessage)
        resolve(m as T)
      }
      child.on('message', onMessage)
      child.send(message)
    })
  return { ...ready, ask, child }
}

// ---- deliveries ------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 128 })
let sequence = 0

/** POSTs one delivery; resolves with its status and how long the answer took. */
function deliver(url: string, productId: number): Promise<{ status: number; ms: number }> {
  sequence += 1
  const product = { type: 'product', id: productId }
  const body = webhookBody('store/product/updated', product, `bench-${process.pid}-${sequence}`)
  const target = new URL('/webhooks/bigcommerce', url)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-webhook-secret': SECRET,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const LOAD_SCRIPT = fileURLToPath(new URL('./support/delivery-load.ts', import.meta.url))
let loadRuns = 0

/**
 * Deliveries from a process of their own (support/delivery-load.ts): `rate` a second (open loop)
 * or `concurrency` always in flight (closed loop), for `seconds` after `warmupSeconds`.
 */
async function runLoad(
  url: string,
  mode: { rate: number } | { concurrency: number },
  seconds: number,
  warmupSeconds: number,
): Promise<LoadResult> {
  loadRuns += 1
  const options: LoadOptions = {
    url,
    secret: SECRET,
    rate: 'rate' in mode ? mode.rate : 0,
    concurrency: 'concurrency' in mode ? mode.concurrency : undefined,
    seconds,
    warmupSeconds,
    hot: HOT,
    tag: `load-${process.pid}-${loadRuns}`,
  }
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const [line] = (await once(lines, 'line')) as [string]
  return JSON.parse(line) as LoadResult
}

/** CPU seconds used by every PostgreSQL process on this machine (the server under the mirror). */
function postgresCpuSeconds(): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres')
        total += cpuSeconds(Number(pid))
    } catch {
      // the process ended meanwhile
    }
  }
  return total
}

/** CPU used by serve, the simulated store and PostgreSQL while `fn` runs, and fn's result. */
async function withCpu<T>(fn: () => Promise<T>) {
  const sample = () => [
    cpuSeconds(serve.child.pid),
    cpuSeconds(sim.child.pid),
    postgresCpuSeconds(),
  ]
  const before = sample()
  const result = await fn()
  const [serveCpu = 0, simCpu = 0, postgresCpu = 0] = sample().map((v, i) => v - (before[i] ?? 0))
  return { result, serveCpu, simCpu, postgresCpu }
}

function describeCpu(usage: {
  serveCpu: number
  simCpu: number
  postgresCpu: number
  result: LoadResult
}): string {
  const { serveCpu, simCpu, postgresCpu, result } = usage
  const perDelivery = (seconds: number) =>
    `${((seconds * 1e6) / Math.max(1, result.sent)).toFixed(0)} µs`
  return (
    `  CPU for ${result.sent} deliveries (warm-up included): serve ${serveCpu.toFixed(2)} s (${perDelivery(serveCpu)} each, worker${EMBEDDED ? ' and PGlite' : ''} included), ` +
    (EMBEDDED
      ? ''
      : `PostgreSQL ${postgresCpu.toFixed(2)} s (${perDelivery(postgresCpu)} each), `) +
    `simulated store ${simCpu.toFixed(2)} s, load generator ${result.cpuSeconds.toFixed(2)} s`
  )
}

async function waitForEmptyInbox(sql: postgres.Sql, timeoutMs: number): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    const [row] =
      await sql`select count(*)::int as n from bigcommerce.webhook_events where status = 'pending'`
    if (row?.n === 0) return performance.now() - started
    await sleep(20)
  }
  throw new Error(`inbox not drained within ${timeoutMs} ms`)
}

// ---- the run ---------------------------------------------------------------------------------

// On PostgreSQL the bench reads the mirror's tables itself; an embedded database belongs to serve
// alone, so there the bench can only tell from serve's log when the worker has gone quiet.
const scratch = `bcm_bench_${process.pid}_webhooks`
const admin = EMBEDDED ? null : postgres(SERVER_URL, { max: 1, onnotice: () => {} })
await admin?.unsafe(`drop database if exists "${scratch}" with (force)`)
await admin?.unsafe(`create database "${scratch}"`)
const dbUrl = new URL(SERVER_URL)
dbUrl.pathname = `/${scratch}`
const sql = EMBEDDED ? null : postgres(dbUrl.toString(), { max: 2, onnotice: () => {} })
const dataDir = EMBEDDED ? mkdtempSync(join(tmpdir(), 'bcm-bench-webhooks-')) : null
let lastBatchAt = performance.now()

/** Until no pending event is left: from the table on PostgreSQL, else once the worker is quiet. */
async function waitForDrain(timeoutMs: number): Promise<number> {
  if (sql) return waitForEmptyInbox(sql, timeoutMs)
  const started = performance.now()
  while (performance.now() - lastBatchAt < 2000) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`worker busy after ${timeoutMs} ms`)
    await sleep(100)
  }
  return Math.max(0, lastBatchAt - started)
}

const sim = await startSim()
// BENCH_SERVE_NODE_ARGS, e.g. "--cpu-prof", profiles the server.
const serveNodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean)
const serve = await startServeProcess(
  {
    ...(dataDir ? { DATA_DIR: dataDir } : { DATABASE_URL: dbUrl.toString() }),
    ...serveEnvForSim(sim, SECRET, await freePort()),
  },
  serveNodeArgs,
  (line) => {
    if (line.includes('"msg":"worker batch"')) lastBatchAt = performance.now()
  },
)

try {
  console.log(
    `bc-mirror serve on ${dataDir ? `the embedded database (PGlite in ${dataDir})` : `PostgreSQL (${scratch})`}; ` +
      `simulated store in its own process, ${LATENCY_MS} ms API latency, ` +
      `no quota; ${PRODUCTS} products, sustained load on ${HOT} of them; load from a process of its own over keep-alive HTTP/1.1 on 127.0.0.1`,
  )
  console.log(
    `${cpus().length} cores; load average before the run ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  // 1. Offered load, after a warm-up at the same rate (JIT, sockets, the database pool).
  const open = await withCpu(() => runLoad(serve.url, { rate: RATE }, SECONDS, WARMUP))
  const [stored] = sql ? await sql`select count(*)::int as n from bigcommerce.webhook_events` : []
  const { latencies, lateness } = open.result
  console.log(
    `\nsustained load, offered ${RATE}/s for ${SECONDS} s after ${WARMUP} s of warm-up: ` +
      `${(latencies.length / open.result.elapsedSeconds).toFixed(0)} acks/s, ` +
      `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies.at(-1) ?? 0)}; ` +
      `${open.result.failed} not acknowledged ${JSON.stringify(open.result.failures)}` +
      (stored ? `; ${stored.n} events in the inbox` : ''),
  )
  console.log(
    `  sends behind schedule: p50 ${ms(percentile(lateness, 50))}, p99 ${ms(percentile(lateness, 99))}, ` +
      `max ${ms(lateness.at(-1) ?? 0)}; ${open.result.sockets} sockets`,
  )
  console.log(describeCpu(open))
  const drainMs = await waitForDrain(300_000)
  const drained = sql ? 'inbox drained' : "last worker batch (from serve's log)"
  console.log(`  ${drained} ${(drainMs / 1000).toFixed(1)} s after the last ack`)

  // 2. Saturation.
  const closed = await withCpu(() => runLoad(serve.url, { concurrency: CONCURRENCY }, 5, 1))
  const acked = closed.result.latencies
  console.log(
    `saturation, ${CONCURRENCY} deliveries in flight for 5 s: ${(acked.length / 5).toFixed(0)} acks/s, ` +
      `p50 ${ms(percentile(acked, 50))}, p99 ${ms(percentile(acked, 99))}; ${closed.result.failed} not acknowledged`,
  )
  console.log(describeCpu(closed))
  await waitForDrain(300_000)
  if (!sql) {
    console.log(
      'event to row and the burst read the tables from outside serve: run them on PostgreSQL',
    )
  } else {
    await eventToRowAndBurst(sql)
  }
} finally {
  serve.child.kill('SIGTERM')
  await new Promise((resolve) => serve.child.once('exit', resolve))
  sim.child.disconnect()
  agent.destroy()
  await sql?.end()
  await admin?.unsafe(`drop database if exists "${scratch}" with (force)`)
  await admin?.end()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}

async function eventToRowAndBurst(sql: postgres.Sql) {
  // 3. Event to row: change a product in the store, deliver its webhook, time until the row shows it.
  const samples: number[] = []
  for (let i = 0; i < 60; i++) {
    const id = 1 + ((i * 37) % PRODUCTS)
    const price = 1000 + i + Math.round(Math.random() * 1000) / 100
    await sim.ask({ type: 'update', id, fields: { price } }, 'updated')
    const started = performance.now()
    const response = await deliver(serve.url, id)
    if (response.status !== 200) throw new Error(`delivery answered ${response.status}`)
    for (let polls = 0; polls < 2000; polls++) {
      const [row] =
        await sql`select (data->>'price')::float8 as price from bigcommerce.products where id = ${id}`
      if (row && Number(row.price) === price) break
      await sleep(2)
    }
    samples.push(performance.now() - started)
    await sleep(30)
  }
  samples.sort((a, b) => a - b)
  console.log(
    `event to row (one change at a time, ${LATENCY_MS} ms API latency): p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}`,
  )

  // 4. Burst: distinct products, as a bulk import fires them.
  await waitForEmptyInbox(sql, 60_000)
  await sim.ask({ type: 'reset' }, 'reset')
  const burstStarted = performance.now()
  const ids = Array.from({ length: BURST }, (_, i) => i + 1)
  let cursor = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < ids.length) {
        const id = ids[cursor++] ?? 1
        const r = await deliver(serve.url, id)
        if (r.status !== 200) throw new Error(`delivery answered ${r.status}`)
      }
    }),
  )
  const ackedMs = performance.now() - burstStarted
  await waitForEmptyInbox(sql, 120_000)
  const doneMs = performance.now() - burstStarted
  const { stats } = await sim.ask<{ stats: SimStats }>({ type: 'stats' }, 'stats')
  console.log(
    `burst of ${BURST} store/product/updated on ${BURST} products: acknowledged in ${(ackedMs / 1000).toFixed(2)} s, ` +
      `all rows refreshed ${(doneMs / 1000).toFixed(2)} s after the first delivery, ` +
      `${stats.requests} API requests (${JSON.stringify(stats.byPath)})`,
  )
}
