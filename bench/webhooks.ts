// Webhook path speed: the real `bc-mirror serve` on PostgreSQL, the simulated store in a process
// of its own at 100 ms API latency, and the load from a fourth process (support/delivery-load.ts,
// a lean HTTP/1.1 sender) over 127.0.0.1.
//
//   npm run bench:webhooks [-- --rate 2000 --seconds 10 --warmup-seconds 3 --burst 2000]
//   npm run bench:webhooks -- --embedded   # serve on PGlite: the acknowledgement phases only
//   npm run bench:webhooks -- --compare 63c2943 [--runs 2] [--npm-ci]
//
// --compare builds that commit in a temporary git worktree (node_modules linked to this
// checkout's, or its own `npm ci` with --npm-ci; then its own build, if it had one), starts its
// serve beside this checkout's, each on a database of its own, and runs the acknowledgement
// phases on both in turn (after a round not counted), `--runs` rounds in alternating order
// (ABBA), so that the shared machine's load falls on both alike; it ends with both sides'
// figures and their ratio.
//
// Prints: durable acknowledgements per second with p50/p99 acknowledgement latency at a fixed
// offered rate (open loop, after a warm-up at the same rate) and at saturation (closed loop), with
// the CPU each process used; event-to-row latency p50/p99 (a
// product changed in the store, its webhook delivered, until its new price is in the table); and
// for a burst of `store/product/updated` events on distinct products, how many API requests the
// worker made. A scratch database is created on BENCH_DATABASE_URL (default the local server)
// and dropped at the end. Every loop is bounded; traffic goes to 127.0.0.1 only.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { freePort } from '../test/support/ports.ts'
import { serveEnvForSim } from '../test/support/serve-env.ts'
import {
  describeCpu,
  measurePhase,
  ms,
  percentile,
  runLoad,
  waitForDrain,
  type PhaseFigures,
  type Side,
} from './support/ack-phases.ts'
import { checkoutCommit, type CommitCheckout } from './support/commit-worktree.ts'
import { reportComparison } from './support/compare-report.ts'
import { eventToRowAndBurst } from './support/event-to-row.ts'
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
    /** Another commit to measure beside this checkout, interleaved. */
    compare: { type: 'string' },
    /** Rounds of both sides with --compare. */
    runs: { type: 'string', default: '2' },
    /** With --compare: the commit gets its own `npm ci` instead of a link to our node_modules. */
    'npm-ci': { type: 'boolean', default: false },
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
const RUNS = Number(values.runs)
const SECRET = 'bench-webhook-secret-0123456789abcdef'
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
for (const [name, value] of Object.entries({ RATE, SECONDS, BURST, CONCURRENCY, RUNS })) {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name.toLowerCase()}: expected a whole number above 0`)
}

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

// ---- one serve with its own database ---------------------------------------------------------

const admin = EMBEDDED ? null : postgres(SERVER_URL, { max: 1, onnotice: () => {} })
const cleanups: Array<() => Promise<void>> = []

/**
 * Starts `bin`'s serve on a scratch database of its own (PostgreSQL on BENCH_DATABASE_URL,
 * dropped at the end) or a temporary DATA_DIR. BENCH_SERVE_NODE_ARGS, e.g. "--cpu-prof",
 * profiles each serve; BENCH_LOG_STATEMENTS=1 has PostgreSQL log each statement serve runs.
 */
async function startSide(label: string, sim: Sim, bin?: string): Promise<Side & { where: string }> {
  const scratch = `bcm_bench_${process.pid}_webhooks_${cleanups.length}`
  let env: Record<string, string>
  let sql: postgres.Sql | null = null
  if (admin) {
    await admin.unsafe(`drop database if exists "${scratch}" with (force)`)
    await admin.unsafe(`create database "${scratch}"`)
    // BENCH_LOG_STATEMENTS=1: the server logs every statement on this database (to count them).
    if (process.env.BENCH_LOG_STATEMENTS === '1')
      await admin.unsafe(`alter database "${scratch}" set log_statement = 'all'`)
    const url = new URL(SERVER_URL)
    url.pathname = `/${scratch}`
    env = { DATABASE_URL: url.toString() }
    sql = postgres(url.toString(), { max: 2, onnotice: () => {} })
  } else {
    env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'bcm-bench-webhooks-')) }
  }
  const serveNodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const side = { label, sql, lastBatchAt: performance.now() } as Side & { where: string }
  side.where = env.DATA_DIR
    ? `the embedded database (PGlite in ${env.DATA_DIR})`
    : `PostgreSQL (${scratch})`
  side.serve = await startServeProcess(
    { ...env, ...serveEnvForSim(sim, SECRET, await freePort()) },
    serveNodeArgs,
    (line) => {
      if (line.includes('"msg":"worker batch"')) side.lastBatchAt = performance.now()
    },
    bin,
  )
  cleanups.push(async () => {
    side.serve.child.kill('SIGTERM')
    await new Promise((resolve) => side.serve.child.once('exit', resolve))
    await sql?.end()
    await admin?.unsafe(`drop database if exists "${scratch}" with (force)`)
    if (env.DATA_DIR) rmSync(env.DATA_DIR, { recursive: true, force: true })
  })
  return side
}

// ---- the acknowledgement phases --------------------------------------------------------------

const loadBase = (url: string) => ({ url, secret: SECRET, hot: HOT })

/** Sustained load at RATE after a warm-up, then saturation; both drained before returning. */
async function ackPhases(side: Side, prefix = ''): Promise<[PhaseFigures, PhaseFigures]> {
  const open = await measurePhase(side, (url) =>
    runLoad(loadBase(url), { rate: RATE }, SECONDS, WARMUP),
  )
  const { lateness } = open.result
  console.log(
    `\n${prefix}sustained load, offered ${RATE}/s for ${SECONDS} s after ${WARMUP} s of warm-up: ` +
      `${open.ackRate.toFixed(0)} acks/s, p50 ${ms(open.p50)}, p99 ${ms(open.p99)}, max ${ms(open.max)}; ` +
      `${open.failed} not acknowledged ${JSON.stringify(open.failures)}`,
  )
  console.log(
    `  sends behind schedule: p50 ${ms(percentile(lateness, 50))}, p99 ${ms(percentile(lateness, 99))}, ` +
      `max ${ms(lateness.at(-1) ?? 0)}; ${open.result.sockets} sockets`,
  )
  console.log(describeCpu(open, EMBEDDED))
  const drainMs = await waitForDrain(side, 300_000)
  const drained = side.sql ? 'inbox drained' : "last worker batch (from serve's log)"
  console.log(`  ${drained} ${(drainMs / 1000).toFixed(1)} s after the last ack`)

  const closed = await measurePhase(side, (url) =>
    runLoad(loadBase(url), { concurrency: CONCURRENCY }, 5, 1),
  )
  console.log(
    `${prefix}saturation, ${CONCURRENCY} deliveries in flight for 5 s: ${closed.ackRate.toFixed(0)} acks/s, ` +
      `p50 ${ms(closed.p50)}, p99 ${ms(closed.p99)}; ${closed.failed} not acknowledged`,
  )
  console.log(describeCpu(closed, EMBEDDED))
  await waitForDrain(side, 300_000)
  return [open, closed]
}

// ---- the run ---------------------------------------------------------------------------------

const describeMachine = () =>
  `${cpus().length} cores; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`
const setting =
  `simulated store in its own process, ${LATENCY_MS} ms API latency, no quota; ${PRODUCTS} products, ` +
  `sustained load on ${HOT} of them; load from a process of its own over keep-alive HTTP/1.1 on 127.0.0.1`

let checkout: CommitCheckout | null = null
const sim = await startSim()
try {
  if (values.compare) {
    checkout = checkoutCommit(values.compare, values['npm-ci'] ? 'npm ci' : 'link')
    const here = await startSide('this checkout', sim)
    const base = await startSide(checkout.sha.slice(0, 7), sim, checkout.bin)
    console.log(
      `bc-mirror serve, this checkout against ${checkout.sha.slice(0, 12)} (${checkout.subject}; ` +
        `node_modules ${checkout.modules}), each on ${here.where.replace(/ \(.*/, '')} of its own; ${setting}`,
    )
    // A round not counted first: the simulated store's first answers, each serve's JIT and pool.
    for (const side of [here, base]) {
      console.log(`\n== warm-up, not counted: ${side.label}`)
      await runLoad(loadBase(side.serve.url), { rate: RATE }, WARMUP + 2, 0)
      await waitForDrain(side, 300_000)
    }
    const figures = new Map<Side, Array<[PhaseFigures, PhaseFigures]>>([
      [here, []],
      [base, []],
    ])
    for (let round = 1; round <= RUNS; round++) {
      // ABBA: each side goes first as often as second.
      for (const side of round % 2 === 1 ? [here, base] : [base, here]) {
        console.log(`\n== round ${round}/${RUNS}, ${side.label}; ${describeMachine()}`)
        figures.get(side)?.push(await ackPhases(side, `[${side.label}] `))
      }
    }
    reportComparison(
      [here, base].map((side) => ({ label: side.label, runs: figures.get(side) ?? [] })),
    )
  } else {
    const side = await startSide('this checkout', sim)
    console.log(`bc-mirror serve on ${side.where}; ${setting}`)
    console.log(describeMachine())
    await ackPhases(side)
    if (!side.sql) {
      console.log(
        'event to row and the burst read the tables from outside serve: run them on PostgreSQL',
      )
    } else {
      await eventToRowAndBurst(side.sql, {
        ...{ serveUrl: side.serve.url, secret: SECRET, products: PRODUCTS, burst: BURST },
        ...{ concurrency: CONCURRENCY, latencyMs: LATENCY_MS, ask: sim.ask },
      })
    }
  }
} finally {
  for (const cleanup of cleanups) await cleanup()
  sim.child.disconnect()
  await admin?.end()
  checkout?.remove()
}
