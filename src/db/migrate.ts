// Applies the generated migrations in drizzle/ (never edited once released). Every command that
// touches the database calls this first; on PostgreSQL an advisory lock makes concurrent starts
// of several processes safe (the second waits, then finds nothing to do).
import { fileURLToPath } from 'node:url'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type { Database } from './database.ts'

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

const migrationConfig = {
  migrationsFolder: MIGRATIONS_FOLDER,
  migrationsSchema: 'bigcommerce',
  migrationsTable: '__drizzle_migrations',
}

export async function migrateDatabase(db: Database): Promise<void> {
  if (db.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator')
    await migrate(db.orm as PgliteDatabase, migrationConfig)
    return
  }
  const { migrate } = await import('drizzle-orm/postgres-js/migrator')
  await db.withLock('bigcommerce-mirror:migrate', () => migrate(db.orm as PostgresJsDatabase, migrationConfig), {
    wait: true,
  })
}
