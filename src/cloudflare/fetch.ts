// The Worker's `fetch`: the same Hono app as `bc-mirror serve`, for every store it serves.
// Deliveries are routed by their `producer` to their store and stored in the inbox; after the
// answer, one drain job per store is sent to the jobs queue (at most once per store every few
// seconds from an isolate), instead of refreshing inside `waitUntil`. In app mode (PUBLIC_URL),
// the install, load and uninstall callbacks run on the store registry, and an install is followed
// by the store's hooks and its first jobs (the backfill). /status and /metrics with STATUS_TOKEN.
import { sql } from 'drizzle-orm'
import type { AppCallbackDeps } from '../http/app-callbacks.ts'
import { registryInstalls } from '../http/app-callbacks.ts'
import type { Database } from '../db/database.ts'
import { openPostgres } from '../db/postgres.ts'
import { createApp } from '../http/app.ts'
import { renderStoresMetrics } from '../http/stores-metrics.ts'
import { findStore, normalizeStoreHash } from '../stores/registry.ts'
import { storeOfProducer, type DeliveryRoute } from '../stores/router.ts'
import { importTokenKeys } from '../stores/token-crypto.ts'
import { insertEvents } from '../sync/events/inbox.ts'
import { ensureHooks, RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import { noteQueued } from '../sync/job-state.ts'
import { readStatus } from '../sync/status/status.ts'
import { readStoresOverview } from '../sync/status/stores.ts'
import { describeError } from '../util/log.ts'
import type { JobMessage } from './queue.ts'
import {
  createClient,
  ensureSchema,
  isolateMetrics,
  setupFrom,
  storeDirectory,
  WorkerSettingsError,
  type CloudflareContext,
  type CloudflareEnv,
  type Setup,
} from './setup.ts'

/** A store's drain job is sent at most this often from one isolate; it gathers a burst's events. */
const DRAIN_EVERY_MS = 5_000
const DRAIN_DELAY_SECONDS = 1
/** How long an isolate keeps a store's route (its status in the registry). */
const ROUTE_MS = 60_000
/** The first jobs of an installed store: its backfill, its snapshot sweep (coupons, categories, brands) and its hook check. */
const INSTALL_JOBS = ['incremental', 'snapshot', 'hooks'] as const

const json = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const drainSentAt = new Map<string, number>()
const routes = new Map<string, { route: DeliveryRoute; at: number }>()

export async function handleFetch(
  request: Request,
  env: CloudflareEnv,
  ctx: CloudflareContext,
): Promise<Response> {
  let setup: Setup
  try {
    setup = setupFrom(env)
  } catch (error) {
    if (error instanceof WorkerSettingsError) {
      console.error(error.message)
      return json({ error: error.message }, 500)
    }
    throw error
  }
  const db = openPostgres(setup.databaseUrl, { max: 1 })
  const stored = new Set<string>()
  const after: Array<Promise<unknown>> = []
  try {
    try {
      await ensureSchema(db, setup)
    } catch (error) {
      setup.log('error', 'request failed', { error: describeError(error) })
      return json({ error: 'temporarily unavailable; deliver again later' }, 503)
    }
    const app = await appFor(setup, db, {
      stored: (storeHash) => stored.add(storeHash),
      later: (work) => after.push(work),
    })
    return await app.fetch(request)
  } finally {
    const work = Promise.allSettled([...after, sendDrains(setup, stored)])
    ctx.waitUntil(work.finally(() => db.close().catch(() => {})))
  }
}

/** One drain job per store that just got events, unless this isolate sent one lately. */
async function sendDrains(setup: Setup, stores: Set<string>): Promise<void> {
  const now = Date.now()
  for (const store of stores) {
    if (now - (drainSentAt.get(store) ?? 0) < DRAIN_EVERY_MS) continue
    drainSentAt.set(store, now)
    const body: JobMessage = { store, job: 'drain' }
    try {
      await setup.jobs.send(body, { delaySeconds: DRAIN_DELAY_SECONDS })
    } catch (error) {
      // The events stay pending; the cron's plan sends a drain for every store with due events.
      drainSentAt.delete(store)
      setup.log('warn', 'could not send a drain job', { store, error: describeError(error) })
    }
  }
}

/** Which store a delivery is for: the settings' store, or an active or paused registered one. */
async function routeOf(setup: Setup, db: Database, producer: string | undefined) {
  const settingsHash = setup.settingsStore?.storeHash
  if (producer === undefined)
    return settingsHash ? { store: settingsHash } : { drop: 'no producer' as const }
  const hash = storeOfProducer(producer)
  if (!hash) return { drop: 'unknown store' as const }
  if (hash === settingsHash) return { store: hash }
  const known = routes.get(hash)
  if (known && Date.now() - known.at < ROUTE_MS) return known.route
  const record = await findStore(db, hash)
  const route: DeliveryRoute =
    record?.status === 'active' || record?.status === 'paused'
      ? { store: record.storeHash }
      : { drop: record ? 'uninstalled store' : 'unknown store' }
  routes.set(hash, { route, at: Date.now() })
  return route
}

interface RequestHooks {
  /** An event was stored for this store. */
  stored(storeHash: string): void
  /** Work to finish after the answer (in waitUntil). */
  later(work: Promise<unknown>): void
}

/** The Hono app of one request, storing webhooks through `db`. */
async function appFor(setup: Setup, db: Database, hooks: RequestHooks) {
  const { config, log } = setup
  const storeHash = setup.settingsStore?.storeHash ?? ''
  const appCallbacks = await appCallbacksFor(setup, db, hooks)
  const activeHashes = async () => {
    const rows = await db.execute<{ store_hash: string }>(
      sql`select store_hash from bigcommerce.stores where status = 'active' order by store_hash`,
    )
    const hashes = rows.map((r) => r.store_hash)
    return storeHash && !hashes.includes(storeHash) ? [storeHash, ...hashes] : hashes
  }
  const readStores = async () => readStoresOverview(db, await activeHashes())
  return createApp({
    storeHash,
    route: (producer) => routeOf(setup, db, producer),
    webhookSecret: setup.webhookSecret,
    clientSecret: config.clientSecret,
    appCallbacks,
    requireSignature: appCallbacks !== undefined,
    async enqueue(event) {
      const store = event.storeHash ?? storeHash
      await insertEvents(db, store, [event])
      hooks.stored(store)
    },
    checkHealth: async () => (await db.execute(sql`select 1 as ok`)).length === 1,
    onDelivery: (outcome) => {
      isolateMetrics.recordDelivery(outcome)
      if (outcome.status !== 200) log('info', 'delivery refused', { ...outcome })
    },
    onError: (error) => log('error', 'request failed', { error: describeError(error) }),
    observe: config.statusToken
      ? {
          token: config.statusToken,
          readStatus: () => readStatus(db, storeHash),
          readStores,
          renderMetrics: async () => {
            const [own, stores] = await Promise.all([
              isolateMetrics.render(db, storeHash),
              readStores(),
            ])
            return `${own.trimEnd()}\n${renderStoresMetrics(stores)}`
          },
          apiState: () => isolateMetrics.apiState(),
        }
      : undefined,
  })
}

/** App mode (PUBLIC_URL with the app's id and secret): the callbacks on the store registry. */
async function appCallbacksFor(
  setup: Setup,
  db: Database,
  hooks: RequestHooks,
): Promise<AppCallbackDeps | undefined> {
  const { clientId, clientSecret, publicUrl, loginUrl, tokenEncryptionKey } = setup.config
  if (!publicUrl || !clientId || !clientSecret) return undefined
  const keys = tokenEncryptionKey ? await importTokenKeys(tokenEncryptionKey) : undefined
  const { log } = setup
  return {
    clientId,
    clientSecret,
    publicUrl,
    loginUrl,
    installs: registryInstalls(db, keys),
    onInstalled(storeHash) {
      log('info', 'store installed', { store: storeHash })
      routes.delete(normalizeStoreHash(storeHash))
      hooks.later(afterInstall(setup, db, normalizeStoreHash(storeHash)))
    },
    onUninstalled(storeHash) {
      log('info', 'store uninstalled; its rows are kept', { store: storeHash })
      routes.delete(normalizeStoreHash(storeHash))
    },
    onError: (error) => log('error', 'app callback failed', { error: describeError(error) }),
  }
}

/** An installed store's first jobs (its backfill) and its hooks to PUBLIC_URL. */
async function afterInstall(setup: Setup, db: Database, storeHash: string): Promise<void> {
  const { log } = setup
  try {
    const messages = INSTALL_JOBS.map((job) => ({ body: { store: storeHash, job } }))
    await setup.jobs.sendBatch(messages)
    await noteQueued(
      db,
      INSTALL_JOBS.map((job) => ({ storeHash, job })),
      new Date(),
    )
    await makeHooks(setup, db, storeHash)
  } catch (error) {
    // The cron plans the store's jobs anyway; its hook check makes the missing hooks.
    log('warn', 'after the install', { store: storeHash, error: describeError(error) })
  }
}

async function makeHooks(setup: Setup, db: Database, storeHash: string) {
  const found = await (await storeDirectory(setup, db)).find(storeHash)
  if (!found || !setup.config.publicUrl) return
  const client = createClient(setup, found.access, { timeoutMs: 10_000, maxRetries: 1 })
  const result = await ensureHooks(client, {
    destination: `${setup.config.publicUrl}${RECEIVER_PATH}`,
    secret: setup.webhookSecret,
  })
  setup.log(result.refused.length > 0 ? 'warn' : 'info', 'hooks made for an installed store', {
    store: storeHash,
    made: result.actions.filter((a) => a.kind !== 'keep').map((a) => a.scope),
    refused: result.refused.map((r) => `${r.scope}: ${r.reason}`),
  })
}
