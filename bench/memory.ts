// Memory of a backfill: the peak resident size (max RSS) of one `bc-mirror sync` process, run as
// a user runs it (the `bin` command, its own process), against the simulated store with no quota,
// on PostgreSQL and on the embedded database (a fresh DATA_DIR), at two store sizes. Also printed
// at the end of bench:sync.
//
//   npm run bench:memory [-- --rows 30000,150000 --latency-ms 20 --databases PostgreSQL,embedded]
//
// PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a scratch
// database is created and dropped on that server. Each process reports its own peak on exit
// (bench/support/report-max-rss.mjs, loaded through NODE_OPTIONS so processes the command starts
// report theirs too: a new embedded database is created in one, from the build's image or by
// initdb, see src/node/create-data-dir.ts).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import type { ResourceName } from '../src/db/schema.ts'
import { startSimProcess, type SimProcess } from './support/sim-client.ts'

const BIN = fileURLToPath(new URL('../bin/bc-mirror.js', import.meta.url))
const REPORTER = new URL('./support/report-max-rss.mjs', import.meta.url).href
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A store shaped like bench:sync's: more orders than customers than products, a few coupons. */
export function storeCounts(totalRows: number): Partial<Record<ResourceName, number>> {
  return {
    orders: Math.round(totalRows * 0.4),
    customers: Math.round(totalRows * 0.3),
    products: Math.round(totalRows * 0.25),
    coupons: Math.round(totalRows * 0.05),
  }
}

interface ProcessPeak {
  pid: number
  maxRssBytes: number
  heapUsed: number
  external: number
}

interface MemoryRun {
  rows: number
  database: 'PostgreSQL' | 'embedded'
  seconds: number
  sync: ProcessPeak
  /** Peaks of the processes the command started (creating a new DATA_DIR). */
  helpers: ProcessPeak[]
}

/** A scratch PostgreSQL database, or a fresh DATA_DIR: the settings the command gets. */
async function scratchTarget(database: MemoryRun['database'], label: string) {
  if (database === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'bcm-memory-'))
    const env = { DATA_DIR: join(dir, 'data') }
    return { env, dispose: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const name = `bcm_bench_${process.pid}_${label}`
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.unsafe(`create database "${name}"`)
  const url = new URL(SERVER)
  url.pathname = `/${name}`
  return {
    env: { DATABASE_URL: url.toString() },
    async dispose() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    },
  }
}

async function runSyncProcess(sim: SimProcess, env: Record<string, string>, report: string) {
  const child = spawn(process.execPath, [BIN, 'sync', '--json'], {
    env: {
      PATH: process.env.PATH,
      // BENCH_NODE_OPTIONS: V8 flags to try on the measured command (e.g. --max-semi-space-size=4).
      NODE_OPTIONS: [`--import=${REPORTER}`, process.env.BENCH_NODE_OPTIONS]
        .filter(Boolean)
        .join(' '),
      MAX_RSS_REPORT: report,
      BIGCOMMERCE_API_URL: sim.url,
      BIGCOMMERCE_STORE_HASH: sim.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  const summary = JSON.parse(stdout || '{}') as { ok?: boolean }
  if (code !== 0 || !summary.ok) {
    throw new Error(`sync exited ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`)
  }
  return child.pid ?? 0
}

async function measureOne(sim: SimProcess, rows: number, database: MemoryRun['database']) {
  const target = await scratchTarget(database, `mem_${rows}`)
  const report = join(tmpdir(), `bcm-memory-${process.pid}-${rows}-${database}.jsonl`)
  rmSync(report, { force: true })
  const started = performance.now()
  try {
    const pid = await runSyncProcess(sim, target.env, report)
    const seconds = (performance.now() - started) / 1000
    const peaks = readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ProcessPeak)
    const sync = peaks.find((p) => p.pid === pid)
    if (!sync) throw new Error('the sync process did not report its peak')
    const helpers = peaks.filter((p) => p.pid !== pid)
    return { rows, database, seconds, sync, helpers } satisfies MemoryRun
  } finally {
    rmSync(report, { force: true })
    await target.dispose()
  }
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`

function printRun(run: MemoryRun) {
  const helper = run.helpers.reduce((m, p) => Math.max(m, p.maxRssBytes), 0)
  console.log(
    `  ${run.rows.toLocaleString('en-US').padStart(8)} rows  ${run.database.padEnd(10)} ` +
      `max RSS ${mb(run.sync.maxRssBytes).padStart(7)}  (V8 heap peak ${mb(run.sync.heapUsed)}, ` +
      `external peak ${mb(run.sync.external)})  ${run.seconds.toFixed(0)} s` +
      (helper > 0 ? `; creating the DATA_DIR (its own process) ${mb(helper)}` : ''),
  )
}

/** Runs the measurement for each size on both databases and prints one line per run. */
export async function measureMemory(
  sizes: number[],
  latencyMs: number,
  databases: readonly MemoryRun['database'][] = ['PostgreSQL', 'embedded'],
): Promise<MemoryRun[]> {
  console.log(
    `memory of one \`bc-mirror sync\` (backfill, no quota, latency ${latencyMs} ms; max RSS of the process):`,
  )
  const runs: MemoryRun[] = []
  for (const size of sizes) {
    const counts = storeCounts(size)
    const sim = await startSimProcess({
      quota: null,
      latencyMs,
      cacheRendered: true,
      data: { seed: 7, counts },
    })
    try {
      for (const database of databases) {
        const rows = Object.values(counts).reduce((a, b) => a + b, 0)
        const run = await measureOne(sim, rows, database)
        printRun(run)
        runs.push(run)
      }
    } finally {
      await sim.close()
    }
  }
  return runs
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '30000,150000' },
      'latency-ms': { type: 'string', default: '20' },
      databases: { type: 'string', default: 'PostgreSQL,embedded' },
    },
  })
  const databases = values.databases.split(',') as MemoryRun['database'][]
  await measureMemory(values.rows.split(',').map(Number), Number(values['latency-ms']), databases)
}
