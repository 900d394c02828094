// What one run of the Cloudflare Worker's cron costs with 1,000 registered stores: its `scheduled`
// handler (src/cloudflare/scheduled.ts) called on Node against a scratch PostgreSQL database, with
// a queue binding that only counts what is sent. The cron only plans and enqueues, so its CPU time
// is what matters on Workers (wall time waits on the database). Three runs: every store new (each
// gets its backfill, coupon sweep and hook check: 3 messages a store), nothing due (every job just
// queued), and every store with due inbox events (a drain each). Prints; asserts nothing.
//
//   npx tsx bench/worker-cron.ts [--stores 1000] --database-url postgres://postgres@127.0.0.1:5432/postgres
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { handleScheduled, WORKER_CRON } from '../src/cloudflare/handlers.ts'
import type { QueueBinding } from '../src/cloudflare/setup.ts'
import { migrateDatabase } from '../src/db/migrate.ts'
import { openPostgres } from '../src/db/postgres.ts'
import { registerStore } from '../src/stores/registry.ts'
import { importTokenKeys } from '../src/stores/token-crypto.ts'

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '1000' },
    'database-url': { type: 'string', default: process.env.TEST_DATABASE_URL },
  },
})
const count = Number(values.stores)
const serverUrl = values['database-url']
if (!serverUrl)
  throw new Error('pass --database-url (a PostgreSQL server; a scratch database is made)')

const scratch = `bench_worker_cron_${process.pid}`
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database "${scratch}"`)
const url = Object.assign(new URL(serverUrl), { pathname: `/${scratch}` }).toString()
const db = openPostgres(url, { max: 4 })
try {
  await migrateDatabase(db)
  const keyText = randomBytes(32).toString('hex')
  const keys = await importTokenKeys(keyText)
  const hashes = Array.from({ length: count }, (_, i) => `cron${i.toString(36).padStart(4, '0')}`)
  for (const storeHash of hashes)
    await registerStore(db, keys, { storeHash, kind: 'app', accessToken: `token-${storeHash}` })

  let sent = 0
  let calls = 0
  const queue: QueueBinding = {
    send: async () => {
      sent += 1
      calls += 1
    },
    sendBatch: async (messages) => {
      sent += [...messages].length
      calls += 1
    },
  }
  const env = {
    TOKEN_ENCRYPTION_KEY: keyText,
    WEBHOOK_SECRET: 'bench-worker-cron-secret',
    DATABASE_URL: url,
    JOBS: queue,
  }

  const run = async (label: string) => {
    sent = 0
    calls = 0
    const pending: Array<Promise<unknown>> = []
    const cpu = process.cpuUsage()
    const started = performance.now()
    await handleScheduled({ cron: WORKER_CRON, scheduledTime: Date.now() }, env, {
      waitUntil: (p) => pending.push(p),
    })
    const wall = performance.now() - started
    const used = process.cpuUsage(cpu)
    await Promise.all(pending)
    const cpuMs = (used.user + used.system) / 1000
    console.log(
      `cron, ${count} stores, ${label}: CPU ${cpuMs.toFixed(0)} ms, wall ${wall.toFixed(0)} ms, ${sent} messages in ${calls} sendBatch calls`,
    )
  }

  // Silence the handler's JSON log lines; the figures are what this prints.
  const log = console.log
  const quiet = (label: string) => {
    console.log = () => {}
    return run(label).finally(() => (console.log = log))
  }
  await quiet('warm-up (isolate start: migrations checked)')
  await db.execute(sql`delete from bigcommerce.sync_state`)
  const report: string[] = []
  console.log = (line: string) => report.push(line)
  await run('every store new')
  await run('nothing due')
  await db.execute(sql`
    insert into bigcommerce.webhook_events (store_hash, scope, resource, resource_id, hash, payload, status)
    select s.store_hash, 'store/product/updated', 'products', 1, md5(s.store_hash), '{}'::jsonb, 'pending'
    from bigcommerce.stores s`)
  await run('every store with due inbox events')
  console.log = log
  for (const line of report.filter((l) => l.startsWith('cron,'))) console.log(line)
} finally {
  await db.close()
  await admin.unsafe(`drop database if exists "${scratch}" with (force)`)
  await admin.end()
}
