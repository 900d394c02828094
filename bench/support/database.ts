// A fresh, migrated database per benchmark run: PostgreSQL when BENCH_DATABASE_URL is set (a
// scratch database is created and dropped on that server), else an in-memory PGlite.
import postgres from 'postgres'
import type { Database } from '../../src/db/database.ts'
import { migrateDatabase } from '../../src/db/migrate.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'

export async function freshDatabase(
  label: string,
): Promise<{ db: Database; dispose(): Promise<void>; kind: string }> {
  const serverUrl = process.env.BENCH_DATABASE_URL
  if (!serverUrl) {
    const db = await openPglite()
    await migrateDatabase(db)
    return { db, kind: 'PGlite (in memory)', dispose: () => db.close() }
  }
  const name = `bcm_bench_${process.pid}_${label}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.unsafe(`create database "${name}"`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const db = openPostgres(url.toString())
  await migrateDatabase(db)
  return {
    db,
    kind: 'PostgreSQL',
    async dispose() {
      await db.close()
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    },
  }
}
