// Runs once per `vitest run`: builds one migrated PGlite image (each test file then loads a copy,
// ~0.5 s, instead of running initdb, ~4 s), from the build's own embedded image and, when TEST_DATABASE_URL is set, one migrated
// template database on that server (each test file then gets CREATE DATABASE ... TEMPLATE).
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { migrateDatabase } from '../../src/db/migrate.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import {
  EMBEDDED_IMAGE,
  PGLITE_DATA_DIR,
  PGLITE_IMAGE,
  databaseUrlFor,
  scratchDatabaseName,
} from './paths.ts'
import { createScratchDatabase, dropLeftovers, isProcessAlive } from './scratch-databases.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteImage: string
    /** PGLITE_IMAGE unpacked into a data directory (seedDataDir copies it). */
    pgliteDataDir: string
    postgresTemplate: string | null
    /** The vitest process: owner of this run's scratch databases. */
    runPid: number
  }
}

export default async function setup(project: TestProject) {
  await mkdir(join(PGLITE_IMAGE, '..'), { recursive: true })
  // From the image the build made (build.ts ran first), as a new DATA_DIR is: PGlite's initdb
  // would cost ~4 s and ~780 MB again.
  const built = existsSync(EMBEDDED_IMAGE) ? gunzipSync(await readFile(EMBEDDED_IMAGE)) : null
  const embedded = await openPglite(built ? { loadDataDir: new Blob([built]) } : {})
  await migrateDatabase(embedded)
  const client = (embedded.orm as unknown as { $client: { dumpDataDir(c: 'none'): Promise<Blob> } })
    .$client
  // Not compressed: each of the run's many opens would gunzip it again (paths.ts).
  const image = await client.dumpDataDir('none')
  const imageBytes = Buffer.from(await image.arrayBuffer())
  await writeFile(PGLITE_IMAGE, imageBytes)
  await embedded.close()
  await rm(PGLITE_DATA_DIR, { recursive: true, force: true })
  const unpacked = await openPglite({
    dataDir: PGLITE_DATA_DIR,
    loadDataDir: new Blob([imageBytes]),
  })
  await unpacked.close()
  project.provide('pgliteImage', PGLITE_IMAGE)
  project.provide('pgliteDataDir', PGLITE_DATA_DIR)
  project.provide('runPid', process.pid)

  const serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) {
    project.provide('postgresTemplate', null)
    return
  }
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await dropLeftovers(admin, isProcessAlive)
  const template = scratchDatabaseName('template', process.pid, String(Date.now()))
  await createScratchDatabase(admin, template, process.pid)
  const db = openPostgres(databaseUrlFor(serverUrl, template))
  await migrateDatabase(db)
  await db.execute(sql`select 1`)
  await db.close()
  project.provide('postgresTemplate', template)
  return async () => {
    await admin.unsafe(`drop database if exists "${template}" with (force)`)
    await admin.end()
  }
}
