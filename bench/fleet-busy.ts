// What the event worker costs when many stores are busy at once (issue 20): serve's background
// thread (background-thread.ts: the fleet's lanes and their workers, on PostgreSQL) started as serve
// starts it, with many registered stores in the simulated stores' process, and events put straight
// into the inbox at a steady rate, round robin over the stores as bench:stores' deliveries are
// (products 1..--hot of each), each followed by the wake the receiver would send. No receiver and
// no HTTP load: the figures are the worker's alone, so that a change to it can be compared on a
// machine too busy for bench:stores' acknowledgement figures.
//
//   npm run bench:fleet-busy [-- --stores 199 --rate 2000 --seconds 10 --latency-ms 100]
//
// Prints, for the events of the run: the background thread's CPU per event, the CPU of its
// PostgreSQL backends per event (the feeder's own connection left out), the transactions and the
// worker's batches (events and row ids each), the API requests, and each event's time from its
// insert until the worker finished it (the inbox's received_at to processed_at; the refetch at
// the API latency included). Asserts nothing.
import { randomBytes } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { parseConfig } from '../src/config.ts'
import { wrapExecutor } from '../src/db/database.ts'
import { migrateDatabase } from '../src/db/migrate.ts'
import { openPostgres } from '../src/db/postgres.ts'
import { startBackgroundThread } from '../src/node/background-thread.ts'
import { registerStore } from '../src/stores/registry.ts'
import { importTokenKeys } from '../src/stores/token-crypto.ts'
import { insertEvents } from '../src/sync/events/inbox-insert.ts'
import type { InboxEvent } from '../src/sync/events/inbox-types.ts'
import { percentile, sleep, statCpuSeconds, threadCpu } from './support/ack-phases.ts'
import { emptyBatchTally, tallyBatch, type WorkerBatchEntry } from './support/batch-tally.ts'
import { markJobsRecentlyRun } from './support/idle-stores.ts'
import { startSimProcess } from './support/sim-client.ts'

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '199' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    hot: { type: 'string', default: '20' },
    'latency-ms': { type: 'string', default: '100' },
    /** Event batches of all stores at once in the background (fleet.ts; serve's default 8). */
    'batch-slots': { type: 'string', default: '8' },
    'database-url': { type: 'string' },
  },
})
const STORES = Number(values.stores)
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const HOT = Number(values.hot)
const LATENCY_MS = Number(values['latency-ms'])
const BATCH_SLOTS = Number(values['batch-slots'])
const SERVER_URL =
  values['database-url'] ??
  process.env.BENCH_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres'
const FEEDER = 'bench-feeder'
const TICK_MS = 10

const describeMachine = () =>
  `${cpus().length} cores; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`
const hashOf = (i: number) => `busy${String(i).padStart(4, '0')}`
const hashes = Array.from({ length: STORES }, (_, i) => hashOf(i))

// ---- set up: a scratch database with the stores registered, the stores in the simulator ------

const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
const scratch = `bcm_bench_${process.pid}_fleet_busy`
await admin.unsafe(`create database "${scratch}"`)
const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${scratch}` }).toString()
const tokenKey = randomBytes(32).toString('hex')
const setupDb = openPostgres(databaseUrl)
await migrateDatabase(setupDb)
const keys = await importTokenKeys(tokenKey)
for (const storeHash of hashes)
  await registerStore(setupDb, keys, {
    storeHash,
    kind: 'api_account',
    accessToken: `token-${storeHash}`,
  })
// No sweep or hook check is due: the worker's work is all there is.
await markJobsRecentlyRun(setupDb, hashes)
await setupDb.close()
// BENCH_LOG_STATEMENTS=1: the server logs each statement on this database with its duration.
if (process.env.BENCH_LOG_STATEMENTS === '1')
  await admin.unsafe(
    `alter database "${scratch}" set log_min_duration_statement = 0; alter database "${scratch}" set log_parameter_max_length = 0`,
  )

const sim = await startSimProcess({ quota: null, latencyMs: LATENCY_MS, data: { counts: {} } })
for (const storeHash of hashes)
  await fetch(`${sim.url}/__sim/stores`, {
    method: 'POST',
    body: JSON.stringify({
      storeHash,
      accessToken: `token-${storeHash}`,
      quota: null,
      latencyMs: LATENCY_MS,
      data: { counts: { products: HOT } },
    }),
  })

// ---- the background thread, as serve starts it ----------------------------------------------

const config = parseConfig({
  DATABASE_URL: databaseUrl,
  BIGCOMMERCE_API_URL: sim.url,
  BIGCOMMERCE_CLIENT_ID: 'bench-fleet-busy',
  WEBHOOK_SECRET: 'bench-fleet-busy-secret-0123456789',
  TOKEN_ENCRYPTION_KEY: tokenKey,
})
const tally = emptyBatchTally()
const work = await startBackgroundThread(config, {
  fleet: { batchSlots: BATCH_SLOTS },
  log: (level, msg, fields) => {
    if (msg === 'worker batch') tallyBatch(tally, fields as WorkerBatchEntry)
    else if (level !== 'info') console.error(level, msg, JSON.stringify(fields))
  },
})

/** CPU seconds of the scratch database's backends but the feeder's and the bench's own. */
async function backendCpu(): Promise<Map<number, number>> {
  const rows = await admin`
    select pid from pg_stat_activity
    where datname = ${scratch} and application_name <> ${FEEDER} and pid <> pg_backend_pid()`
  const byPid = new Map<number, number>()
  for (const { pid } of rows) {
    try {
      byPid.set(Number(pid), statCpuSeconds(`/proc/${pid}/stat`))
    } catch {
      // The backend ended meanwhile.
    }
  }
  return byPid
}

async function commits(): Promise<number> {
  await sleep(600) // the statistics arrive within half a second
  await admin`select pg_stat_clear_snapshot()`
  const [row] =
    await admin`select xact_commit::float8 as n from pg_stat_database where datname = ${scratch}`
  return Number(row?.n ?? 0)
}

async function apiRequests(): Promise<number> {
  let total = 0
  for (const storeHash of hashes) {
    const stats = (await (await fetch(`${sim.url}/__sim/stats?store=${storeHash}`)).json()) as {
      requests: number
    }
    total += stats.requests
  }
  return total
}

// ---- the feeder: events at RATE, as the receiver would store them, and the wakes -------------

const feederClient = postgres(databaseUrl, {
  max: 2,
  onnotice: () => {},
  prepare: false,
  connection: { application_name: FEEDER },
})
const feeder = wrapExecutor(drizzle({ client: feederClient }))

async function feed(): Promise<number> {
  const total = RATE * SECONDS
  const started = performance.now()
  let sent = 0
  const inserts: Array<Promise<unknown>> = []
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE) + 1)
    const events: InboxEvent[] = []
    for (; sent < due; sent++) {
      const storeHash = hashes[sent % STORES] as string
      const id = 1 + (Math.floor(sent / STORES) % HOT)
      const hash = `fleet-busy-${process.pid}-${sent}`
      events.push({
        storeHash,
        hash,
        scope: 'store/product/updated',
        resource: 'products',
        resourceId: id,
        payload: { scope: 'store/product/updated', data: { type: 'product', id }, hash },
      })
    }
    if (events.length > 0)
      inserts.push(
        insertEvents(feeder, hashes[0] as string, events).then(() => {
          const perStore = new Map<string, number>()
          for (const e of events)
            perStore.set(e.storeHash ?? '', (perStore.get(e.storeHash ?? '') ?? 0) + 1)
          for (const [storeHash, count] of perStore) work.wake(['products'], storeHash, count)
        }),
      )
    await sleep(TICK_MS)
  }
  await Promise.all(inserts)
  return sent
}

async function drained(): Promise<void> {
  for (;;) {
    const [row] = await feederClient`
      select count(*)::int as n from bigcommerce.webhook_events where status = 'pending'`
    if (row?.n === 0) return
    await sleep(50)
  }
}

try {
  // The lanes start with the directory's first read; a first wake starts each one's worker, whose
  // loops each claim once at start (not the steady state this measures).
  await sleep(3_000)
  for (const storeHash of hashes) work.wake(['products'], storeHash)
  await sleep(2_000)
  console.log(
    `background thread with ${STORES} registered stores on PostgreSQL, ${LATENCY_MS} ms API latency, ${BATCH_SLOTS} batch slots; ${describeMachine()}`,
  )
  const before = {
    threads: threadCpu(process.pid),
    backends: await backendCpu(),
    commits: await commits(),
    requests: await apiRequests(),
    tally: { ...tally },
  }
  const started = performance.now()
  const events = await feed()
  const fedMs = performance.now() - started
  await drained()
  const drainMs = performance.now() - started - fedMs
  await sleep(300) // the last batches' log lines
  const threads = threadCpu(process.pid)
  const backends = await backendCpu()
  const usedThreads = [...threads]
    .filter(([tid]) => tid !== process.pid)
    .map(([tid, cpu]) => cpu - (before.threads.get(tid) ?? 0))
  const background = Math.max(0, ...usedThreads)
  const rest = usedThreads.reduce((a, b) => a + b, 0) - background
  let postgresCpu = 0
  for (const [pid, cpu] of backends) postgresCpu += cpu - (before.backends.get(pid) ?? 0)
  const transactions = (await commits()) - before.commits
  const requests = (await apiRequests()) - before.requests
  const batches = tally.batches - before.tally.batches
  const each = (seconds: number) => `${((seconds * 1e6) / events).toFixed(0)} µs`
  const per = (n: number) => (n / Math.max(1, batches)).toFixed(1)
  const latencies = (
    await feederClient`
      select extract(epoch from processed_at - received_at)::float8 * 1000 as ms
      from bigcommerce.webhook_events where status = 'done'`
  )
    .map((row) => Number(row.ms))
    .sort((a, b) => a - b)
  console.log(
    `${events} events over ${STORES} stores in ${(fedMs / 1000).toFixed(1)} s (${RATE}/s, products 1-${HOT} of each), ` +
      `drained ${(drainMs / 1000).toFixed(1)} s after the last: ${batches} batches (${per(tally.events - before.tally.events)} events, ` +
      `${per(tally.ids - before.tally.ids)} row ids and ${per(tally.ms - before.tally.ms)} ms each), ${requests} API requests, ${(transactions / events).toFixed(3)} transactions per event; ${describeMachine()}`,
  )
  console.log(
    `  CPU per event: background thread ${each(background)}, its PostgreSQL backends ${each(postgresCpu)}, ` +
      `other threads of this process ${each(rest)} (GC helpers, the feeder's pool)`,
  )
  console.log(
    `  insert to finished (${latencies.length} events): p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms`,
  )
} finally {
  await work.stop()
  await feederClient.end()
  await sim.close()
  await admin.unsafe(`drop database if exists "${scratch}" with (force)`)
  await admin.end()
}
