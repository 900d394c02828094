// What 1,000 idle stores cost serve's background work (fleet.ts): resident size and heap before
// and after a lane per store, every job recently run (so nothing is due), and the statements per
// second while idle. On PostgreSQL (--database-url, a scratch database) the process holds nothing
// else; on the embedded database (default) its RSS includes PGlite's. Prints; asserts nothing.
//
//   npx tsx --expose-gc bench/fleet-idle.ts [--stores 1000 --settle-s 10 --database-url URL]
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { openPglite } from '../src/db/pglite.ts'
import { openPostgres } from '../src/db/postgres.ts'
import { migrateDatabase } from '../src/db/migrate.ts'
import { startFleetWork } from '../src/node/fleet.ts'
import type { StoreAccess, StoreDirectory } from '../src/stores/types.ts'
import { markJobsRecentlyRun } from './support/idle-stores.ts'

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '1000' },
    'settle-s': { type: 'string', default: '10' },
    'database-url': { type: 'string' },
  },
})
const count = Number(values.stores)
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

const scratch = `bench_fleet_idle_${process.pid}`
const serverUrl = values['database-url']
const admin = serverUrl ? postgres(serverUrl, { max: 1, onnotice: () => {} }) : null
if (admin) await admin.unsafe(`create database "${scratch}"`)
const db = serverUrl
  ? openPostgres(Object.assign(new URL(serverUrl), { pathname: `/${scratch}` }).toString())
  : await openPglite({})
await migrateDatabase(db)
const stores: StoreAccess[] = Array.from({ length: count }, (_, i) => ({
  storeHash: `idle${i.toString(36).padStart(4, '0')}`,
  accessToken: `token-${i}`,
  source: 'registry',
}))
await markJobsRecentlyRun(
  db,
  stores.map((s) => s.storeHash),
)
global.gc?.()
const before = process.memoryUsage()
const directory: StoreDirectory = {
  active: async () => stores,
  find: async (hash) => {
    const access = stores.find((s) => s.storeHash === hash)
    return access ? { status: 'active', access } : null
  },
}
let statements = 0
const counting = new Proxy(db, {
  get(target, key, receiver) {
    if (key === 'execute')
      return (...args: unknown[]) => ((statements += 1), target.execute(...(args as [never])))
    return Reflect.get(target, key, receiver)
  },
})
const fleet = startFleetWork({
  config: {
    apiUrl: 'http://127.0.0.1:9',
    webhookSecret: 'x',
    schedule: { incrementalMinutes: 15, couponsMinutes: 60, fullMinutes: 1440, hooksMinutes: 60 },
  },
  db: counting,
  directory,
  log: () => {},
})
await fleet.refresh()
await new Promise((resolve) => setTimeout(resolve, 3_000))
const startStatements = statements
const settleS = Number(values['settle-s'])
await new Promise((resolve) => setTimeout(resolve, settleS * 1000))
global.gc?.()
const after = process.memoryUsage()
console.log(
  `fleet idle: ${fleet.stores().length} stores; rss ${mb(before.rss)} -> ${mb(after.rss)}, heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}; ` +
    `${((statements - startStatements) / settleS).toFixed(1)} statements/s while idle (${startStatements} at start)`,
)
await fleet.stop()
await db.close()
if (admin) {
  await admin.unsafe(`drop database if exists "${scratch}" with (force)`)
  await admin.end()
}
