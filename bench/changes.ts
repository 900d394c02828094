// How soon the change feed tells a listener about a commit: rows written through the mirror's own
// write path (upsertRows, as sweeps and the event worker write), heard through listenForChanges
// (LISTEN bigcommerce_mirror), on PGlite in memory and, when BENCH_DATABASE_URL is set, on a scratch
// PostgreSQL database. Prints p50/p99/max of two spans per scenario:
// - commit → heard: from the writer's commit returning to the listener hearing every id (PGlite
//   delivers inside the commit itself, so there it is at most 0: heard before the writer resumes);
// - write → heard: from issuing the write to hearing it, which includes the write itself.
//
//   npm run bench:changes [-- --commits 1000 --batch-commits 50 --batch 500]
import { parseArgs } from 'node:util'
import { listenForChanges } from '../src/db/changes.ts'
import type { Database } from '../src/db/database.ts'
import { upsertRows } from '../src/db/write.ts'
import type { ResourceRow } from '../src/resources/types.ts'
import { migrateDatabase } from '../src/db/migrate.ts'
import { openPglite } from '../src/db/pglite.ts'
import { freshDatabase } from './support/database.ts'

const { values } = parseArgs({
  options: {
    commits: { type: 'string', default: '1000' },
    'batch-commits': { type: 'string', default: '50' },
    batch: { type: 'string', default: '500' },
  },
})
const commits = Number(values.commits)
const batchCommits = Number(values['batch-commits'])
const batch = Number(values.batch)

interface Scenario {
  label: string
  commits: number
  rows: number
}

interface Spans {
  afterCommit: number[]
  fromWrite: number[]
  notifications: number
}

const row = (id: number): ResourceRow => ({
  id,
  date_modified: new Date('2024-06-01T10:00:00Z'),
  data: { id, name: `Product ${id}`, date_modified: '2024-06-01T10:00:00Z' },
  name: `Product ${id}`,
})

/** Writes `scenario.commits` commits one after another, each awaited, and times each one's hearing. */
async function measure(db: Database, scenario: Scenario, firstId: number): Promise<Spans> {
  let remaining = 0
  let heardAt = 0
  let heard: () => void = () => {}
  let notifications = 0
  const unsubscribe = await listenForChanges(db, (change) => {
    notifications += 1
    remaining -= change.ids.length
    if (remaining === 0) {
      heardAt = performance.now()
      heard()
    }
  })
  const spans: Spans = { afterCommit: [], fromWrite: [], notifications: 0 }
  let next = firstId
  for (let i = 0; i < scenario.commits; i++) {
    const rows = Array.from({ length: scenario.rows }, () => row(next++))
    remaining = rows.length
    const done = new Promise<void>((resolve) => (heard = resolve))
    const started = performance.now()
    await upsertRows(db, 'products', 'bench', rows)
    const committed = performance.now()
    await done
    spans.afterCommit.push(heardAt - committed)
    spans.fromWrite.push(heardAt - started)
  }
  await unsubscribe()
  spans.notifications = notifications
  return spans
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

function describe(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b)
  const ms = (n: number) => `${n.toFixed(2)} ms`.padStart(10)
  return `p50 ${ms(percentile(sorted, 50))}  p99 ${ms(percentile(sorted, 99))}  max ${ms(sorted.at(-1) ?? NaN)}`
}

async function runOn(kind: string, db: Database): Promise<void> {
  const scenarios: Scenario[] = [
    { label: `${commits} commits of 1 row`, commits, rows: 1 },
    { label: `${batchCommits} commits of ${batch} rows`, commits: batchCommits, rows: batch },
  ]
  console.log(`\n${kind}`)
  // A few commits first, so the first measured one does not pay for warming up.
  await measure(db, { label: 'warm-up', commits: 20, rows: 1 }, 1)
  // Ids of 16 digits, as large as the mirror's ids get, so a batch's ids are split over the most
  // notifications (500 of them take two).
  let firstId = 1_000_000_000_000_000
  for (const scenario of scenarios) {
    const spans = await measure(db, scenario, firstId)
    firstId += scenario.commits * scenario.rows
    const perCommit = (spans.notifications / scenario.commits).toFixed(1)
    console.log(`  ${scenario.label} (${perCommit} notifications per commit)`)
    console.log(`    commit → heard  ${describe(spans.afterCommit)}`)
    console.log(`    write  → heard  ${describe(spans.fromWrite)}`)
  }
}

console.log(
  `bench:changes — commit-to-notification latency of the change feed (target p99 ≤ 100 ms), ` +
    `writes awaited one after another`,
)
const pglite = await openPglite()
await migrateDatabase(pglite)
await runOn('PGlite (in memory; heard inside the commit, before the writer resumes)', pglite)
await pglite.close()
if (process.env.BENCH_DATABASE_URL) {
  const target = await freshDatabase('changes')
  await runOn('PostgreSQL (the listener on a connection of its own)', target.db)
  await target.dispose()
} else {
  console.log('\nPostgreSQL: skipped (set BENCH_DATABASE_URL to a server to measure it too)')
}
