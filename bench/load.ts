// Sustained webhook load: the real `bc-mirror serve` on PostgreSQL, the simulated store in its own
// process at 100 ms API latency, and this process offering --rate deliveries a second for
// --seconds (open loop, keep-alive HTTP to 127.0.0.1 only; every loop is bounded) while the worker
// drains the inbox. Each delivery has its own hash, for products, orders and customers spread
// over 60,000 rows (half products, 30% customers, 20% orders).
//
//   npm run bench:load [-- --rate 1200 --seconds 60]
//
// Prints deliveries offered and acknowledged, events processed, lost (acknowledged but not done
// after the drain; must be 0), the inbox peak, the drain time after the last acknowledgement, and
// serve's memory before, during and after the load. Exits 1 if anything acknowledged was lost.
import { randomBytes } from 'node:crypto'
import { Agent } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { databaseUrlFor, scratchDatabaseName } from '../test/support/paths.ts'
import { rssMb } from '../test/reliability/harness.ts'
import { freePort } from '../test/support/ports.ts'
import { serveEnvForSim } from '../test/support/serve-env.ts'
import { postWebhook, webhookBody } from './support/envelope.ts'
import { startServeProcess } from './support/serve-process.ts'
import { startSimProcess } from './support/sim-client.ts'

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1200' },
    seconds: { type: 'string', default: '60' },
    'latency-ms': { type: 'string', default: '100' },
  },
})
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const LATENCY_MS = Number(values['latency-ms'])
const ROWS = 20_000
const SECRET = 'load-webhook-secret-0123456789abcdef'
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const agent = new Agent({ keepAlive: true, maxSockets: 256 })
// Half products, 30% customers, 20% orders. Orders are refetched one request each (v2 has no
// id:in), so they bound the drain: 8 in flight at 100 ms is ~80 orders/s (a real store's quota,
// 5-15 requests/s, is far lower still).
const PRODUCT = { scope: 'store/product/updated', data: (id: number) => ({ type: 'product', id }) }
const CUSTOMER = {
  scope: 'store/customer/updated',
  data: (id: number) => ({ type: 'customer', id }),
}
const ORDER = { scope: 'store/order/updated', data: (id: number) => ({ type: 'order', id }) }
const SCOPES = [
  PRODUCT,
  CUSTOMER,
  PRODUCT,
  ORDER,
  PRODUCT,
  CUSTOMER,
  PRODUCT,
  ORDER,
  PRODUCT,
  CUSTOMER,
]
let sequence = 0

function deliver(url: string): Promise<number> {
  sequence += 1
  const kind = SCOPES[sequence % SCOPES.length] ?? PRODUCT
  const id = 1 + Math.floor(Math.random() * ROWS)
  const body = webhookBody(kind.scope, kind.data(id), `load-${process.pid}-${sequence}`)
  // A connection error counts as no answer (0), as an error status does.
  return postWebhook(agent, url, SECRET, body).catch(() => 0)
}

const name = scratchDatabaseName('load', process.pid, randomBytes(4).toString('hex'))
const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database "${name}"`)
const dbUrl = databaseUrlFor(SERVER_URL, name)
const sim = await startSimProcess({
  quota: null,
  latencyMs: LATENCY_MS,
  data: { counts: { products: ROWS, orders: ROWS, customers: ROWS } },
})
const serve = await startServeProcess({
  DATABASE_URL: dbUrl,
  ...serveEnvForSim(sim, SECRET, await freePort()),
})
const sql = postgres(dbUrl, { max: 2, onnotice: () => {} })
const pending = async () => {
  const [row] =
    await sql`select count(*)::int as n from bigcommerce.webhook_events where status = 'pending'`
  return Number(row?.n ?? 0)
}

let exitCode = 0
try {
  console.log(
    `bench:load: bc-mirror serve on PostgreSQL (${name}); simulated store in its own process, ${LATENCY_MS} ms API latency, no quota; ` +
      `${RATE}/s offered for ${SECONDS} s over keep-alive HTTP on 127.0.0.1; ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  )
  await sleep(3000)
  const rssStart = rssMb(serve.child.pid)

  // Watch the inbox and serve's memory while the load runs and drains.
  let peak = 0
  let rssMax = 0
  const rssSeen: Array<[number, number]> = []
  let watching = true
  const watcher = (async () => {
    let tick = 0
    while (watching) {
      peak = Math.max(peak, await pending())
      const rss = rssMb(serve.child.pid) ?? 0
      rssMax = Math.max(rssMax, rss)
      if (tick++ % 40 === 0) rssSeen.push([tick / 4, rss])
      await sleep(250)
    }
  })()

  // Open loop: RATE a second for SECONDS, whatever the answers' pace.
  const started = performance.now()
  const total = Math.round(RATE * SECONDS)
  const inFlight = new Set<Promise<void>>()
  let sent = 0
  let acked = 0
  let refused = 0
  let maxInFlight = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE))
    for (; sent < due; sent++) {
      const p: Promise<void> = deliver(serve.url).then((status) => {
        if (status === 200) acked += 1
        else refused += 1
      })
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
    }
    maxInFlight = Math.max(maxInFlight, inFlight.size)
    await sleep(5)
  }
  await Promise.all(inFlight)
  const loadSeconds = (performance.now() - started) / 1000
  const lastAck = performance.now()
  const rssAfterLoad = rssMb(serve.child.pid)
  const backlog = await pending()
  for (let i = 0; i < 4800 && (await pending()) > 0; i++) await sleep(250)
  const drainSeconds = (performance.now() - lastAck) / 1000
  watching = false
  await watcher
  await sleep(2000)
  const rssEnd = rssMb(serve.child.pid)

  const [inbox] = await sql`
    select count(*)::int as stored,
           count(*) filter (where status = 'done')::int as done,
           count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status = 'pending')::int as pending
    from bigcommerce.webhook_events`
  const stats = await sim.stats()
  const stored = Number(inbox?.stored ?? 0)
  const done = Number(inbox?.done ?? 0)
  // Every delivery has its own hash, so each acknowledgement must be one row, done.
  const lost = acked - done
  console.log(`\nload results`)
  console.log(
    `  offered            ${total} deliveries in ${loadSeconds.toFixed(1)} s (${(total / loadSeconds).toFixed(0)}/s); at most ${maxInFlight} in flight`,
  )
  console.log(
    `  acknowledged       ${acked} (${(acked / loadSeconds).toFixed(0)}/s); not acknowledged ${refused}`,
  )
  console.log(
    `  stored in inbox    ${stored}; processed (done) ${done}; failed ${inbox?.failed}; still pending ${inbox?.pending}`,
  )
  console.log(`  lost               ${lost}`)
  console.log(
    `  inbox peak         ${peak} pending events; ${backlog} pending at the last acknowledgement`,
  )
  console.log(`  drain time         ${drainSeconds.toFixed(1)} s after the last acknowledgement`)
  console.log(`  API requests       ${stats.requests} (${JSON.stringify(stats.byPath)})`)
  console.log(
    `  serve memory (RSS) ${rssStart} MB before the load, ${rssAfterLoad} MB at its end, ${rssEnd} MB after the drain; max ${rssMax} MB; ` +
      `every 10 s: ${rssSeen.map(([s, r]) => `${s.toFixed(0)}s=${r}`).join(' ')}`,
  )
  if (lost !== 0 || refused !== 0) exitCode = 1
} finally {
  serve.child.kill('SIGTERM')
  await new Promise((resolve) => serve.child.once('exit', resolve))
  await sim.close()
  agent.destroy()
  await sql.end()
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.end()
}
process.exit(exitCode)
