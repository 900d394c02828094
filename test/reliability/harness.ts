// The convergence scenario shared by the CI test (test/reliability/convergence-seed-*.test.ts) and the
// soak (bench/soak.ts): a simulated store that keeps changing all four tables while its webhooks
// are dropped, duplicated and reordered and its API fails in every way it can; the real
// `bc-mirror serve` and `bc-mirror sync` in child processes, SIGKILLed along the way; then, once
// the store stops changing and the inbox has drained, one `bc-mirror sync --full`, and a row-by-row
// comparison of every table with what the API returns (same ids, date_modified and data, read with
// the mirror's includes).
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import { isDeepStrictEqual } from 'node:util'
import { sql } from 'drizzle-orm'
import { createBigCommerceClient, type BigCommerceClient } from '../../src/bigcommerce/client.ts'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { resourceTables, type ResourceName } from '../../src/db/schema.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { CUSTOMER_INCLUDE } from '../../src/resources/customers.ts'
import { PRODUCT_INCLUDE } from '../../src/resources/products.ts'
import { ORDER_INCLUDE } from '../../src/resources/orders.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import {
  allLines,
  createRng,
  startSimStore,
  type SimFault,
  type SimStore,
  type SimStoreOptions,
} from '../../src/sim/index.ts'
import { BIN, NODE_FLAGS, cliEnv } from '../support/cli.ts'
import {
  CHILD_KINDS,
  compareOrderChildren,
  mirrorChildren,
  storeChildren,
} from '../support/order-children.ts'
import { compareResourceChildren } from '../support/resource-children.ts'

/** The tables the harness changes and compares (the ones with bespoke edits below). */
export const TABLES = ['coupons', 'customers', 'orders', 'products'] as const
type Table = (typeof TABLES)[number]
export const SECRET = 'convergence-webhook-secret-0123456789'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Where the mirror lives: a PGlite data directory (one process at a time) or a PostgreSQL URL. */
export type MirrorTarget = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string }

export function targetEnv(target: MirrorTarget): Record<string, string> {
  return target.kind === 'pglite' ? { DATA_DIR: target.dataDir } : { DATABASE_URL: target.url }
}

/** Runs `fn` on the mirror's database; for PGlite only while no child process holds it. */
export async function withMirror<T>(
  target: MirrorTarget,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const db =
    target.kind === 'pglite'
      ? await openPglite({ dataDir: target.dataDir })
      : openPostgres(target.url)
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

// ---- the simulated store, faulty -----------------------------------------------------------------

export interface FaultLevels {
  /** API: share of requests answered 500, connections dropped, answers delayed by slowMs. */
  errorRate: number
  dropRate: number
  slowRate: number
  slowMs: number
}

export const API_FAULTS: FaultLevels = {
  errorRate: 0.03,
  dropRate: 0.02,
  slowRate: 0.05,
  slowMs: 400,
}

export async function startFaultyStore(options: {
  seed: number
  counts: Partial<Record<ResourceName, number>>
  faults?: FaultLevels
  latencyMs?: number
  cacheRendered?: boolean
}): Promise<SimStore> {
  const sim: SimStoreOptions = {
    seed: options.seed,
    // A real quota, so the pacer meets 429s and X-Rate-Limit-* headers, not only injected ones.
    quota: 400,
    windowMs: 1000,
    latencyMs: options.latencyMs ?? 10,
    jitterMs: options.latencyMs ?? 10,
    data: { seed: options.seed, counts: options.counts },
    cacheRendered: options.cacheRendered,
    ...(options.faults ?? API_FAULTS),
    webhooks: {
      seed: options.seed,
      dropRate: 0.2,
      duplicateRate: 0.1,
      maxDelayMs: 400,
      // Scaled down from BigCommerce's 60 s ... 24 h; long enough to outlast a restart of serve,
      // short enough that a long outage deactivates the hooks (and the sweep has to cover it).
      retryDelaysMs: [200, 500, 1000, 2000, 4000],
      // The receiver is http on 127.0.0.1, which a real store would refuse.
      localTesting: true,
      // BigCommerce's blocklist (2-minute window, 3-minute block) in 1.2 s and 1.8 s, so that a
      // killed serve gets its domain blocked and the deliveries resume within the run.
      timeScale: 0.01,
    },
  }
  return startSimStore(sim)
}

export function apiClient(sim: SimStore): BigCommerceClient {
  return createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    retryBaseMs: 50,
    retryMaxMs: 500,
    maxRetries: 8,
  })
}

// ---- changes to the store ----------------------------------------------------------------------

export interface ChurnCounts {
  creates: number
  updates: number
  deletes: number
  archives: number
  skuEdits: number
  addressEdits: number
  couponEdits: number
  /** Orders whose line items or applied coupons changed (quantity, removed/added line or coupon). */
  childEdits: number
  bursts: number
  injected429: number
  /** New rows whose first read by id answered "not found" (no read-after-write consistency). */
  lateVisible: number
  /** Odd list answers injected (404, {}, {"data": null}, empty body, 204, short pages). */
  listFaults: number
  /** ... and served to a sweep. */
  listFaultsServed: number
  /** Webhook events the store emitted. */
  events: number
}

export interface Churn {
  counts: ChurnCounts
  /** Stops changing the store; resolves when the last change is done. */
  stop(): Promise<void>
  /** For each row changed, the numbers of the events its last change emitted (none: no event). */
  lastEvents: Map<string, number[]>
}

export const rowKey = (table: ResourceName, id: number) => `${table}:${id}`

/**
 * Odd answers a list can give (docs/bigcommerce-api.md), per table, to sweeps' list requests
 * only (`sort` or `page=1` in the query): the event processor's refetches by id are left alone.
 */
const LIST_FAULTS: SimFault[][] = [
  [
    { path: /^\/v3\/catalog\/products$/, query: { sort: true }, answer: 'not-found' },
    { path: /^\/v3\/catalog\/products$/, query: { sort: true }, answer: 'null-data' },
    { path: /^\/v3\/catalog\/products$/, query: { sort: true }, shortPage: 40 },
  ],
  [
    { path: /^\/v3\/customers$/, query: { sort: true }, answer: 'empty-object' },
    { path: /^\/v3\/customers$/, query: { sort: true }, answer: 'empty-body' },
    { path: /^\/v3\/customers$/, query: { sort: true }, shortPage: 40 },
  ],
  [
    { path: /^\/v2\/orders$/, query: { sort: true, page: '1' }, answer: 'no-content' },
    { path: /^\/v2\/orders$/, query: { sort: true }, shortPage: 40 },
    { path: /^\/v2\/orders$/, query: { sort: true }, answer: 'not-found' },
  ],
  [
    { path: /^\/v2\/coupons$/, query: { page: '1' }, answer: 'no-content' },
    { path: /^\/v2\/coupons$/, query: { page: '1' }, answer: 'not-found' },
    { path: /^\/v2\/coupons$/, query: { page: '1' }, answer: 'empty-object' },
  ],
]

/** Round `round`'s odd list answers: one per table, each table's variants in turn. */
const listFaultsOfRound = (round: number): SimFault[] =>
  LIST_FAULTS.map((faults) => faults[round % faults.length] ?? {})

/**
 * How many of the first round's odd list answers (the one injected as the store starts changing)
 * are sure to be served before the store stops: those any list request of their table meets.
 * One that waits for a page 1 may stay unserved, since a sweep resumed from its checkpoint (serve
 * was killed part way through its list) does not ask for page 1 again.
 */
export function sureListFaults(seed: number): number {
  return listFaultsOfRound(seed).filter((fault) => fault.query?.page === undefined).length
}

/**
 * Changes the store `opsPerTick` times every `tickMs`: creates, updates, same-second bursts on one
 * row, deletes, archived orders, SKU and address edits, coupon edits; a fifth of new rows answer
 * "not found" to their first read by id; now and then the next API request is answered 429 or
 * 502, and a sweep's list oddly (LIST_FAULTS). Seeded: the same seed makes the same choices.
 */
export function startChurn(
  sim: SimStore,
  seed: number,
  options: { opsPerTick: number; tickMs: number },
): Churn {
  const rng = createRng(seed ^ 0x5eed)
  const store = sim.store
  const counts: ChurnCounts = {
    creates: 0,
    updates: 0,
    deletes: 0,
    archives: 0,
    skuEdits: 0,
    addressEdits: 0,
    couponEdits: 0,
    childEdits: 0,
    bursts: 0,
    injected429: 0,
    lateVisible: 0,
    listFaults: 0,
    listFaultsServed: 0,
    events: 0,
  }
  const lastEvents = new Map<string, number[]>()
  let current: string | null = null
  let creating: ResourceName | null = null
  store.onEvent((event) => {
    const number = sim.webhooks.emit(event)
    counts.events += 1
    // create() emits before it returns the new id: take the id from the event.
    if (creating) lastEvents.set(rowKey(creating, Number(event.data.id)), [number])
    else if (current) lastEvents.get(current)?.push(number)
  })
  const live: Record<Table, number[]> = {
    coupons: store.byId('coupons').map((r) => r.id),
    customers: store.byId('customers').map((r) => r.id),
    orders: store.byId('orders').map((r) => r.id),
    products: store.byId('products').map((r) => r.id),
  }
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rng() * items.length)]
  const change = (table: ResourceName, id: number, fn: () => void) => {
    current = rowKey(table, id)
    lastEvents.set(current, [])
    try {
      fn()
    } finally {
      current = null
    }
  }
  const word = () => `w${Math.floor(rng() * 1e6).toString(36)}`

  function updateOne(table: Table, id: number) {
    const patches: Record<Table, () => Record<string, unknown>> = {
      coupons: () => ({
        amount: (5 + Math.floor(rng() * 40)).toFixed(4),
        name: `Coupon ${word()}`,
      }),
      customers: () => ({ company: `Co ${word()}`, notes: word() }),
      orders: () => ({ status_id: Math.floor(rng() * 14), staff_notes: word() }),
      products: () => ({ name: `Product ${word()}`, price: Math.round(rng() * 100_000) / 100 }),
    }
    change(table, id, () => store.update(table, id, patches[table]()))
    counts.updates += 1
    if (table === 'coupons') counts.couponEdits += 1
  }

  function step() {
    const roll = rng()
    const table = pick(TABLES) ?? 'orders'
    const ids = live[table]
    const id = pick(ids)
    if (roll < 0.1 || id === undefined) {
      creating = table
      let created: number
      try {
        created = store.create(table, {})
      } finally {
        creating = null
      }
      if (!lastEvents.has(rowKey(table, created))) lastEvents.set(rowKey(table, created), [])
      ids.push(created)
      counts.creates += 1
      // A fifth of new rows are not yet visible to the refetch their created event triggers.
      if (table !== 'coupons' && rng() < 0.2) {
        store.hideById(table, created, 1)
        counts.lateVisible += 1
      }
      return
    }
    if (roll < 0.16 && (table === 'products' || table === 'customers' || table === 'coupons')) {
      change(table, id, () => store.delete(table, id))
      ids.splice(ids.indexOf(id), 1)
      counts.deletes += 1
      return
    }
    if (roll < 0.22 && table === 'orders') {
      change('orders', id, () => store.archiveOrder(id))
      counts.archives += 1
      return
    }
    const record = store.get(table, id)
    if (roll < 0.35 && table === 'products' && record) {
      const variants = store.fieldsOf('products', record).variants
      const variant = Array.isArray(variants)
        ? (pick(variants) as { id?: unknown } | undefined)
        : undefined
      if (typeof variant?.id === 'number') {
        const variantId = variant.id
        change('products', id, () =>
          store.updateVariant(id, variantId, {
            sku: `SKU-${word()}`,
            price: Math.round(rng() * 9999) / 100,
          }),
        )
        counts.skuEdits += 1
        return
      }
    }
    if (roll < 0.35 && table === 'orders' && record) {
      change('orders', id, () => editOrderChildren(id))
      counts.childEdits += 1
      return
    }
    if (roll < 0.35 && table === 'customers' && record) {
      const addresses = store.fieldsOf('customers', record).addresses
      const address = Array.isArray(addresses)
        ? (pick(addresses) as { id?: unknown } | undefined)
        : undefined
      if (typeof address?.id === 'number') {
        const addressId = address.id
        change('customers', id, () =>
          store.updateAddress(id, addressId, { city: `City ${word()}` }),
        )
        counts.addressEdits += 1
        return
      }
    }
    if (roll < 0.42) {
      // A same-second burst: several changes to one row within one timestamp second.
      const times = 2 + Math.floor(rng() * 4)
      for (let i = 0; i < times; i++) updateOne(table, id)
      counts.bursts += 1
      return
    }
    updateOne(table, id)
  }

  /** One of the edits an order's children see: a quantity, a line or a coupon added or removed. */
  function editOrderChildren(id: number) {
    const children = store.orderChildren(id)
    const line = pick(allLines(children)) as { id?: unknown } | undefined
    const coupon = pick(children.coupons) as { id?: unknown } | undefined
    const roll = rng()
    if (roll < 0.3 && line) store.editLineQuantity(id, Number(line.id), 1 + Math.floor(rng() * 9))
    else if (roll < 0.45 && line && allLines(children).length > 1)
      store.removeLine(id, Number(line.id))
    else if (roll < 0.7) store.addLine(id)
    else if (coupon && roll < 0.85) store.removeCoupon(id, Number(coupon.id))
    else store.addCoupon(id, { code: `C-${word()}`, discount: Math.round(rng() * 2000) / 100 })
  }

  /** One odd answer per table, for the next sweep's list requests. */
  const injectListFaults = () => {
    const round = seed + counts.listFaults / LIST_FAULTS.length
    sim.injectFaults(...listFaultsOfRound(round))
    counts.listFaults += LIST_FAULTS.length
  }

  let stopping = false
  // The first round waits for the first sync; later rounds only once a sweep has met the last.
  injectListFaults()
  const running = (async () => {
    let injectedAt = 0
    while (!stopping) {
      for (let i = 0; i < options.opsPerTick; i++) step()
      // Injected faults wait for the next requests; add more only once those have been served, so
      // they never pile up into a run of failures longer than any client retries.
      if (sim.stats.requests > injectedAt + 20) {
        counts.listFaultsServed = sim.stats.oddAnswers
        if (sim.pendingFaults() === 0) injectListFaults()
        sim.injectFaults({ status: 429, resetMs: 150 }, { status: 502 })
        injectedAt = sim.stats.requests
        counts.injected429 += 1
      }
      await sleep(options.tickMs)
    }
  })()
  return {
    counts,
    lastEvents,
    async stop() {
      stopping = true
      await running
      counts.listFaultsServed = sim.stats.oddAnswers
    },
  }
}

/** Rows whose last change emitted an event that some delivery got a 2xx for. */
export function acknowledgedRows(sim: SimStore, lastEvents: Map<string, number[]>): Set<string> {
  const acked = new Set<number>()
  for (const d of sim.webhooks.deliveries) if (d.ok) acked.add(d.event)
  const rows = new Set<string>()
  for (const [key, events] of lastEvents) if (events.some((e) => acked.has(e))) rows.add(key)
  return rows
}

export function deliveryFigures(sim: SimStore) {
  const deliveries = sim.webhooks.deliveries
  const delivered = new Set<number>()
  const acknowledged = new Set<number>()
  let attempts = 0
  let acks = 0
  for (const d of deliveries) {
    attempts += 1
    delivered.add(d.event)
    if (d.ok) {
      acks += 1
      acknowledged.add(d.event)
    }
  }
  return { attempts, acks, eventsDelivered: delivered.size, eventsAcknowledged: acknowledged.size }
}

// ---- the commands ------------------------------------------------------------------------------

export interface CommandEnv {
  sim: SimStore
  target: MirrorTarget
  port: number
  /** API_RETRY_BASE_MS for serve and sync; unset, the default 1 s. */
  apiRetryBaseMs?: number
}

function commandEnv({ sim, target, port, apiRetryBaseMs }: CommandEnv): NodeJS.ProcessEnv {
  // The schedule is off: webhooks and the explicit syncs below are what is under test.
  return cliEnv({
    ...serveEnvForSim(sim, SECRET, port),
    ...targetEnv(target),
    ...(apiRetryBaseMs === undefined ? {} : { API_RETRY_BASE_MS: String(apiRetryBaseMs) }),
  })
}

export interface ServeProcess {
  child: ChildProcess
  url: string
  /** When the worker last logged a batch (ms since epoch). */
  lastBatchAt: () => number
  claimed: () => number
  exited: Promise<number | null>
  output: () => string
}

/**
 * serve on env.port, or on a new port when another program took that one meanwhile (freePort
 * only saw it free; under load an outgoing connection may get it first): a whole run here saw
 * EADDRINUSE once.
 */
export async function startServe(env: CommandEnv): Promise<ServeProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServeOnce(env)
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error
      env.port = await freePort()
    }
  }
}

async function startServeOnce(env: CommandEnv): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      BIN,
      'serve',
      '--worker-lease',
      '2',
      '--api-retry-max',
      '5',
      '--confirm-after',
      '3',
    ],
    {
      env: commandEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let lastBatchAt = Date.now()
  let claimed = 0
  let tail = ''
  let partial = ''
  let url: string | null = null
  const remember = (text: string) => {
    tail = (tail + text).slice(-4000)
  }
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString()
    const lines = text.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (line.includes('"msg":"worker batch"')) {
        lastBatchAt = Date.now()
        claimed += Number(/"claimed":(\d+)/.exec(line)?.[1] ?? 0)
      } else remember(`${line}\n`)
      const listening = /"msg":"listening","url":"([^"]+)"/.exec(line)
      if (listening?.[1]) url = listening[1]
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => remember(chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const started = Date.now()
  while (url === null) {
    if (child.exitCode !== null || Date.now() - started > 60_000)
      throw new Error(`serve did not start: ${tail}`)
    await sleep(25)
  }
  return {
    child,
    url,
    lastBatchAt: () => lastBatchAt,
    claimed: () => claimed,
    exited,
    output: () => tail,
  }
}

export async function stopServe(serve: ServeProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  serve.child.kill(signal)
  const code = await serve.exited
  if (signal === 'SIGTERM' && code !== 0)
    throw new Error(`serve exited with ${code} on SIGTERM: ${serve.output()}`)
}

/** Points the store's hooks at `serve` (and switches deactivated ones back on), as the hook job does. */
export async function pointHooks(sim: SimStore, serve: ServeProcess): Promise<void> {
  // The API keeps failing now and then, and a POST that got a 500 is not repeated by the client
  // (it may have taken effect); ensureHooks is idempotent, so run it again, as the hook job would.
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureHooks(apiClient(sim), {
        destination: `${serve.url}${WEBHOOK_PATH}`,
        secret: SECRET,
      })
      return
    } catch (error) {
      if (attempt >= 5) throw error
    }
  }
}

export interface SyncRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** `bc-mirror sync ...`; with killAfterRequests, SIGKILLed once the store has seen that many more requests. */
export function runSyncCommand(
  env: CommandEnv,
  args: string[],
  killAfterRequests?: number,
): Promise<SyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'sync', ...args], {
      env: commandEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
    let timer: NodeJS.Timeout | undefined
    if (killAfterRequests !== undefined) {
      const until = env.sim.stats.requests + killAfterRequests
      timer = setInterval(() => {
        if (env.sim.stats.requests >= until) child.kill('SIGKILL')
      }, 5)
    }
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** Resident memory of a process in MB, from /proc (Linux); null when unknown. */
export function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1]
    return kb ? Math.round(Number(kb) / 1024) : null
  } catch {
    return null
  }
}

// ---- the inbox ---------------------------------------------------------------------------------

export interface InboxState {
  pending: number
  failed: number
  done: number
  /** Milliseconds until the next pending event is due (0 when one is due now or none waits). */
  nextDueMs: number
}

export async function readInbox(db: Database): Promise<InboxState> {
  const [row] = await db.execute<{
    pending: number
    failed: number
    done: number
    next_ms: number | null
  }>(sql`
    select count(*) filter (where status = 'pending')::int as pending,
           count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status in ('done', 'ignored'))::int as done,
           (extract(epoch from min(available_at) filter (where status = 'pending') - now()) * 1000)::float8 as next_ms
    from bigcommerce.webhook_events`)
  return {
    pending: row?.pending ?? 0,
    failed: row?.failed ?? 0,
    done: row?.done ?? 0,
    nextDueMs: Math.max(0, Number(row?.next_ms ?? 0)),
  }
}

/**
 * Lets serve work until the inbox holds nothing pending, then stops it with SIGTERM. Quiet (no
 * batch for `quietMs`) is checked from its log; the inbox itself is read with serve stopped (PGlite
 * allows one process) and serve is started again while events still wait (e.g. in backoff).
 */
export async function drainInbox(
  env: CommandEnv,
  serve: ServeProcess,
  options: { quietMs?: number; timeoutMs?: number } = {},
) {
  const quietMs = options.quietMs ?? 1500
  const deadline = Date.now() + (options.timeoutMs ?? 120_000)
  let running = serve
  let restarts = 0
  for (;;) {
    while (Date.now() - running.lastBatchAt() < quietMs) await sleep(100)
    await stopServe(running, 'SIGTERM')
    const inbox = await withMirror(env.target, readInbox)
    if (inbox.pending === 0) return { inbox, restarts }
    if (Date.now() > deadline) throw new Error(`inbox did not drain: ${JSON.stringify(inbox)}`)
    running = await startServe(env)
    restarts += 1
    await sleep(Math.min(inbox.nextDueMs, 30_000) + quietMs)
  }
}

// ---- comparing the mirror with the store -------------------------------------------------------

export interface Mismatch {
  table: ResourceName
  id: number
  problem: 'missing' | 'extra' | 'date_modified' | 'data' | 'children'
  detail: string
}

export interface Comparison {
  compared: number
  mismatches: Mismatch[]
  byTable: Record<string, { store: number; mirror: number; mismatches: number }>
}

const LIST: Record<Table, { path: string; query: Record<string, string>; v3: boolean }> = {
  coupons: { path: '/v2/coupons', query: {}, v3: false },
  customers: { path: '/v3/customers', query: { include: CUSTOMER_INCLUDE }, v3: true },
  orders: { path: '/v2/orders', query: { sort: 'id:asc', ...ORDER_INCLUDE }, v3: false },
  products: {
    path: '/v3/catalog/products',
    query: { include: PRODUCT_INCLUDE, sort: 'id' },
    v3: true,
  },
}

/** Every row of a table as the API returns it with the mirror's includes, by id. */
export async function readStoreTable(
  client: BigCommerceClient,
  table: Table,
): Promise<Map<number, Record<string, unknown>>> {
  const { path, query, v3 } = LIST[table]
  const rows = new Map<number, Record<string, unknown>>()
  for (let page = 1; ; page++) {
    const body = await client.get(path, { ...query, limit: 250, page })
    const items = v3
      ? ((body as { data?: unknown[] } | null)?.data ?? [])
      : ((body as unknown[] | null) ?? [])
    for (const item of items as Array<Record<string, unknown>>) rows.set(Number(item.id), item)
    if (items.length < 250) return rows
  }
}

async function readMirrorTable(db: Database, table: ResourceName, storeHash: string) {
  const rows = new Map<number, { dm: number | null; data: unknown }>()
  let after = 0
  for (;;) {
    const page = await db.execute<{ id: number; dm: number | null; data: unknown }>(sql`
      select id::float8 as id, extract(epoch from date_modified)::float8 as dm, data
      from ${resourceTables[table]} where store_hash = ${storeHash} and id > ${after}
      order by id limit 5000`)
    for (const r of page)
      rows.set(Number(r.id), { dm: r.dm === null ? null : Number(r.dm), data: r.data })
    const last = page.at(-1)
    if (!last) return rows
    after = Number(last.id)
  }
}

function describeDataDifference(mirror: unknown, store: Record<string, unknown>): string {
  const held = (mirror ?? {}) as Record<string, unknown>
  const keys = [...new Set([...Object.keys(held), ...Object.keys(store)])]
  const differing = keys.filter((k) => !isDeepStrictEqual(held[k], store[k]))
  const show = (v: unknown) => JSON.stringify(v)?.slice(0, 120)
  return differing
    .slice(0, 4)
    .map((k) => `${k}: mirror ${show(held[k])} store ${show(store[k])}`)
    .join('; ')
}

/**
 * Orders the store's list leaves out (Incomplete, status 0): neither sweeps nor verify compare
 * them (docs/bigcommerce-api.md "The orders listing and its count"), and neither does this.
 */
function unlistedOrders(sim: SimStore): Set<string> {
  const incomplete = sim.store
    .byId('orders')
    .filter((r) => sim.store.fieldsOf('orders', r).status_id === 0)
  return new Set(incomplete.map((r) => rowKey('orders', r.id)))
}

/** Compares the mirror with the store (faults off while reading), optionally only some rows. */
export async function compareWithStore(
  db: Database,
  sim: SimStore,
  only?: Set<string>,
): Promise<Comparison> {
  const client = apiClient(sim)
  const mismatches: Mismatch[] = []
  const byTable: Comparison['byTable'] = {}
  const unlisted = unlistedOrders(sim)
  let compared = 0
  for (const table of TABLES) {
    const store = await readStoreTable(client, table)
    const mirror = await readMirrorTable(db, table, sim.storeHash)
    const ids = new Set([...store.keys(), ...mirror.keys()])
    let tableMismatches = 0
    for (const id of ids) {
      if (only && !only.has(rowKey(table, id))) continue
      if (unlisted.has(rowKey(table, id))) continue
      compared += 1
      const want = store.get(id)
      const have = mirror.get(id)
      let mismatch: Mismatch | null = null
      if (want && !have)
        mismatch = {
          table,
          id,
          problem: 'missing',
          detail: `store date_modified ${String(want.date_modified ?? '-')}`,
        }
      else if (!want && have)
        mismatch = { table, id, problem: 'extra', detail: `mirror date_modified ${have.dm}` }
      else if (want && have) {
        const storeDm =
          typeof want.date_modified === 'string' ? Date.parse(want.date_modified) / 1000 : null
        if (storeDm !== have.dm)
          mismatch = {
            table,
            id,
            problem: 'date_modified',
            detail: `mirror ${have.dm} store ${storeDm}`,
          }
        else if (!isDeepStrictEqual(have.data, want))
          mismatch = { table, id, problem: 'data', detail: describeDataDifference(have.data, want) }
      }
      if (mismatch) {
        tableMismatches += 1
        mismatches.push(mismatch)
      }
    }
    byTable[table] = { store: store.size, mirror: mirror.size, mismatches: tableMismatches }
  }
  const children = await compareChildren(db, sim, only, unlisted)
  mismatches.push(...children.mismatches)
  byTable.order_children = children.counts
  let childParents = 0
  for (const parent of ['products', 'customers'] as const) {
    const nested = await compareNestedChildren(db, sim, parent, only, unlisted)
    mismatches.push(...nested.mismatches)
    byTable[parent === 'products' ? 'product_variants' : 'customer_addresses'] = nested.counts
    childParents += nested.counts.store
  }
  return { compared: compared + children.compared + childParents, mismatches, byTable }
}

/** Products' variants or customers' addresses: each parent's set in the mirror against the store's. */
async function compareNestedChildren(
  db: Database,
  sim: SimStore,
  parent: 'products' | 'customers',
  only: Set<string> | undefined,
  unlisted: Set<string>,
) {
  const wanted = (id: number) =>
    (!only || only.has(rowKey(parent, id))) && !unlisted.has(rowKey(parent, id))
  const { parents, mirrorParents, differing } = await compareResourceChildren(db, sim, parent)
  const mismatches: Mismatch[] = differing
    .filter((d) => wanted(d.id))
    .map((d) => ({
      table: parent,
      id: d.id,
      problem: 'children',
      detail:
        `mirror ${JSON.stringify(d.mirror ?? [])} store ${JSON.stringify(d.store ?? [])}`.slice(
          0,
          300,
        ),
    }))
  const counts = { store: parents, mirror: mirrorParents, mismatches: mismatches.length }
  return { mismatches, counts }
}

/** Orders' line items, addresses and coupons: each order's set in the mirror against the store's. */
async function compareChildren(
  db: Database,
  sim: SimStore,
  only: Set<string> | undefined,
  unlisted: Set<string>,
) {
  const wanted = (orderId: number) =>
    (!only || only.has(rowKey('orders', orderId))) && !unlisted.has(rowKey('orders', orderId))
  const differing = (await compareOrderChildren(db, sim)).filter((d) => wanted(d.orderId))
  const mismatches: Mismatch[] = differing.map((d) => ({
    table: 'orders',
    id: d.orderId,
    problem: 'children',
    detail:
      `${d.kind}: mirror ${JSON.stringify(d.mirror ?? [])} store ${JSON.stringify(d.store ?? [])}`.slice(
        0,
        300,
      ),
  }))
  const inStore = storeChildren(sim)
  const inMirror = await mirrorChildren(db, sim.storeHash)
  const orders = (sets: typeof inStore) =>
    new Set(CHILD_KINDS.flatMap((kind) => [...sets[kind].keys()].filter(wanted))).size
  const counts = { store: orders(inStore), mirror: orders(inMirror), mismatches: mismatches.length }
  return { compared: counts.store, mismatches, counts }
}

/** The first differing rows of each table, one line each, for a failure message. */
export function describeMismatches(mismatches: Mismatch[], perTable = 5): string {
  return TABLES.flatMap((table) =>
    mismatches
      .filter((m) => m.table === table)
      .slice(0, perTable)
      .map((m) => `  ${m.table} ${m.id} ${m.problem}: ${m.detail}`),
  ).join('\n')
}

/** Turns the API faults off (and drops injected ones still waiting), or back on. */
export function setFaults(sim: SimStore, faults: FaultLevels | null) {
  sim.setOptions(faults ?? { errorRate: 0, dropRate: 0, slowRate: 0, slowMs: 0 })
  if (!faults) sim.clearFaults()
}

// ---- the whole scenario ------------------------------------------------------------------------

export interface ScenarioOptions {
  seed: number
  counts: Partial<Record<ResourceName, number>>
  target: MirrorTarget
  /** How long the store keeps changing, in all. */
  seconds: number
  /** serve is SIGKILLed, the sync run, and serve restarted this often (at least once). */
  killEverySeconds: number
  churn: { opsPerTick: number; tickMs: number }
  /** Requests into the first backfill when it is SIGKILLed. */
  killBackfillAfter: number
  latencyMs?: number
  cacheRendered?: boolean
  /** While serve runs, an API outage (every request 500) and a refused token of this many seconds each, per cycle. */
  apiFaultSeconds?: number
  /** The commands' first wait before retrying a failed request (API_RETRY_BASE_MS); default 1 s. */
  apiRetryBaseMs?: number
  log?: (message: string) => void
}

export interface ScenarioReport {
  seed: number
  storeRows: number
  churn: ChurnCounts
  deliveries: ReturnType<typeof deliveryFigures> & { emitted: number }
  serveKills: number
  /** API outages and token refusals serve went through, and how often it exited during one (must be 0). */
  apiFaults: { outages: number; refusals: number; seconds: number; serveExits: number }
  backfill: { killedBy: string | null; reruns: number }
  drain: { restarts: number; failed: number; done: number }
  /** Sampled while serve ran (PostgreSQL only; PGlite cannot be read beside serve). */
  inboxHighWater: number | null
  /** serve's resident memory (MB): shortly after its first start, at the end, and the most seen. */
  serveRssMb: { first: number | null; last: number | null; max: number }
  /** Rows whose last change was acknowledged by the mirror: compared before the final sync. */
  acknowledged: Comparison
  finalSync: { code: number | null; seconds: number }
  final: Comparison
  seconds: number
}

/** Runs the scenario; throws only when a command cannot run at all (results are in the report). */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const log = options.log ?? (() => {})
  const began = Date.now()
  const sim = await startFaultyStore({
    seed: options.seed,
    counts: options.counts,
    latencyMs: options.latencyMs,
    cacheRendered: options.cacheRendered,
  })
  const env: CommandEnv = {
    sim,
    target: options.target,
    port: await freePort(),
    apiRetryBaseMs: options.apiRetryBaseMs,
  }
  const storeRows = TABLES.reduce((n, t) => n + sim.store.count(t), 0)
  let inboxHighWater: number | null = null
  let sampler: NodeJS.Timeout | undefined
  let churn: Churn | undefined
  let serve: ServeProcess | undefined
  let sampleDb: Database | undefined
  const serveRssMb: ScenarioReport['serveRssMb'] = { first: null, last: null, max: 0 }
  const sampleRss = () => {
    const rss = rssMb(serve?.child.pid)
    if (rss === null) return
    if (serveRssMb.first === null && Date.now() - servedSince > 10_000) serveRssMb.first = rss
    serveRssMb.last = rss
    serveRssMb.max = Math.max(serveRssMb.max, rss)
  }
  let servedSince = Date.now()
  try {
    // A backfill, SIGKILLed part way.
    const killed = await runSyncCommand(env, [], options.killBackfillAfter)
    log(
      `backfill: ${killed.signal ?? `exit ${killed.code}`} after ${sim.stats.requests} API requests`,
    )

    serve = await startServe(env)
    servedSince = Date.now()
    await pointHooks(sim, serve)
    churn = startChurn(sim, options.seed, options.churn)
    if (options.target.kind === 'postgres') {
      const db = openPostgres(options.target.url)
      sampleDb = db
      let sampling = false
      sampler = setInterval(() => {
        sampleRss()
        if (sampling) return
        sampling = true
        void readInbox(db)
          .then((inbox) => (inboxHighWater = Math.max(inboxHighWater ?? 0, inbox.pending)))
          .catch(() => undefined)
          .finally(() => (sampling = false))
      }, 500)
    }

    let serveKills = 0
    let reruns = 0
    const end = began + options.seconds * 1000
    /** A serve phase of `ms`; with apiFaultSeconds, an outage and a token refusal inside it. */
    const servePhase = async (ms: number) => {
      const faultMs = (options.apiFaultSeconds ?? 0) * 1000
      if (faultMs === 0 || ms < 3 * faultMs) return sleep(ms)
      const gap = (ms - 2 * faultMs) / 3
      const alive = () => serve !== undefined && serve.child.exitCode === null
      await sleep(gap)
      sim.setOptions({ errorRate: 1 })
      log(`API outage for ${faultMs / 1000} s`)
      await sleep(faultMs)
      setFaults(sim, API_FAULTS)
      apiFaults.outages += 1
      if (!alive()) apiFaults.serveExits += 1
      await sleep(gap)
      sim.setOptions({ tokens: { 'a-revoked-token': { scopes: [] } } })
      log(`token refused for ${faultMs / 1000} s`)
      await sleep(faultMs)
      sim.setOptions({ tokens: undefined })
      apiFaults.refusals += 1
      if (!alive()) apiFaults.serveExits += 1
      await sleep(gap)
    }
    const apiFaults = {
      outages: 0,
      refusals: 0,
      seconds: options.apiFaultSeconds ?? 0,
      serveExits: 0,
    }
    do {
      await servePhase(options.killEverySeconds * 1000)
      // serve dies mid-work: acknowledged events are in the inbox, some claimed under a lease.
      await stopServe(serve, 'SIGKILL')
      serveKills += 1
      // The killed backfill is rerun (later: the periodic sync), while serve is down and the store
      // keeps changing; deliveries meanwhile fail and are retried by the store.
      for (let attempt = 1; ; attempt++) {
        const started = Date.now()
        const run = await runSyncCommand(env, ['--json'])
        reruns += 1
        log(
          `sync while serve is down: exit ${run.code} in ${((Date.now() - started) / 1000).toFixed(1)} s ${run.code === 0 ? '' : run.stderr.slice(-1500)}`,
        )
        if (run.code === 0) break
        if (attempt >= 3) throw new Error(`sync failed 3 times: ${run.stderr}`)
      }
      serve = await startServe(env)
      await pointHooks(sim, serve)
      log(`serve restarted (${serveKills} kills); ${JSON.stringify(churn.counts)}`)
    } while (Date.now() + options.killEverySeconds * 1000 < end)
    // The last restarted serve takes changes too before the store stops.
    await sleep(Math.max(options.killEverySeconds * 1000, end - Date.now()))

    sampleRss()
    await churn.stop()
    await sim.flushDeliveries()
    log('store stopped changing; deliveries flushed')
    const drained = await drainInbox(env, serve)
    serve = undefined
    clearInterval(sampler)

    setFaults(sim, null)
    const ackedRows = acknowledgedRows(sim, churn.lastEvents)
    const acknowledged = await withMirror(options.target, (db) =>
      compareWithStore(db, sim, ackedRows),
    )
    log(
      `acknowledged rows compared before the final sync: ${acknowledged.compared}, ${acknowledged.mismatches.length} mismatches`,
    )

    setFaults(sim, API_FAULTS)
    const syncStarted = Date.now()
    const finalRun = await runSyncCommand(env, ['--full', '--json'])
    const finalSync = { code: finalRun.code, seconds: (Date.now() - syncStarted) / 1000 }
    if (finalRun.code !== 0) log(`final sync failed: ${finalRun.stderr}`)
    setFaults(sim, null)
    const final = await withMirror(options.target, (db) => compareWithStore(db, sim))
    return {
      seed: options.seed,
      storeRows,
      churn: churn.counts,
      deliveries: { ...deliveryFigures(sim), emitted: churn.counts.events },
      serveKills,
      apiFaults,
      backfill: { killedBy: killed.signal, reruns },
      drain: { restarts: drained.restarts, failed: drained.inbox.failed, done: drained.inbox.done },
      inboxHighWater,
      serveRssMb,
      acknowledged,
      finalSync,
      final,
      seconds: (Date.now() - began) / 1000,
    }
  } finally {
    clearInterval(sampler)
    await sampleDb?.close()
    await churn?.stop()
    if (serve && serve.child.exitCode === null) await stopServe(serve, 'SIGKILL')
    await sim.close()
  }
}
