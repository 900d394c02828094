// The store registry (bigcommerce.stores): register, list, pause/resume/uninstall, remove (and purge
// a store's rows from every table), re-seal tokens with a new key, and the StoreDirectory that the
// commands and hosts read. Tokens go in and out only through token-crypto.ts.
import { getTableColumns, getTableName, is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import type { Database, Executor } from '../db/database.ts'
import * as schema from '../db/schema.ts'
import { stores } from '../db/schema.ts'
import { notifyChanges } from '../db/changes.ts'
import { openToken, sealToken, TokenKeyError, type TokenKeys } from './token-crypto.ts'
import type {
  StoreAccess,
  StoreDirectory,
  StoreKind,
  StoreRecord,
  StoreRoster,
  StoreStatus,
} from './types.ts'

/** A store hash that is neither registered nor has rows: nothing was done. */
export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError'
  constructor(readonly storeHash: string) {
    super(
      `store ${storeHash} is not registered; \`bc-mirror stores list\` shows the registered stores`,
    )
  }
}

/** The registry holds stores but TOKEN_ENCRYPTION_KEY is not set: their tokens cannot be read. */
const missingKeys = () =>
  new TokenKeyError(
    "TOKEN_ENCRYPTION_KEY is not set; it is needed to store or read a store's access token in the database (32 bytes, hex or base64): make one with `openssl rand -hex 32`",
  )

const needKeys = (keys: TokenKeys | undefined): TokenKeys => {
  if (!keys) throw missingKeys()
  return keys
}

export const normalizeStoreHash = (storeHash: string) => storeHash.trim().toLowerCase()

export interface RegisterStore {
  storeHash: string
  kind: StoreKind
  accessToken: string
  scopes?: string[]
  startDate?: Date
  now?: Date
}

/**
 * Registers a store, or updates a registered one (new token, scopes, kind, start date when given)
 * and makes it active again: an explicit add or install means "serve it". An uninstalled store
 * gets a new install time.
 */
export async function registerStore(
  db: Executor,
  keys: TokenKeys | undefined,
  store: RegisterStore,
): Promise<StoreRecord> {
  const storeHash = normalizeStoreHash(store.storeHash)
  const sealed = await sealToken(needKeys(keys), storeHash, store.accessToken)
  const now = (store.now ?? new Date()).toISOString()
  const startDate = store.startDate?.toISOString() ?? null
  const [row] = await db.execute<StoreRow>(sql`
    insert into ${stores} (store_hash, kind, status, scopes, start_date, token_sealed,
                           installed_at, created_at, updated_at)
    values (${storeHash}, ${store.kind}, 'active', ${textArray(store.scopes ?? [])}::text[],
            ${startDate}::timestamptz, ${sealed}, ${now}::timestamptz, ${now}::timestamptz,
            ${now}::timestamptz)
    on conflict (store_hash) do update set
      kind = excluded.kind,
      scopes = excluded.scopes,
      start_date = coalesce(excluded.start_date, ${stores.start_date}),
      token_sealed = excluded.token_sealed,
      installed_at = case when ${stores.status} = 'uninstalled' or ${stores.installed_at} is null
                          then excluded.installed_at else ${stores.installed_at} end,
      status = 'active',
      uninstalled_at = null,
      updated_at = excluded.updated_at
    returning ${RECORD_COLUMNS}`)
  if (!row) throw new Error(`store ${storeHash} was not registered`)
  return toRecord(row)
}

/** Every registered store, by hash; never a token. */
export async function listStores(db: Executor): Promise<StoreRecord[]> {
  const rows = await db.execute<StoreRow>(
    sql`select ${RECORD_COLUMNS} from ${stores} order by store_hash`,
  )
  return rows.map(toRecord)
}

export async function findStore(db: Executor, storeHash: string): Promise<StoreRecord | null> {
  const [row] = await db.execute<StoreRow>(
    sql`select ${RECORD_COLUMNS} from ${stores} where store_hash = ${normalizeStoreHash(storeHash)}`,
  )
  return row ? toRecord(row) : null
}

/**
 * Pauses, resumes or marks a store uninstalled (noting when); resuming clears the uninstall time.
 * Throws UnknownStoreError for a hash that is not registered.
 */
export async function setStoreStatus(
  db: Executor,
  storeHash: string,
  status: StoreStatus,
  now = new Date(),
): Promise<StoreRecord> {
  const at = now.toISOString()
  const uninstalledAt =
    status === 'uninstalled'
      ? sql`coalesce(${stores.uninstalled_at}, ${at}::timestamptz)`
      : status === 'active'
        ? sql`null`
        : sql`${stores.uninstalled_at}`
  const [row] = await db.execute<StoreRow>(sql`
    update ${stores} set status = ${status}, uninstalled_at = ${uninstalledAt},
                         updated_at = ${at}::timestamptz
    where store_hash = ${normalizeStoreHash(storeHash)}
    returning ${RECORD_COLUMNS}`)
  if (!row) throw new UnknownStoreError(normalizeStoreHash(storeHash))
  return toRecord(row)
}

/** The tables holding a store's data: every table of the schema with a `store_hash` column. */
export function storeDataTables(): PgTable[] {
  const values: unknown[] = Object.values(schema)
  return values.filter(
    (value): value is PgTable =>
      is(value, PgTable) && value !== stores && 'store_hash' in getTableColumns(value),
  )
}

export interface RemoveOutcome {
  /** Whether the store was in the registry (a purge may clear rows of a store no longer in it). */
  registered: boolean
  /** Rows deleted per table, with `purge` (children deleted with their order are counted too). */
  purged: Record<string, number>
}

/**
 * Removes a store from the registry, and with `purge` deletes its rows from every table (mirrored
 * rows and their children, tombstones, rejected rows, sync and job state, the inbox, run history),
 * all in one transaction. Throws UnknownStoreError when the hash is neither registered nor has rows.
 */
export async function removeStore(
  db: Database,
  storeHash: string,
  options: { purge?: boolean } = {},
): Promise<RemoveOutcome> {
  const hash = normalizeStoreHash(storeHash)
  return db.transaction(async (tx) => {
    const removed = await tx.execute(
      sql`delete from ${stores} where store_hash = ${hash} returning store_hash`,
    )
    const registered = removed.length > 0
    const purged: Record<string, number> = {}
    if (options.purge) {
      // Children before their parents: their counts are then their own, not a cascade's.
      for (const table of storeDataTables().sort(childrenFirst)) {
        const [counted] = await tx.execute<{ n: number }>(purgeStatement(table, hash))
        purged[getTableName(table)] = Number(counted?.n ?? 0)
      }
    }
    const anyRows = Object.values(purged).some((n) => n > 0)
    if (!registered && !anyRows) throw new UnknownStoreError(hash)
    return { registered, purged }
  })
}

const CHILD_TABLES = new Set<string>(Object.values(schema.childTables).map((t) => getTableName(t)))
/** Mirrored rows and their children: what the change feed announces when they go. */
const FEED_TABLES = new Set<string>([
  ...Object.values(schema.resourceTables).map((t) => getTableName(t)),
  ...CHILD_TABLES,
])

/** Deletes a store's rows of one table and counts them; mirrored ones are announced as deleted. */
function purgeStatement(table: PgTable, hash: string) {
  const name = getTableName(table)
  if (!FEED_TABLES.has(name)) {
    return sql`with gone as (delete from ${table} where store_hash = ${hash} returning 1)
      select count(*)::int as n from gone`
  }
  return sql`with gone as (delete from ${table} where store_hash = ${hash} returning id),
    notified as (${notifyChanges(hash, name, 'delete', sql`gone`)})
    select (select count(*) from gone)::int as n, (select count(*) from notified)::int as notified`
}

const childrenFirst = (a: PgTable, b: PgTable) =>
  Number(!CHILD_TABLES.has(getTableName(a))) - Number(!CHILD_TABLES.has(getTableName(b)))

/**
 * Re-seals every registered token with the first key of TOKEN_ENCRYPTION_KEY, in one transaction:
 * a token that does not open stops it with nothing changed. Returns how many were re-sealed.
 */
export async function rekeyStores(db: Database, keys: TokenKeys | undefined): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ store_hash: string; token_sealed: string }>(
      sql`select store_hash, token_sealed from ${stores} order by store_hash for update`,
    )
    if (rows.length === 0) return 0
    const k = needKeys(keys)
    for (const row of rows) {
      const token = await openToken(k, row.store_hash, row.token_sealed)
      const sealed = await sealToken(k, row.store_hash, token)
      await tx.execute(sql`update ${stores} set token_sealed = ${sealed}, updated_at = now()
                           where store_hash = ${row.store_hash}`)
    }
    return rows.length
  })
}

/** What work on a registered store needs, its token opened; null when not registered. */
export async function readStoreAccess(
  db: Executor,
  keys: TokenKeys | undefined,
  storeHash: string,
): Promise<{ status: StoreStatus; access: StoreAccess } | null> {
  const hash = normalizeStoreHash(storeHash)
  const [row] = await db.execute<StoreRow & { token_sealed: string }>(
    sql`select ${RECORD_COLUMNS}, token_sealed from ${stores} where store_hash = ${hash}`,
  )
  if (!row) return null
  return { status: toRecord(row).status, access: await accessOf(needKeys(keys), row) }
}

export interface StoreDirectoryOptions {
  /** The store of BIGCOMMERCE_STORE_HASH/ACCESS_TOKEN, when set: always active, wins over the registry. */
  settingsStore?: StoreAccess
  /** From TOKEN_ENCRYPTION_KEY; needed only once the registry holds a store. */
  keys?: TokenKeys
  /**
   * A registered store whose token does not open is left out of `active()` and told here, so one
   * store's trouble never stops the others. Unset: `active()` throws instead.
   */
  onUnreadable?: (storeHash: string, error: Error) => void
}

/** The StoreDirectory over the settings' store and the registry, read fresh on every call. */
export function createStoreDirectory(db: Executor, options: StoreDirectoryOptions): StoreDirectory {
  const settings = options.settingsStore
    ? { ...options.settingsStore, storeHash: normalizeStoreHash(options.settingsStore.storeHash) }
    : undefined
  return {
    async active() {
      const rows = await db.execute<StoreRow & { token_sealed: string }>(
        sql`select ${RECORD_COLUMNS}, token_sealed from ${stores}
            where status = 'active' order by store_hash`,
      )
      const found: StoreAccess[] = settings ? [settings] : []
      for (const row of rows) {
        if (row.store_hash === settings?.storeHash) continue
        try {
          found.push(await accessOf(needKeys(options.keys), row))
        } catch (error) {
          if (!options.onUnreadable || !(error instanceof Error)) throw error
          options.onUnreadable(row.store_hash, error)
        }
      }
      return found
    },
    async find(storeHash) {
      const hash = normalizeStoreHash(storeHash)
      if (hash === settings?.storeHash) return { status: 'active', access: settings }
      return readStoreAccess(db, options.keys, hash)
    },
    roster: createStoreRoster(db, settings),
  }
}

/** The stores by hash and status, no token read: what the receiver routes deliveries by. */
function createStoreRoster(db: Executor, settings: StoreAccess | undefined): StoreRoster {
  return {
    async active() {
      const rows = await db.execute<{ store_hash: string }>(
        sql`select store_hash from ${stores} where status = 'active' order by store_hash`,
      )
      const registered = rows
        .filter((row) => row.store_hash !== settings?.storeHash)
        .map((row) => ({ storeHash: row.store_hash, source: 'registry' as const }))
      return settings
        ? [{ storeHash: settings.storeHash, source: 'settings' }, ...registered]
        : registered
    },
    async find(storeHash) {
      const hash = normalizeStoreHash(storeHash)
      if (hash === settings?.storeHash) return { status: 'active', access: { storeHash: hash } }
      const record = await findStore(db, hash)
      return record && { status: record.status, access: { storeHash: record.storeHash } }
    },
  }
}

// --- rows ------------------------------------------------------------------------------------

interface StoreRow {
  store_hash: string
  kind: string
  status: string
  scopes: string[] | string
  start_date: string | null
  installed_at: string | null
  uninstalled_at: string | null
  updated_at: string
}

// Never token_sealed: a record is what may be shown.
const RECORD_COLUMNS = sql.raw(
  'store_hash, kind, status, scopes, start_date, installed_at, uninstalled_at, updated_at',
)

const date = (value: string | null) => (value ? new Date(value) : null)

function toRecord(row: StoreRow): StoreRecord {
  return {
    storeHash: row.store_hash,
    kind: row.kind as StoreKind,
    status: row.status as StoreStatus,
    scopes: parseTextArray(row.scopes),
    startDate: date(row.start_date),
    installedAt: date(row.installed_at),
    uninstalledAt: date(row.uninstalled_at),
    updatedAt: new Date(row.updated_at),
  }
}

async function accessOf(
  keys: TokenKeys,
  row: StoreRow & { token_sealed: string },
): Promise<StoreAccess> {
  const startDate = date(row.start_date)
  return {
    storeHash: row.store_hash,
    accessToken: await openToken(keys, row.store_hash, row.token_sealed),
    ...(startDate ? { startDate } : {}),
    source: 'registry',
  }
}

/** A PostgreSQL array literal of text values (quoted, so any scope name is safe). */
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`
}

/** Raw results give a text[] as an array on postgres.js and, on some paths, as `{a,b}` text. */
function parseTextArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value
  const inner = value.replace(/^\{|\}$/g, '')
  if (inner === '') return []
  return inner.split(',').map((v) => v.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1'))
}
