// Opens the mirror's database for a Node command: PostgreSQL when DATABASE_URL is set, otherwise
// the embedded PGlite under DATA_DIR (locked to this process). Pending migrations are applied.
import { sql } from 'drizzle-orm'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { migrateDatabase } from '../db/migrate.ts'
import { leases } from '../db/schema.ts'
import { lockDataDir } from './data-dir-lock.ts'

export interface OpenedDatabase {
  db: Database
  /** Closes the database and releases the data directory. */
  close(): Promise<void>
}

export async function openConfiguredDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  command: string,
  options: { poolSize?: number } = {},
): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('../db/postgres.ts')
    const db = openPostgres(config.databaseUrl, { max: options.poolSize })
    try {
      await migrateDatabase(db)
    } catch (error) {
      await db.close()
      throw error
    }
    return { db, close: () => db.close() }
  }
  const release = lockDataDir(config.dataDir, command)
  try {
    const { openPglite } = await import('../db/pglite.ts')
    const db = await openPglite({ dataDir: config.dataDir })
    // This process holds DATA_DIR alone, so any lease in it belongs to a process that died holding
    // it (a SIGKILLed sync); left in place, it would refuse every sync for up to its TTL.
    await migrateDatabase(db)
      .then(() => db.execute(sql`delete from ${leases}`))
      .catch(async (error: unknown) => {
        await db.close()
        throw error
      })
    return {
      db,
      async close() {
        await db.close()
        release()
      },
    }
  } catch (error) {
    release()
    throw error
  }
}
