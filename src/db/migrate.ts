// Applies the migrations of drizzle/ (never edited once released). They are embedded in the
// program (src/db/migrations.generated.ts, `npm run db:embed`), so nothing is read from disk and
// the Cloudflare Worker migrates the same way as the command. Every command that touches the
// database calls this first.
//
// The bookkeeping is drizzle's own: the table bigcommerce.__drizzle_migrations, the sha256 of
// each file, and its rule (apply what is newer than the latest recorded journal time), so a
// database migrated by drizzle's folder migrator is recognised and not migrated again. Unlike
// that migrator, everything runs in one transaction that first takes a transaction-level advisory
// lock: on one connection (a Worker has one per request; Hyperdrive pools by transaction) and
// safe for concurrent starts (the second waits, then finds nothing to do). The lock's key is the
// one the folder migrator was run under, so older versions wait for this one too.
import { sql } from 'drizzle-orm'
import type { MigrationMeta } from 'drizzle-orm/migrator'
import { advisoryKey, type Database, type Executor } from './database.ts'
import { MIGRATIONS } from './migrations.generated.ts'

const LOCK_NAME = 'bigcommerce-mirror:migrate'
const TABLE = sql`"bigcommerce"."__drizzle_migrations"`

/** Applies the migrations the database does not have yet; returns how many it applied. */
export async function migrateDatabase(
  db: Database,
  migrations: readonly MigrationMeta[] = MIGRATIONS,
): Promise<number> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres')
      await tx.execute(sql`select pg_advisory_xact_lock(${advisoryKey(LOCK_NAME)})`)
    const latest = await latestAppliedMillis(tx)
    const pending = migrations.filter((m) => latest === null || latest < m.folderMillis)
    for (const migration of pending) {
      for (const statement of migration.sql) await tx.execute(sql.raw(statement))
      await tx.execute(
        sql`insert into ${TABLE} ("hash", "created_at") values (${migration.hash}, ${migration.folderMillis})`,
      )
    }
    return pending.length
  })
}

/** The journal time of the latest recorded migration (null: none), creating the table as drizzle does. */
async function latestAppliedMillis(tx: Executor): Promise<number | null> {
  await tx.execute(sql`create schema if not exists "bigcommerce"`)
  await tx.execute(
    sql`create table if not exists ${TABLE} (id serial primary key, hash text not null, created_at bigint)`,
  )
  const [latest] = await tx.execute<{ created_at: string | number | null }>(
    sql`select created_at from ${TABLE} order by created_at desc limit 1`,
  )
  return latest ? Number(latest.created_at) : null
}
