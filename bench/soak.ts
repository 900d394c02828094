// The convergence scenario (test/reliability/harness.ts) at size and for as long as asked: a store
// of 100,000+ rows changing all four tables under dropped, duplicated and reordered webhooks and a
// failing API; `bc-mirror serve` SIGKILLed and restarted every --kill-every seconds with a
// `bc-mirror sync` run while it is down (the first one resumes a SIGKILLed backfill); API outages
// and token refusals of --api-faults seconds each while it runs (it must stay up); then, once
// the store stops, the inbox drains, one `bc-mirror sync --full`, and every row is compared.
//
//   npm run soak -- --seconds 600 --seed 7 [--kill-every 120] [--ops 40] [--api-faults 15]
//
// Prints events emitted, delivered and acknowledged, rows compared, mismatches (must be 0), the
// inbox high-water mark and memory at start and end. Exits 1 on any mismatch. PostgreSQL from
// BENCH_DATABASE_URL (default the local server); a scratch database is created and dropped.
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { migrateDatabase } from '../src/db/migrate.ts'
import { openPostgres } from '../src/db/postgres.ts'
import { databaseUrlFor, scratchDatabaseName } from '../test/support/paths.ts'
import { describeMismatches, runScenario } from '../test/reliability/harness.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string', default: '7' },
    'kill-every': { type: 'string', default: '120' },
    /** Store changes per second. */
    ops: { type: 'string', default: '40' },
    /** Seconds of API outage and of refused token, each, per serve cycle (0: none). */
    'api-faults': { type: 'string', default: '15' },
  },
})
const seconds = Number(values.seconds)
const seed = Number(values.seed)
const killEvery = Number(values['kill-every'])
const opsPerSecond = Number(values.ops)
const apiFaultSeconds = Number(values['api-faults'])
for (const [name, value] of Object.entries({
  seconds,
  seed,
  killEvery,
  opsPerSecond,
  apiFaultSeconds,
})) {
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a number, got ${value}`)
}

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = scratchDatabaseName('soak', process.pid, randomBytes(4).toString('hex'))
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database "${name}"`)
const url = databaseUrlFor(serverUrl, name)
const migrating = openPostgres(url)
await migrateDatabase(migrating)
await migrating.close()

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const started = Date.now()
const stamp = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s`
const driverStart = mb(process.memoryUsage().rss)
const counts = { coupons: 10_000, customers: 30_000, orders: 40_000, products: 20_000 }
console.log(
  `soak: seed ${seed}, ${seconds} s of changes, serve SIGKILLed every ${killEvery} s, ~${opsPerSecond} changes/s; ` +
    `store ${JSON.stringify(counts)}; PostgreSQL ${name}`,
)

let exitCode = 0
try {
  const report = await runScenario({
    seed,
    counts,
    target: { kind: 'postgres', url },
    seconds,
    killEverySeconds: killEvery,
    churn: { opsPerTick: Math.max(1, Math.round(opsPerSecond / 20)), tickMs: 50 },
    killBackfillAfter: 60,
    latencyMs: 20,
    apiFaultSeconds,
    log: (message) => console.log(`${stamp()}  ${message}`),
  })
  const mismatches = report.final.mismatches.length + report.acknowledged.mismatches.length
  const d = report.deliveries
  console.log('\nsoak results')
  console.log(
    `  duration                 ${report.seconds.toFixed(0)} s (${seconds} s of store changes)`,
  )
  console.log(`  store rows at start      ${report.storeRows}`)
  console.log(`  store changes            ${JSON.stringify(report.churn)}`)
  console.log(`  events emitted           ${d.emitted}`)
  console.log(
    `  events delivered         ${d.eventsDelivered} (${d.attempts} delivery attempts; the rest dropped by the store)`,
  )
  console.log(
    `  events acknowledged      ${d.eventsAcknowledged} (${d.acks} 2xx answers, duplicates included)`,
  )
  console.log(
    `  serve SIGKILLs           ${report.serveKills}; sync runs while it was down: ${report.backfill.reruns} (first one resumed a SIGKILLed backfill)`,
  )
  console.log(
    `  API faults               ${report.apiFaults.outages} outages and ${report.apiFaults.refusals} token refusals of ${report.apiFaults.seconds} s each; serve exits during them: ${report.apiFaults.serveExits}`,
  )
  console.log(`  inbox high-water mark    ${report.inboxHighWater ?? 'n/a'} pending events`)
  console.log(
    `  inbox at the end         ${report.drain.done} done, ${report.drain.failed} failed, 0 pending`,
  )
  console.log(
    `  acknowledged rows        ${report.acknowledged.compared} compared before the final sync, ${report.acknowledged.mismatches.length} mismatches`,
  )
  console.log(
    `  final sync --full        exit ${report.finalSync.code}, ${report.finalSync.seconds.toFixed(1)} s`,
  )
  console.log(
    `  rows compared            ${report.final.compared} (${JSON.stringify(report.final.byTable)})`,
  )
  console.log(`  mismatches               ${mismatches}`)
  console.log(
    `  memory                   serve RSS ${report.serveRssMb.first ?? '?'} MB after start, ${report.serveRssMb.last ?? '?'} MB at the end (max ${report.serveRssMb.max} MB, across restarts); ` +
      `soak driver (simulated store) RSS ${driverStart} MB at start, ${mb(process.memoryUsage().rss)} MB at the end`,
  )
  if (
    mismatches > 0 ||
    report.finalSync.code !== 0 ||
    report.drain.failed > 0 ||
    report.apiFaults.serveExits > 0
  ) {
    console.log(
      `\nFAILED (seed ${seed}):\n${describeMismatches(report.acknowledged.mismatches)}\n${describeMismatches(report.final.mismatches)}`,
    )
    exitCode = 1
  }
} finally {
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.end()
}
process.exit(exitCode)
