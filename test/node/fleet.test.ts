// serve for several stores in one process (fleet.ts, store-lane.ts), over real HTTP against two
// simulated stores: one store's backfill or refused token never holds back another's webhook
// rows; a paused store's running backfill stops cleanly and resumes with the store; a delivery for
// an unknown or uninstalled store is answered 200 and not stored, and counted; a paused store's
// deliveries are kept and worked once it resumes; a store added to a running serve backfills; and
// with the real registry, a store registered while serve runs starts and a paused one stops; and
// the fleet's own timer (no refresh() from outside) picks up stores added, paused and removed.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { createMirrorMetrics } from '../../src/http/metrics.ts'
import { startFleetWork, type FleetWork } from '../../src/node/fleet.ts'
import { startServer, type RunningServer } from '../../src/node/serve.ts'
import { openStoreDirectory } from '../../src/node/store-directory.ts'
import { registerStore, setStoreStatus } from '../../src/stores/registry.ts'
import { importTokenKeys } from '../../src/stores/token-crypto.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import type { Logger } from '../../src/util/log.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { createTestDirectory, type TestDirectory } from '../support/test-directory.ts'
import { createProductsGate } from '../support/products-gate.ts'

const SECRET = 'fleet-test-webhook-secret-0123'
const STATUS_TOKEN = 'fleet-test-status-token'
const BACKFILL_ONLY = { incrementalMinutes: 60, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 }

async function productName(db: Database, storeHash: string, id: number) {
  const [row] = await db.execute<{ name: string }>(
    sql`select data->>'name' as name from bigcommerce.products where store_hash = ${storeHash} and id = ${id}`,
  )
  return row?.name ?? null
}

async function inboxCount(db: Database, storeHash: string) {
  const [row] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from bigcommerce.webhook_events where store_hash = ${storeHash}`,
  )
  return Number(row?.n)
}

async function apiState(db: Database, storeHash: string) {
  const [row] = await db.execute<{ status: string }>(
    sql`select last_status as status from bigcommerce.sync_state where store_hash = ${storeHash} and table_name = 'api'`,
  )
  return row?.status ?? null
}

async function rows(db: Database, storeHash: string) {
  const [row] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from bigcommerce.products where store_hash = ${storeHash}`,
  )
  return Number(row?.n)
}

async function jobStatus(db: Database, storeHash: string, job: string) {
  const [row] = await db.execute<{ status: string }>(
    sql`select last_status as status from bigcommerce.sync_state
        where store_hash = ${storeHash} and table_name = ${`job:${job}`}`,
  )
  return row?.status ?? null
}

async function leaseHeld(db: Database, name: string) {
  const found = await db.execute(sql`select 1 from bigcommerce.leases where name = ${name}`)
  return found.length > 0
}

/** A store/product/updated delivery for `storeHash`, sent to serve at `url`; its status. */
async function deliverTo(url: string, storeHash: string, id: number) {
  const response = await fetch(`${url}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
    body: JSON.stringify({
      scope: 'store/product/updated',
      store_id: '1',
      data: { type: 'product', id },
      hash: `${storeHash}-${id}-${Date.now()}`,
      created_at: Math.floor(Date.now() / 1000),
      producer: `stores/${storeHash}`,
    }),
  })
  return response.status
}

describeEachDatabase('serve for several stores', (ctx) => {
  const logs: Array<Record<string, unknown>> = []
  const log: Logger = (level, msg, fields) => logs.push({ level, msg, ...fields })
  const gate = createProductsGate()
  let big: SimStore
  let small: SimStore
  let added: SimStore
  let refused: SimStore
  let directory: TestDirectory
  let fleet: FleetWork
  let server: RunningServer
  const metrics = createMirrorMetrics()

  beforeAll(async () => {
    const simOptions = { quota: null, latencyMs: 2 }
    ;[big, small, added, refused] = await Promise.all([
      startSimStore({
        ...simOptions,
        storeHash: 'bigstore',
        data: { counts: { products: 300 } },
        onRequest: gate.onRequest,
      }),
      startSimStore({ ...simOptions, storeHash: 'smallstore', data: { counts: { products: 5 } } }),
      startSimStore({ ...simOptions, storeHash: 'addedstore', data: { counts: { products: 7 } } }),
      startSimStore({
        ...simOptions,
        storeHash: 'refusedstore',
        data: { counts: { products: 3 } },
      }),
    ])
    directory = createTestDirectory()
    directory.set(big)
    directory.set(small)
    directory.set({ storeHash: 'refusedstore', accessToken: 'not-a-token' })
    directory.set({ storeHash: 'gonestore', accessToken: 'x' }, 'uninstalled')
    // Each simulated store runs on its own server: apiUrlOf points each lane's client at its own.
    fleet = startFleetWork({
      config: { apiUrl: big.url, webhookSecret: SECRET, schedule: BACKFILL_ONLY },
      apiUrlOf: (hash) => simFor(hash).url,
      db: ctx.db,
      directory,
      log,
      refreshMs: 60_000,
      scheduleStartDelayMs: 0,
      worker: { idleMs: 100, gatherMs: 0 },
      onApiEvent: (store, event, quota) => metrics.recordApiEvent(event, quota, store),
    })
    server = await startServer({
      config: { storeHash: '', webhookSecret: SECRET, statusToken: STATUS_TOKEN },
      db: ctx.db,
      metrics,
      background: fleet,
      directory,
      port: 0,
      log,
    })
  })
  afterAll(async () => {
    gate.open()
    await server?.stop()
    await Promise.all([big, small, added, refused].map((sim) => sim?.close()))
  })

  const simFor = (hash: string) =>
    ({ smallstore: small, addedstore: added, refusedstore: refused })[hash] ?? big

  const deliver = (storeHash: string, id: number) => deliverTo(server.url, storeHash, id)

  it("a store's webhook rows arrive while another is in its backfill or refuses its token", async () => {
    await expect.poll(() => gate.held(), { timeout: 10_000 }).toBeGreaterThan(0)
    await expect.poll(() => apiState(ctx.db, 'refusedstore'), { timeout: 10_000 }).toBe('refused')
    small.store.update('products', 2, { name: 'Changed while the other store backfills' })
    expect(await deliver('smallstore', 2)).toBe(200)
    await expect
      .poll(() => productName(ctx.db, 'smallstore', 2), { timeout: 10_000 })
      .toBe('Changed while the other store backfills')
    // The big store's backfill is still held on its first page: nothing of it is mirrored yet.
    expect(await rows(ctx.db, 'bigstore')).toBe(0)
  })

  it("stops a paused store's running backfill cleanly and resumes it when the store is active again", async () => {
    directory.set(big, 'paused')
    await fleet.refresh()
    expect(fleet.stores()).not.toContain('bigstore')
    // The lane stops once its sweep is aborted: the run is recorded as stopped (it does not count
    // as a run, so the backfill is still due) and the job's lease is free for any process.
    await expect
      .poll(() => jobStatus(ctx.db, 'bigstore', 'incremental'), { timeout: 10_000 })
      .toBe('stopped')
    await expect
      .poll(() => leaseHeld(ctx.db, 'job:bigstore:incremental'), { timeout: 10_000 })
      .toBe(false)
    gate.open()
    directory.set(big, 'active')
    await fleet.refresh()
    await expect.poll(() => rows(ctx.db, 'bigstore'), { timeout: 20_000 }).toBe(300)
    expect(logs.some((l) => l.msg === 'store stopped' && l.store === 'bigstore')).toBe(true)
  })

  it('answers 200 for an unknown or uninstalled store, stores nothing, and counts it by reason', async () => {
    expect(await deliver('nosuchstore', 1)).toBe(200)
    expect(await deliver('gonestore', 1)).toBe(200)
    expect(await inboxCount(ctx.db, 'nosuchstore')).toBe(0)
    expect(await inboxCount(ctx.db, 'gonestore')).toBe(0)
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${STATUS_TOKEN}` },
    }).then((r) => r.text())
    expect(metrics).toContain('bcmirror_webhook_dropped_total{reason="unknown_store"} 1')
    expect(metrics).toContain('bcmirror_webhook_dropped_total{reason="uninstalled_store"} 1')
    expect(metrics).not.toContain('nosuchstore')
  })

  it('shows every store with a total on /status, names the refused one with its fix, and gives API figures per store and in total', async () => {
    const auth = { authorization: `Bearer ${STATUS_TOKEN}` }
    const page = await fetch(`${server.url}/status`, { headers: auth }).then((r) => r.text())
    expect(page).toContain('data-testid="stores"')
    for (const hash of ['bigstore', 'smallstore', 'refusedstore']) expect(page).toContain(hash)
    expect(page).toMatch(/store refusedstore: the store API refuses the access token/)
    expect(page).toContain('bc-mirror stores add --store-hash refusedstore')
    expect(page).toContain('total (3 stores)')
    // Each store's API requests and errors as this process counted them, and the total.
    expect(page).toContain('<th class="num">API requests</th>')
    const cells = (hash: string) =>
      [
        ...(new RegExp(`<td>${hash}</td>(.*?)</tr>`).exec(page)?.[1] ?? '').matchAll(
          /<td[^>]*>([^<]*)<\/td>/g,
        ),
      ].map((m) => m[1])
    expect(cells('smallstore').slice(4, 6)).toEqual([String(small.stats.requests), '0'])
    expect(Number(cells('refusedstore')[5])).toBeGreaterThan(0)
    const metrics = await fetch(`${server.url}/metrics`, { headers: auth }).then((r) => r.text())
    expect(metrics).toContain('bcmirror_stores{api_state="refused"} 1')
    expect(metrics).toContain('bcmirror_stores_needing_attention 1')
    // Three stores: each has its own series (at most 20 do, the refused one first); the small
    // store's backfill is over, so its count is what its simulated store answered.
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1])
    expect(sample('bcmirror_store_api_requests_total\\{store="smallstore"\\}')).toBe(
      small.stats.requests,
    )
    expect(sample('bcmirror_store_api_errors_total\\{store="refusedstore"\\}')).toBeGreaterThan(0)
    expect(sample('bcmirror_store_api_errors_total\\{store="smallstore"\\}')).toBe(0)
    expect(sample('bcmirror_store_api_requests_total\\{store="bigstore"\\}')).toBeGreaterThan(0)
    expect(sample('bcmirror_api_stores_seen')).toBe(3)
    expect(sample('bcmirror_api_errors_total')).toBe(
      sample('bcmirror_store_api_errors_total\\{store="refusedstore"\\}'),
    )
  })

  it("keeps a paused store's deliveries and works them once it resumes", async () => {
    directory.set(small, 'paused')
    await fleet.refresh()
    expect(fleet.stores()).not.toContain('smallstore')
    small.store.update('products', 3, { name: 'Changed while paused' })
    expect(await deliver('smallstore', 3)).toBe(200)
    expect(await inboxCount(ctx.db, 'smallstore')).toBe(2)
    directory.set(small, 'active')
    await fleet.refresh()
    await expect
      .poll(() => productName(ctx.db, 'smallstore', 3), { timeout: 10_000 })
      .toBe('Changed while paused')
  })

  it('starts the backfill of a store added to the directory while serve runs', async () => {
    directory.set(added)
    await fleet.refresh()
    expect(fleet.stores()).toContain('addedstore')
    await expect.poll(() => rows(ctx.db, 'addedstore'), { timeout: 10_000 }).toBe(7)
    expect(logs.some((l) => l.msg === 'store started' && l.store === 'addedstore')).toBe(true)
  })
})

describeEachDatabase('serve over the store registry', (ctx) => {
  const KEY = 'ab'.repeat(32)
  let sim: SimStore
  let fleet: FleetWork | undefined
  beforeAll(async () => {
    sim = await startSimStore({
      quota: null,
      storeHash: 'registered',
      data: { counts: { products: 4 } },
    })
  })
  afterAll(async () => {
    await fleet?.stop()
    await sim?.close()
  })

  it('starts a store registered while serve runs, and stops it when paused', async () => {
    const config = { storeHash: '', accessToken: '', tokenEncryptionKey: KEY }
    const directory = await openStoreDirectory(config, ctx.db, () => {})
    fleet = startFleetWork({
      config: { apiUrl: sim.url, webhookSecret: SECRET, schedule: BACKFILL_ONLY },
      db: ctx.db,
      directory,
      log: () => {},
      scheduleStartDelayMs: 0,
      worker: { idleMs: 100 },
    })
    await fleet.refresh()
    expect(fleet.stores()).toEqual([])
    const keys = await importTokenKeys(KEY)
    const registered = { storeHash: 'registered', kind: 'api_account' as const }
    await registerStore(ctx.db, keys, { ...registered, accessToken: sim.accessToken })
    // What an install tells serve: read the stores now, not at the next refresh.
    fleet.storesChanged?.()
    await expect.poll(() => fleet?.stores(), { timeout: 5_000 }).toEqual(['registered'])
    await expect.poll(() => rows(ctx.db, 'registered'), { timeout: 10_000 }).toBe(4)
    await setStoreStatus(ctx.db, 'registered', 'paused')
    await fleet.refresh()
    expect(fleet.stores()).toEqual([])
    await fleet.stop()
  })

  it('keeps the deliveries of a store whose token cannot be opened (200, in the inbox), and does not serve it', async () => {
    const sealedWith = await importTokenKeys('cd'.repeat(32))
    await registerStore(ctx.db, sealedWith, {
      storeHash: 'sealedaway',
      kind: 'api_account',
      accessToken: 'a-token-sealed-with-another-key',
    })
    const warnings: string[] = []
    const config = { storeHash: '', accessToken: '', tokenEncryptionKey: KEY }
    const directory = await openStoreDirectory(config, ctx.db, (_, msg, fields) =>
      warnings.push(`${msg} ${String(fields?.store)}`),
    )
    const woken: Array<string | undefined> = []
    const receiver = await startServer({
      config: { storeHash: '', webhookSecret: SECRET },
      db: ctx.db,
      background: {
        wake: (_, storeHash) => woken.push(storeHash),
        stop: async () => {},
        crashed: new Promise<never>(() => {}),
      },
      directory,
      port: 0,
      log: () => {},
    })
    try {
      expect(await deliverTo(receiver.url, 'sealedaway', 3)).toBe(200)
      expect(await inboxCount(ctx.db, 'sealedaway')).toBe(1)
      expect(woken).toContain('sealedaway')
      // The work for it waits for its key: it is left out of the stores served, and said so.
      expect(await directory.active()).toEqual([])
      expect(warnings).toContain(
        "a registered store's token cannot be opened; the store is not served sealedaway",
      )
    } finally {
      await receiver.stop()
      await setStoreStatus(ctx.db, 'sealedaway', 'uninstalled')
    }
  })

  it('a store registered while a read of the stores is under way starts at once, not a refresh later', async () => {
    const directory = createTestDirectory()
    // The first read is held: it began before the install below, so it cannot have seen it.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let reads = 0
    const slowDirectory = {
      ...directory,
      active: async () => {
        reads += 1
        const answer = await directory.active()
        if (reads === 1) await held
        return answer
      },
    }
    fleet = startFleetWork({
      config: { apiUrl: sim.url, webhookSecret: SECRET, schedule: BACKFILL_ONLY },
      db: ctx.db,
      directory: slowDirectory,
      log: () => {},
      refreshMs: 60_000,
      scheduleStartDelayMs: 0,
      worker: { idleMs: 100 },
    })
    await expect.poll(() => reads).toBe(1)
    directory.set({ storeHash: 'lateinstall', accessToken: sim.accessToken })
    fleet.storesChanged?.()
    release()
    await expect.poll(() => fleet?.stores(), { timeout: 5_000 }).toEqual(['lateinstall'])
    expect(reads).toBe(2)
  })
})

describeEachDatabase('serve re-reading its stores on its own', (ctx) => {
  let sims: SimStore[] = []
  let fleet: FleetWork | undefined
  afterAll(async () => {
    await fleet?.stop()
    await Promise.all(sims.map((sim) => sim.close()))
  })

  it('picks up a store added, one paused and one removed at its next read of the directory, with no call from outside', async () => {
    sims = await Promise.all(
      ['stayer', 'pausee', 'removee', 'newcomer'].map((storeHash) =>
        startSimStore({ quota: null, storeHash, data: { counts: { products: 2 } } }),
      ),
    )
    const [stayer, pausee, removee, newcomer] = sims as [SimStore, SimStore, SimStore, SimStore]
    const directory = createTestDirectory()
    for (const sim of [stayer, pausee, removee]) directory.set(sim)
    const logs: Array<Record<string, unknown>> = []
    fleet = startFleetWork({
      config: { apiUrl: stayer.url, webhookSecret: SECRET, schedule: BACKFILL_ONLY },
      apiUrlOf: (hash) => (sims.find((sim) => sim.storeHash === hash) ?? stayer).url,
      db: ctx.db,
      directory,
      log: (level, msg, fields) => logs.push({ msg, ...fields }),
      // Serve reads every 60 s; the same timer, shorter.
      refreshMs: 100,
      scheduleStartDelayMs: 0,
      worker: { idleMs: 100 },
    })
    await expect.poll(() => fleet?.stores().sort()).toEqual(['pausee', 'removee', 'stayer'])
    const readsBefore = directory.reads()
    directory.set(newcomer)
    directory.set(pausee, 'paused')
    directory.remove('removee')
    await expect
      .poll(() => fleet?.stores().sort(), { timeout: 5_000 })
      .toEqual(['newcomer', 'stayer'])
    expect(directory.reads()).toBeGreaterThan(readsBefore)
    await expect.poll(() => rows(ctx.db, 'newcomer'), { timeout: 10_000 }).toBe(2)
    const stopped = logs.filter((l) => l.msg === 'store stopped').map((l) => l.store)
    expect(stopped.sort()).toEqual(['pausee', 'removee'])
  })
})
