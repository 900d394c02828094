// What `sync`, `verify` and `status` do once settings are read and the database is open, shared by
// the commands (cli/), which print it, and the library (src/library), which returns it.
import { createBigCommerceClient, type BigCommerceClient } from '../bigcommerce/client.ts'
import { checkStoreAccess, StoreAccessError } from '../bigcommerce/preflight.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { createClientEventHub, type ClientEventHub } from '../sync/request-stats.ts'
import type { StoreAccess } from '../sync/status/problems.ts'
import { readStatus, type MirrorStatus } from '../sync/status/status.ts'
import {
  runSync,
  type SyncContext,
  type SyncOptions,
  type SyncSummary,
} from '../sync/sweeps/sweep.ts'
import { verifyMirror, type VerifyOptions, type VerifyReport } from '../sync/sweeps/verify.ts'
import { printableLine } from '../util/printable.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import { createStoreClient } from './store-client.ts'

/** The store's client and its events (each run's request counts come from them). */
export interface StoreConnection {
  client: BigCommerceClient
  events: ClientEventHub
}

export function connectStore(config: Config): StoreConnection {
  const events = createClientEventHub()
  return { client: createStoreClient(config, events.emit), events }
}

/** One sync run (sweeps) of the configured store; the caller checked the store's access first. */
export function syncStore(
  config: Config,
  db: Database,
  store: StoreConnection,
  options: SyncOptions & Pick<SyncContext, 'onProgress'> = {},
): Promise<SyncSummary> {
  const { onProgress, ...syncOptions } = options
  const ctx: SyncContext = {
    db,
    client: store.client,
    storeHash: config.storeHash,
    startDate: config.startDate,
    clientEvents: store.events,
    onProgress,
    lease: nodeLeaseIdentity(),
  }
  return runSync(ctx, syncOptions)
}

/** The read-only drift report of the configured store. */
export function verifyStore(
  config: Config,
  db: Database,
  store: StoreConnection,
  options: VerifyOptions & { signal?: AbortSignal } = {},
): Promise<VerifyReport> {
  const { signal, ...verifyOptions } = options
  const ctx = {
    db,
    client: store.client,
    storeHash: config.storeHash,
    startDate: config.startDate,
    clientEvents: store.events,
    signal,
  }
  return verifyMirror(ctx, verifyOptions)
}

/** What `status` reports: the database's record, and whether the API knows the store just now. */
export async function readStoreStatus(config: Config, db: Database): Promise<MirrorStatus> {
  const access = await askStoreAccess(config)
  return readStatus(db, config.storeHash, { isGone: nodeLeaseIdentity().isGone, access })
}

/**
 * One request (GET /v3/hooks, which needs no scope), one retry: does the API know the store hash
 * and accept the token? No answer is said, not counted as a problem: sweeps that fail for it are.
 */
export async function askStoreAccess(config: Config): Promise<StoreAccess> {
  const client = createBigCommerceClient({
    storeHash: config.storeHash,
    accessToken: config.accessToken,
    apiUrl: config.apiUrl,
    clientId: config.clientId,
    maxRetries: 1,
    timeoutMs: 10_000,
  })
  try {
    await checkStoreAccess(client)
    return { result: 'ok', message: null }
  } catch (error) {
    const message = printableLine(error instanceof Error ? error.message : String(error))
    return { result: error instanceof StoreAccessError ? error.problem : 'unreachable', message }
  }
}
