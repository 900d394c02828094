// Which stores a command acts on: `--store H`, or every active store (the settings' store, when
// BIGCOMMERCE_STORE_HASH/ACCESS_TOKEN are set, and the registry's), one after the other. One
// store's failure never stops the next; the command exits non-zero when any failed. With one
// store, errors and output are exactly what they were before the registry existed.
import { existsSync } from 'node:fs'
import {
  ConfigError,
  maskSecrets,
  parseConfig,
  type Config,
  type ConfigNeeds,
} from '../src/config.ts'
import type { Database } from '../src/db/database.ts'
import { readNodeEnv } from '../src/node/env.ts'
import { openConfiguredDatabase } from '../src/node/open-database.ts'
import {
  createStoreDirectory,
  normalizeStoreHash,
  UnknownStoreError,
} from '../src/stores/registry.ts'
import { importTokenKeys, type TokenKeys } from '../src/stores/token-crypto.ts'
import type { StoreAccess } from '../src/stores/types.ts'
import { describeFailure } from '../src/bigcommerce/explain.ts'
import { StoreAccessError } from '../src/bigcommerce/preflight.ts'
import { BigCommerceApiError, BigCommerceDataError } from '../src/bigcommerce/errors.ts'
import { printableLine } from '../src/util/printable.ts'
import { CommandFailed, UsageError } from './_shared.ts'

export const storeArg = {
  store: {
    type: 'string',
    description:
      'Only this store (default: every active store, the settings’ one and the registered ones)',
    valueHint: 'H',
  },
} as const

/** Opens the database for a command; tests pass their own. */
export type OpenDatabase = () => Promise<{ db: Database; close(): Promise<void> }>

export interface StoreRunOptions {
  /** `status` reads a paused or uninstalled store too; the others refuse one. */
  allowInactive?: boolean
  openDatabase?: OpenDatabase
  /**
   * The settings' store alone when the database cannot be opened to read the registry (webhooks
   * ensure works on the store's API; its database is a nice-to-have, as before the registry).
   */
  registryOptional?: boolean
  /** Whether a store's value counts as a failure (default: `ok: false`, as sync and verify say). */
  failed?: (value: never) => boolean
}

export interface StoreOutcome<T> {
  store: StoreAccess
  value?: T
  error?: unknown
}

/** What a command's per-store work gets: the store and the (lazily opened, shared) database. */
export interface StoreWork {
  store: StoreAccess
  db(): Promise<Database>
}

/** The settings' one store, when BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN are both set. */
function settingsStore(config: Config): StoreAccess | undefined {
  if (!config.storeHash && !config.accessToken) return undefined
  // Half a store is a bad setting: named as before the registry, by the same check.
  if (!config.storeHash || !config.accessToken) parseConfig(readNodeEnv(), { store: true })
  return {
    storeHash: normalizeStoreHash(config.storeHash),
    accessToken: config.accessToken,
    ...(config.startDate ? { startDate: config.startDate } : {}),
    source: 'settings',
  }
}

/**
 * The settings for a command that works on stores. BIGCOMMERCE_STORE_HASH/ACCESS_TOKEN are
 * required, as before the registry, unless the database may hold registered stores (or `registry`
 * says stores will be registered: app mode); half a store is always named as missing. Every problem
 * is named in one message either way.
 */
export function loadStoresConfig(
  needs: ConfigNeeds = {},
  options: { registry?: boolean } = {},
): Config {
  const env = readNodeEnv()
  const isSet = (name: string) => (env[name] ?? '').trim() !== ''
  if (isSet('BIGCOMMERCE_STORE_HASH') !== isSet('BIGCOMMERCE_ACCESS_TOKEN'))
    return parseConfig(env, { ...needs, store: true })
  const noRegistry =
    !options.registry && !env.DATABASE_URL?.trim() && !existsSync(env.DATA_DIR?.trim() || './data')
  let config: Config
  try {
    config = parseConfig(env, needs)
  } catch (error) {
    if (error instanceof ConfigError && noRegistry) parseConfig(env, { ...needs, store: true })
    throw error
  }
  if (noRegistry && !(config.storeHash && config.accessToken)) {
    return parseConfig(env, { ...needs, store: true })
  }
  return config
}

/** Whether the database may hold registered stores: an embedded one not yet made holds none. */
const registryMayExist = (config: Config) => !!config.databaseUrl || existsSync(config.dataDir)

/** No store anywhere: today's message for the missing settings, and the other way. */
function noStore(): never {
  try {
    parseConfig(readNodeEnv(), { store: true })
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError([
        ...error.problems,
        'or register stores in the database with: bc-mirror stores add --store-hash H',
      ])
    }
    throw error
  }
  throw new UsageError('no store to work on: register one with bc-mirror stores add --store-hash H')
}

/**
 * Runs `work` for each chosen store in turn. One store: its error is thrown as it is. Several:
 * each failure is told on stderr (one line, masked), the others go on, and `report` gets every
 * outcome before the command fails naming the stores that did.
 */
export async function runForStores<T>(
  config: Config,
  command: string,
  requested: string | undefined,
  work: (w: StoreWork) => Promise<T>,
  report: (outcomes: StoreOutcome<T>[], several: boolean) => void,
  options: StoreRunOptions = {},
): Promise<{ outcomes: StoreOutcome<T>[]; several: boolean }> {
  let opened: { db: Database; close(): Promise<void> } | undefined
  const db = async () => {
    opened ??= await (options.openDatabase ?? defaultOpen(config, command))()
    return opened.db
  }
  try {
    const { stores, unreadable } = await chooseStores(config, requested, db, options)
    const several = requested === undefined && stores.length + unreadable.length > 1
    const outcomes: StoreOutcome<T>[] = [...unreadable]
    for (const store of stores) {
      const run = () =>
        work({ store, db }).catch((error: unknown) => Promise.reject(forStore(store, error)))
      if (!several) {
        outcomes.push({ store, value: await run() })
        continue
      }
      process.stderr.write(`bc-mirror: store ${store.storeHash}\n`)
      try {
        outcomes.push({ store, value: await run() })
      } catch (error) {
        outcomes.push({ store, error })
      }
    }
    // One store (an unreadable token the only one): its error is the command's, said once.
    const only = outcomes.find((o) => o.error !== undefined)
    if (!several && only) throw only.error
    const env = readNodeEnv()
    for (const o of outcomes) {
      if (o.error === undefined) continue
      const line = `bc-mirror: store ${o.store.storeHash}: ${describeError(o.error)}`
      process.stderr.write(`${maskSecrets(line, env)}\n`)
    }
    report(outcomes, several)
    const isFailed = (options.failed as ((value: T) => boolean) | undefined) ?? isFailure
    const failed = outcomes.filter(
      (o) => o.error !== undefined || (o.value !== undefined && isFailed(o.value)),
    )
    if (several && failed.length > 0) {
      throw new CommandFailed(
        `${failed.length} of ${outcomes.length} stores did not succeed: ${failed.map((o) => o.store.storeHash).join(', ')}`,
      )
    }
    return { outcomes, several }
  } finally {
    await opened?.close()
  }
}

/** A registered store's refused token is fixed in the registry, not in BIGCOMMERCE_ACCESS_TOKEN. */
function forStore(store: StoreAccess, error: unknown): unknown {
  if (store.source !== 'registry' || !(error instanceof StoreAccessError)) return error
  if (error.problem !== 'token-refused') return error
  const hash = store.storeHash
  return new StoreAccessError(
    'token-refused',
    `BigCommerce refused the access token for store ${hash} (the registered one): its API account was deleted or the app uninstalled. Register a working token with bc-mirror stores add --store-hash ${hash}, or stop it with bc-mirror stores pause ${hash}.`,
    { cause: error },
  )
}

/** A store's value that the command counts as a failure (sync's `ok: false`, verify's drift). */
const isFailure = (value: unknown) =>
  typeof value === 'object' && value !== null && 'ok' in value && value.ok === false

export function describeError(error: unknown): string {
  const fromApi = error instanceof BigCommerceApiError || error instanceof BigCommerceDataError
  if (fromApi || !(error instanceof Error)) {
    return printableLine(describeFailure(error))
  }
  return printableLine(error.message)
}

async function chooseStores(
  config: Config,
  requested: string | undefined,
  db: () => Promise<Database>,
  options: StoreRunOptions,
): Promise<{ stores: StoreAccess[]; unreadable: StoreOutcome<never>[] }> {
  const settings = settingsStore(config)
  const keys = lazyKeys(config)
  if (requested !== undefined) {
    const hash = normalizeStoreHash(requested)
    if (!/^[a-z0-9]{1,64}$/.test(hash)) {
      throw new UsageError(
        `--store "${printableLine(requested)}" is not a store hash; expected letters and digits only, e.g. --store abc123xyz`,
      )
    }
    if (hash === settings?.storeHash) return { stores: [settings], unreadable: [] }
    if (!options.openDatabase && !registryMayExist(config)) throw new UnknownStoreError(hash)
    const directory = createStoreDirectory(await db(), { keys: await keys() })
    const found = await directory.find(hash)
    if (!found) throw new UnknownStoreError(hash)
    if (found.status !== 'active' && !options.allowInactive) {
      throw new UsageError(
        `store ${hash} is ${found.status}; ${found.status === 'paused' ? `resume it with bc-mirror stores resume ${hash}` : 'it is served again once the app is installed again'}`,
      )
    }
    return { stores: [found.access], unreadable: [] }
  }
  if (!options.openDatabase && !registryMayExist(config)) {
    if (!settings) noStore()
    return { stores: [settings], unreadable: [] }
  }
  const unreadable: StoreOutcome<never>[] = []
  let database: Database
  try {
    database = await db()
  } catch (error) {
    if (!options.registryOptional || !settings) throw error
    process.stderr.write(
      `bc-mirror: warning: the registry could not be read (the database did not open); working on store ${settings.storeHash} from the settings only\n`,
    )
    return { stores: [settings], unreadable: [] }
  }
  const directory = createStoreDirectory(database, {
    settingsStore: settings,
    keys: await keys(),
    onUnreadable: (storeHash, error) =>
      unreadable.push({ store: { storeHash, accessToken: '', source: 'registry' }, error }),
  })
  const stores = await directory.active()
  if (stores.length === 0 && unreadable.length === 0) noStore()
  return { stores, unreadable }
}

/** TOKEN_ENCRYPTION_KEY, read only when a registered store's token is: unset is fine until then. */
function lazyKeys(config: Config): () => Promise<TokenKeys | undefined> {
  return async () =>
    config.tokenEncryptionKey ? importTokenKeys(config.tokenEncryptionKey) : undefined
}

function defaultOpen(config: Config, command: string): OpenDatabase {
  return async () => {
    const opened = await openConfiguredDatabase(config, command, { viaServe: true })
    for (const warning of opened.warnings) process.stderr.write(`bc-mirror: warning: ${warning}\n`)
    return opened
  }
}

/** Where a store's replication starts: its own start date, else BIGCOMMERCE_START_DATE. */
export const startDateOf = (config: Config, store: StoreAccess) =>
  store.startDate ?? config.startDate

/**
 * The settings as one store's work sees them (src/node/store-operations.ts takes a Config): its
 * hash, token and start date; the settings' client id goes with the settings' store only.
 */
export function configFor(config: Config, store: StoreAccess): Config {
  return {
    ...config,
    storeHash: store.storeHash,
    accessToken: store.accessToken,
    startDate: startDateOf(config, store),
    clientId: store.source === 'settings' ? config.clientId : undefined,
  }
}

/** JSON for several stores: an array of `{store_hash, ...today's object}` or `{store_hash, error}`. */
export function severalJson<T extends object>(outcomes: StoreOutcome<T>[]) {
  return {
    stores: outcomes.map((o) =>
      o.error !== undefined
        ? { store_hash: o.store.storeHash, error: describeError(o.error) }
        : { store_hash: o.store.storeHash, ...o.value },
    ),
  }
}

/**
 * A fix or repair command for a registered store names it (`bc-mirror sync --store H ...`): run
 * bare, it would work on every store. The settings' store keeps today's words.
 */
export function commandsFor(store: StoreAccess, text: string): string {
  if (store.source === 'settings') return text
  return text.replace(
    /\bbc-mirror (sync|verify|status|webhooks ensure)\b(?! --store)/g,
    `$& --store ${store.storeHash}`,
  )
}
