// Opens the mirror's database for a Node command: PostgreSQL when DATABASE_URL is set, otherwise
// the embedded PGlite under DATA_DIR (locked to this process). Pending migrations are applied.
// When DATA_DIR is held by `serve` answering PostgreSQL's protocol (PGLITE_PORT), commands that
// allow it connect through serve instead of failing on the lock.
import type { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { migrateDatabase } from '../db/migrate.ts'
import { leases } from '../db/schema.ts'
import { DatabaseUnavailableError, describeConnectError } from '../db/unavailable.ts'
import { createDataDir } from './create-data-dir.ts'
import { DataDirLockedError, lockDataDir } from './data-dir-lock.ts'
import { packagedImagePath } from './embedded-image.ts'
import { describeStillOpen, makePrivateDir } from './private-dir.ts'
import { probePostgres, probeTarget } from './probe-postgres.ts'

export interface OpenedDatabase {
  db: Database
  /** Things the user should fix that did not stop the command (a DATA_DIR others can read). */
  warnings: string[]
  /** The embedded database itself, when this process opened it (for serve's wire protocol). */
  pglite?: PGlite
  /** Records serve's PostgreSQL port in the DATA_DIR lock, so other commands can connect. */
  announcePort?(port: number): void
  /** How the database was reached: 'serve' when another process holds DATA_DIR. */
  via?: 'serve'
  /** Closes the database and releases the data directory. */
  close(): Promise<void>
}

export interface OpenOptions {
  poolSize?: number
  /** Connect through a `serve` that holds DATA_DIR and answers on PGLITE_PORT. */
  viaServe?: boolean
  /** serve with PGLITE_PORT: other clients share the embedded session (see wrapPglite). */
  sharedSession?: boolean
}

/** How long the mirror's writes wait for a PGLITE_PORT client's open transaction. */
const SHARED_SESSION_WAIT_MS = 30_000

/** The URL of serve's PostgreSQL protocol on the embedded database (PGlite accepts any user). */
export const embeddedUrl = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`

export async function openConfiguredDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  command: string,
  options: OpenOptions = {},
): Promise<OpenedDatabase> {
  if (config.databaseUrl) return openServerDatabase(config.databaseUrl, options.poolSize)
  const before = makePrivateDir(config.dataDir)
  let release: ReturnType<typeof lockDataDir>
  try {
    release = lockDataDir(config.dataDir, command)
  } catch (error) {
    const port = error instanceof DataDirLockedError ? error.owner.pgPort : undefined
    if (!options.viaServe || port === undefined) throw error
    return openThroughServe(port)
  }
  try {
    const { PGlite } = await import('@electric-sql/pglite')
    const { PGLITE_START_PARAMS, wrapPglite } = await import('../db/pglite.ts')
    // A new DATA_DIR comes from the build's image (or initdb) in a child process of its own.
    const created = await createDataDir(config.dataDir, PGLITE_START_PARAMS, packagedImagePath())
    const pglite = await PGlite.create({
      dataDir: config.dataDir,
      startParams: [...PGLITE_START_PARAMS],
    })
    const db = wrapPglite(pglite, {
      sharedSessionWaitMs: options.sharedSession ? SHARED_SESSION_WAIT_MS : undefined,
    })
    // This process holds DATA_DIR alone, so any lease in it belongs to a process that died holding
    // it (a SIGKILLed sync); left in place, it would refuse every sync for up to its TTL.
    await migrateDatabase(db)
      .then(() => db.execute(sql`delete from ${leases}`))
      .catch(async (error: unknown) => {
        await db.close()
        throw error
      })
    // PGlite copies its initial files in with their packaged modes (0666), whatever the umask.
    const after = makePrivateDir(config.dataDir)
    const warning = describeStillOpen(config.dataDir, after.stillOpen.length > 0 ? after : before)
    return {
      db,
      warnings: [created.warning, warning].filter((w): w is string => Boolean(w)),
      pglite,
      announcePort: (port) => release.announcePort(port),
      async close() {
        await db.close()
        makePrivateDir(config.dataDir)
        release()
      },
    }
  } catch (error) {
    release()
    throw error
  }
}

/** serve holds DATA_DIR and migrated it at its start: one connection, no migration. */
async function openThroughServe(port: number): Promise<OpenedDatabase> {
  const { openPostgres } = await import('../db/postgres.ts')
  const db = openPostgres(embeddedUrl(port), { max: 1 })
  return { db, warnings: [], via: 'serve', close: () => db.close() }
}

/**
 * A PostgreSQL server: one probe connection first (is it there, is it PostgreSQL), then one query
 * on the pool; either failing ends the attempt with a DatabaseUnavailableError, so a bad URL
 * costs a few connections and a few seconds, never an endless reconnect loop.
 */
async function openServerDatabase(
  url: string,
  poolSize: number | undefined,
): Promise<OpenedDatabase> {
  const target = probeTarget(url)
  if (target) {
    const probe = await probePostgres(target.host, target.port)
    if (!probe.ok) throw new DatabaseUnavailableError(url, probe.reason)
  }
  const { openPostgres } = await import('../db/postgres.ts')
  const db = openPostgres(url, { max: poolSize })
  try {
    await db.execute(sql`select 1`)
  } catch (error) {
    await db.close().catch(() => {})
    throw new DatabaseUnavailableError(url, describeConnectError(error, url), { cause: error })
  }
  try {
    await migrateDatabase(db)
  } catch (error) {
    await db.close()
    throw error
  }
  return { db, warnings: [], close: () => db.close() }
}
