// Faults outside the mirror never stop `serve`: the real command through a refused token and an
// API outage, seconds each with several tries in each (it acknowledges every delivery, says so once
// per change, and catches up: the rows equal the store); a hanging endpoint holds back only its own table; and `status`
// tells the truth after a crash and after `webhooks ensure`.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { sql } from 'drizzle-orm'
import parsePrometheus from 'parse-prometheus-text-format'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { startBackgroundWork } from '../../src/node/background.ts'
import type { Logger } from '../../src/util/log.ts'
import { startServer } from '../../src/node/serve.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import type { MirrorStatus } from '../../src/sync/status/status.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { BIN, NODE_FLAGS, cliEnv, runCli } from '../support/cli.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { freePort } from '../support/ports.ts'
import { valueOf } from '../support/prometheus.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import {
  listeningUrl,
  seedDataDir,
  startServeChild,
  stopChild,
  type ServeChild,
} from '../support/serve-process.ts'

const SECRET = 'faults-test-webhook-secret-0123'
// Long enough for several of serve's tries (--api-retry-max 1) within each fault. An outage is
// called one only after a request's five attempts with backoff: API_RETRY_BASE_MS=50 makes those
// take under a second (the default 1 s base, up to 15 s), so it need not last much longer.
const FAULT_MS = { refused: 4_000, outage: 5_000 }
/** serve's settings that shorten every wait the test sits through (retries, schedule). */
const QUICK = { API_RETRY_BASE_MS: '50', SYNC_INTERVAL_MINUTES: '0.1' }
const TABLES = ['customers', 'orders', 'products'] as const
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const clientFor = (sim: SimStore) =>
  createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    pacer: createRatePacer(),
  })

/** Ids whose mirrored row differs from what the store renders now (or is missing or extra). */
async function differences(db: Database, sim: SimStore): Promise<string[]> {
  const wrong: string[] = []
  for (const table of TABLES) {
    const rows = await db.execute<{ id: number; data: unknown }>(
      sql`select id::float8 as id, data from ${sql.raw(`bigcommerce.${table}`)} where store_hash = ${sim.storeHash}`,
    )
    const mirrored = new Map(rows.map((r) => [Number(r.id), r.data]))
    for (const record of sim.store.byId(table)) {
      // Orders are read with their consignments embedded.
      const expected =
        table === 'orders'
          ? sim.store.renderOrderWithConsignments(record)
          : sim.store.render(table, record)
      if (!isDeepStrictEqual(mirrored.get(record.id), expected)) wrong.push(`${table} ${record.id}`)
      mirrored.delete(record.id)
    }
    for (const id of mirrored.keys()) wrong.push(`${table} ${id} (extra)`)
  }
  return wrong
}

const STATUS_TOKEN = 'faults-test-status-token-0123'

/** The inbox's pending events, from serve's /metrics (the embedded database is serve's alone). */
async function pendingEvents(url: string): Promise<number | undefined> {
  const response = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${STATUS_TOKEN}` },
  })
  const families = parsePrometheus(await response.text())
  return valueOf(families, 'bcmirror_inbox_events', { status: 'pending' })
}

/** Lines logged since `from` (an index into the child's lines). */
const since = (child: ServeChild, from: number) => child.lines.slice(from)

describeEachDatabase('serve through API faults (the command)', (ctx) => {
  let sim: SimStore
  let workDir = ''
  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      latencyMs: 5,
      data: { counts: { orders: 12, products: 12, customers: 12 } },
      webhooks: { retryDelaysMs: [200, 400, 800, 1600], localTesting: true },
    })
    workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-faults-'))
    if (ctx.kind === 'pglite') await seedDataDir(join(workDir, 'data'))
  })
  afterAll(async () => {
    await sim?.close()
    await rm(workDir, { recursive: true, force: true })
  })

  const env = async () => ({
    ...serveEnvForSim(sim, SECRET, await freePort()),
    ...(ctx.url ? { DATABASE_URL: ctx.url } : { DATA_DIR: join(workDir, 'data') }),
  })
  const statusJson = async () => {
    const run = await runCli(['status', '--json'], await env())
    // 1 when something needs a person (a failed sweep during a fault, say), 2 while the token is
    // refused (status asks the API itself); the JSON is printed either way.
    expect([0, 1, 2]).toContain(run.code)
    return JSON.parse(run.stdout) as MirrorStatus
  }
  async function withMirror<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const db = ctx.url
      ? openPostgres(ctx.url)
      : await openPglite({ dataDir: join(workDir, 'data') })
    try {
      return await fn(db)
    } finally {
      await db.close()
    }
  }

  /** Changes rows of every table; the store delivers their webhooks. */
  function changeStore(tag: string) {
    for (let id = 1; id <= 4; id++) {
      sim.store.update('orders', id, { staff_notes: `${tag} ${id}` })
      sim.store.update('customers', id, { company: `${tag} ${id}` })
      sim.store.update('products', id, { name: `${tag} ${id}` })
    }
  }

  /** The fault lasts FAULT_MS[state] while the store changes; every delivery is acknowledged. */
  async function throughFault(child: ServeChild, tag: string, state: 'refused' | 'outage') {
    const began = Date.now()
    const from = child.lines.length
    changeStore(`${tag} early`)
    await sim.flushDeliveries()
    await sleep(FAULT_MS[state] / 2 - (Date.now() - began))
    changeStore(`${tag} late`)
    await sim.flushDeliveries()
    await sleep(FAULT_MS[state] - (Date.now() - began))
    // Still inside the fault (an outage is called one only after a request's last attempt).
    if (ctx.kind === 'postgres') {
      const status = await statusJson()
      expect(status.api).toMatchObject({ state })
      expect(status.api?.lastError).toBeTruthy()
    }
    expect(child.process.exitCode).toBeNull()
    expect(sim.webhooks.deliveries.every((d) => d.ok)).toBe(true)
    // Said once when it began, not per request or per try.
    expect(since(child, from).filter((l) => l.state === state)).toHaveLength(1)
    return from
  }

  /**
   * After the fault: the API is seen again, and the worker (and, when asked, a scheduled sweep,
   * at most one interval away) work again.
   */
  async function caughtUp(child: ServeChild, from: number, sweep: boolean) {
    const after = () => since(child, from)
    await expect
      .poll(() => after().some((l) => l.msg === 'store API answering'), { timeout: 60_000 })
      .toBe(true)
    await expect
      .poll(
        () => after().some((l) => l.msg === 'worker batch' && l.claimed !== 0 && l.released === 0),
        { timeout: 60_000 },
      )
      .toBe(true)
    if (!sweep) return
    await expect
      .poll(() => after().some((l) => l.msg === 'sweep incremental' && l.ok === true), {
        timeout: 90_000,
      })
      .toBe(true)
  }

  it(
    'stays up through seconds of a refused token and of an API outage, then catches up',
    { timeout: 180_000 },
    async () => {
      // Sweeps every 6 s: one is due soon after each fault (a sweep that ended with the API down
      // runs again as soon as it answers), instead of up to 15 minutes later.
      const child = startServeChild({ ...(await env()), ...QUICK, STATUS_TOKEN }, [
        '--api-retry-max',
        '1',
      ])
      try {
        const url = await listeningUrl(child)
        await ensureHooks(clientFor(sim), { destination: `${url}${WEBHOOK_PATH}`, secret: SECRET })
        await expect
          .poll(() => child.lines.some((l) => l.msg === 'sweep incremental' && l.ok === true), {
            timeout: 30_000,
          })
          .toBe(true)

        sim.setOptions({ tokens: { 'some-other-token': { scopes: [] } } })
        const refusedFrom = await throughFault(child, 'refused', 'refused')
        sim.setOptions({ tokens: undefined })
        await caughtUp(child, refusedFrom, false)

        sim.setOptions({ errorRate: 1 })
        const outageFrom = await throughFault(child, 'outage', 'outage')
        sim.setOptions({ errorRate: 0 })
        await caughtUp(child, outageFrom, true)
        // An event whose refetch failed during the outage waits out its backoff (seconds) after
        // the sweep has already repaired its row; every event is worked before serve stops.
        await expect.poll(() => pendingEvents(url), { timeout: 60_000 }).toBe(0)
        if (ctx.kind === 'postgres') {
          await expect
            .poll(() => withMirror((db) => differences(db, sim)), { timeout: 30_000 })
            .toEqual([])
          expect((await statusJson()).api).toMatchObject({ state: 'ok' })
        }
      } finally {
        // A failure mid-fault must not leave the store refusing or failing for the next tests.
        sim.setOptions({ tokens: undefined, errorRate: 0 })
        expect(await stopChild(child)).toBe(0)
      }
      expect(child.raw()).not.toContain(sim.accessToken)
      expect(child.raw()).not.toMatch(/\n\s+at /) // no stack trace
      await withMirror(async (db) => {
        expect(await differences(db, sim)).toEqual([])
        const states = await db.execute<{ status: string }>(
          sql`select distinct status from bigcommerce.webhook_events`,
        )
        expect(states).toEqual([{ status: 'done' }])
      })
    },
  )

  it('status shows a sweep whose process was killed as interrupted, not running', async () => {
    let listed = 0
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    // The orders listing hangs (the sync's preflight and other requests go through).
    sim.setOptions({
      onRequest: ({ path }) => {
        if (!path.startsWith('/v2/orders')) return
        listed += 1
        return held
      },
    })
    const sync = spawn(process.execPath, [...NODE_FLAGS, BIN, 'sync', '--tables', 'orders'], {
      env: cliEnv(await env()),
      stdio: 'ignore',
    })
    const exited = new Promise((resolve) => sync.on('close', resolve))
    try {
      // The sweep has recorded its start and its first requests are on the wire.
      await expect.poll(() => listed, { timeout: 30_000 }).toBeGreaterThan(0)
    } finally {
      sync.kill('SIGKILL')
      await exited
      sim.setOptions({ onRequest: undefined })
      release()
    }
    const status = await statusJson()
    expect(status.tables.orders.lastStatus).toBe('interrupted')
  })

  it.each(['api-retry-max', 'confirm-after', 'worker-lease'])(
    'refuses a --%s that is not whole seconds, with exit code 2',
    async (option) => {
      const run = await runCli(['serve', `--${option}`, '2.5'], await env())
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(
        `--${option} must be whole seconds from 1 to 86400, e.g. --${option} `,
      )
    },
  )

  it('webhooks ensure records the hooks it set up, so status no longer says they are missing', async () => {
    const destination = 'https://mirror.example.com/webhooks/bigcommerce'
    const ensured = await runCli(['webhooks', 'ensure', '--url', destination], await env())
    expect(ensured.code).toBe(0)
    expect((await statusJson()).hooks).toMatchObject({ status: 'ok', destination })
  })
})

describeEachDatabase('serve with a hanging endpoint', (ctx) => {
  let sim: SimStore
  let release: () => void = () => {}
  const hung = new Promise<void>((resolve) => (release = resolve))
  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      data: { counts: { orders: 5, products: 5, customers: 5 } },
      // Every products request waits until the test lets it go.
      onRequest: ({ path }) => (path.startsWith('/v3/catalog/products') ? hung : undefined),
    })
  })
  afterAll(async () => {
    release()
    await sim?.close()
  })

  it('holds back only its own table: a customer event still reaches its row at once', async () => {
    const config = {
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      schedule: { incrementalMinutes: 0, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 },
    }
    const log: Logger = () => {}
    const server = await startServer({
      config,
      db: ctx.db,
      background: startBackgroundWork({ config, db: ctx.db, client: clientFor(sim), log }),
      port: 0,
      hostname: '127.0.0.1',
      log,
    })
    const deliver = (scope: string, id: number) =>
      fetch(`${server.url}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'X-Webhook-Secret': SECRET },
        body: JSON.stringify({
          scope,
          data: { type: scope.split('/')[1], id },
          hash: `${scope}-${id}`,
          producer: `stores/${sim.storeHash}`,
        }),
      })
    const mirrored = async (table: string, id: number) => {
      const [row] = await ctx.db.execute<{ data: unknown }>(
        sql`select data from ${sql.raw(`bigcommerce.${table}`)} where id = ${id}`,
      )
      return row?.data ?? null
    }
    try {
      expect((await deliver('store/product/updated', 1)).status).toBe(200)
      await expect.poll(() => sim.stats.byPath['GET /v3/catalog/products'] ?? 0).toBeGreaterThan(0)
      sim.store.update('customers', 2, { company: 'while products hang' })
      expect((await deliver('store/customer/updated', 2)).status).toBe(200)
      await expect
        .poll(() => mirrored('customers', 2), { timeout: 10_000 })
        .toMatchObject({ company: 'while products hang' })
      expect(await mirrored('products', 1)).toBeNull()
      // Once the endpoint answers, its own events go through too.
      release()
      await expect.poll(() => mirrored('products', 1), { timeout: 10_000 }).not.toBeNull()
    } finally {
      release()
      await server.stop()
    }
  })
})
