// `serve --demo` (and `npm start` with nothing configured): the real mirror, against the simulated
// BigCommerce store from src/sim running in this process. The store is seeded with a small
// dataset, its webhooks are registered to the local receiver with a generated secret, and it
// changes a few rows a second, so the logs show events arriving and rows being refreshed.
// The demo always uses the embedded database, in <DATA_DIR>/demo, apart from real data.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { parseConfig, type Env } from '../config.ts'
import { WEBHOOK_PATH } from '../http/app.ts'
import { CHILD_PARENTS, type ResourceName } from '../db/schema.ts'
import { EVENT_TABLES, INCREMENTAL_TABLES, SNAPSHOT_TABLES } from '../resources/index.ts'
import { ensureHooks } from '../sync/hooks/mirror-hooks.ts'
import { createJsonLogger, describeError } from '../util/log.ts'
import { runServe } from './serve-command.ts'
import { createStoreClient } from './store-client.ts'
import { writeStdout } from './stdout.ts'

/** Any of these set (in the environment or .env) means the user is pointing at a real store. */
export const STORE_SETTINGS = [
  'BIGCOMMERCE_STORE_HASH',
  'BIGCOMMERCE_ACCESS_TOKEN',
  'WEBHOOK_SECRET',
] as const

export function isStoreConfigured(env: Env): boolean {
  return STORE_SETTINGS.some((name) => (env[name] ?? '').trim() !== '')
}

/** Rows of each table swept by date_modified (orders, products, customers, ...). */
const DATED_TABLE_ROWS = 200
/** Rows of each table listed whole (coupons, categories, brands, ...). */
const WHOLE_TABLE_ROWS = 20
const DEMO_COUNTS = Object.fromEntries([
  ...INCREMENTAL_TABLES.map((name) => [name, DATED_TABLE_ROWS] as const),
  ...SNAPSHOT_TABLES.map((name) => [name, WHOLE_TABLE_ROWS] as const),
])
/** The tables whose rows the demo changes: those webhooks keep current, so events show. */
const CHANGED_TABLES = EVENT_TABLES
/** The tables whose rows have children (an order's lines, a product's variants, ...). */
const PARENT_TABLES = [...new Set(Object.values(CHILD_PARENTS).map((child) => child.parent))]
/** Rows a table keeps at least; the demo deletes none below it. */
const KEPT_ROWS = 50
/** Store changes per second. */
const CHANGES_PER_SECOND = 3

function banner(port: number, dataDir: string, storeHash: string): string {
  const line = '-'.repeat(78)
  return [
    line,
    'bc-mirror DEMO: this is not your store.',
    `A simulated BigCommerce store (${DATED_TABLE_ROWS} each of ${INCREMENTAL_TABLES.join(', ')},`,
    `${WHOLE_TABLE_ROWS} each of ${SNAPSHOT_TABLES.join(', ')}; store hash "${storeHash}") runs inside`,
    `this process and changes`,
    `${CHANGES_PER_SECOND} rows a second. Its webhooks arrive at http://127.0.0.1:${port}${WEBHOOK_PATH}; the worker`,
    `refetches each changed row and writes it to the embedded database in ${dataDir}.`,
    'Watch the "worker batch" lines below. Stop with Ctrl-C.',
    '',
    'To mirror your real store: set BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN and',
    'WEBHOOK_SECRET in the environment or in .env (see README.md, "Quick start"), run npm start',
    'again, expose the port over HTTPS, then run:',
    '  npx bc-mirror webhooks ensure --url https://<your-host>/webhooks/bigcommerce',
    line,
    '',
  ].join('\n')
}

export async function runDemo(env: Env): Promise<void> {
  const { startSimStore } = await import('../sim/index.ts')
  const sim = await startSimStore({
    quota: 450,
    windowMs: 30_000,
    latencyMs: 40,
    data: { counts: DEMO_COUNTS, seed: 2024 },
    // The demo's receiver is http on 127.0.0.1, which a real store would refuse.
    webhooks: { localTesting: true },
  })
  const secret = randomBytes(24).toString('hex')
  const dataDir = join(env.DATA_DIR?.trim() || './data', 'demo')
  const config = parseConfig(
    {
      PORT: env.PORT,
      BIGCOMMERCE_STORE_HASH: sim.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      BIGCOMMERCE_API_URL: sim.url,
      WEBHOOK_SECRET: secret,
      DATA_DIR: dataDir,
      // Shorter than the defaults so the demo shows sweeps too.
      SYNC_INTERVAL_MINUTES: env.SYNC_INTERVAL_MINUTES ?? '2',
      COUPONS_INTERVAL_MINUTES: env.COUPONS_INTERVAL_MINUTES ?? '5',
      FULL_SYNC_INTERVAL_MINUTES: env.FULL_SYNC_INTERVAL_MINUTES ?? '30',
      HOOKS_CHECK_INTERVAL_MINUTES: env.HOOKS_CHECK_INTERVAL_MINUTES ?? '5',
    },
    { store: true, webhookSecret: true },
  )
  const log = createJsonLogger([secret, sim.accessToken], writeStdout)
  let changer: ReturnType<typeof setInterval> | undefined
  // Made before serve starts, so its hook check (due at start) finds them all instead of racing
  // this ensure to create the same hooks. Nothing changes in the store before it listens.
  const hooks = await ensureHooks(createStoreClient(config), {
    destination: `http://127.0.0.1:${config.port}${WEBHOOK_PATH}`,
    secret,
  })
  for (const r of hooks.refused)
    log('warn', 'demo hook refused', { scope: r.scope, reason: r.reason })

  await runServe(config, {
    log,
    afterListen(server) {
      process.stderr.write(banner(server.port, dataDir, sim.storeHash))
      const change = createStoreChanger(sim.store)
      changer = setInterval(() => {
        try {
          change()
        } catch (error) {
          log('warn', 'demo store change failed', { error: describeError(error) })
        }
      }, 1000 / CHANGES_PER_SECOND)
    },
    async beforeClose() {
      clearInterval(changer)
      await sim.close()
    },
  })
}

type SimStoreState = Awaited<ReturnType<typeof import('../sim/index.ts').startSimStore>>['store']

const pickFrom = <T>(list: readonly T[]): T | undefined =>
  list[Math.floor(Math.random() * list.length)]

/**
 * One random, realistic change per call: edits of rows and of their children mostly, now and then
 * a new row or a deletion (an archived order).
 */
function createStoreChanger(store: SimStoreState): () => void {
  let n = 0
  const pick = (name: ResourceName | undefined) => {
    const row = name ? pickFrom(store.byId(name)) : undefined
    return name && row ? { name, id: row.id } : undefined
  }
  return () => {
    n += 1
    const roll = Math.random()
    if (roll < 0.55) {
      const row = pick(pickFrom(CHANGED_TABLES))
      if (row) store.editSample(row.name, row.id, n)
    } else if (roll < 0.9) {
      const row = pick(pickFrom(PARENT_TABLES))
      if (row) store.editSampleChild(row.name, row.id, n)
    } else if (roll < 0.98) {
      const name = pickFrom(CHANGED_TABLES)
      if (name) store.create(name)
    } else {
      const row = pick(pickFrom(CHANGED_TABLES))
      if (row && store.count(row.name) > KEPT_ROWS) store.retire(row.name, row.id)
    }
  }
}
