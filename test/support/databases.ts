// One behavioural suite, run on every database the machine offers: PGlite always, PostgreSQL when
// TEST_DATABASE_URL is set. Each describe block gets its own fresh, migrated database.
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, inject } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { databaseUrlFor, scratchDatabaseName } from './paths.ts'
import { createScratchDatabase } from './scratch-databases.ts'

export type DatabaseKind = 'pglite' | 'postgres'

export interface FreshDatabase {
  db: Database
  /** The postgres:// URL of this database (postgres only), for spawning the CLI against it. */
  url?: string
  dispose(): Promise<void>
}

export function databaseKinds(): DatabaseKind[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite']
}

/**
 * The test image as PGlite reads it (it asks only for the bytes). Node's own Blob copies 41 MB in
 * and reads it back out through a stream: ~60 ms of CPU an open more than a plain copy.
 */
class ImageBlob extends Blob {
  constructor(private readonly image: Uint8Array) {
    super([])
  }
  // A copy: the image is shared by every database this thread opens.
  override async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.image).buffer
  }
}

/** Read once per worker thread (the modules outlive a file: isolate is off). */
let testImage: Promise<Uint8Array> | undefined

export async function createFreshDatabase(kind: DatabaseKind): Promise<FreshDatabase> {
  if (kind === 'pglite') {
    testImage ??= readFile(inject('pgliteImage'))
    const db = await openPglite({ loadDataDir: new ImageBlob(await testImage) })
    return { db, dispose: () => db.close() }
  }
  const serverUrl = process.env.TEST_DATABASE_URL
  const template = inject('postgresTemplate')
  if (!serverUrl || !template) throw new Error('TEST_DATABASE_URL is not set')
  const name = scratchDatabaseName('test', inject('runPid'), randomBytes(6).toString('hex'))
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await createScratchDatabase(admin, name, inject('runPid'), template)
  const url = databaseUrlFor(serverUrl, name)
  const db = openPostgres(url)
  return {
    db,
    url,
    async dispose() {
      await db.close()
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    },
  }
}

/** Declares `suite` once per database kind; `ctx.db` is that kind's fresh database. */
export function describeEachDatabase(
  name: string,
  suite: (ctx: {
    readonly db: Database
    readonly url: string | undefined
    readonly kind: DatabaseKind
  }) => void,
) {
  for (const kind of databaseKinds()) {
    describe(`${name} [${kind}]`, () => {
      let fresh: FreshDatabase | undefined
      beforeAll(async () => {
        fresh = await createFreshDatabase(kind)
      })
      afterAll(async () => {
        await fresh?.dispose()
      })
      suite({
        kind,
        get db() {
          if (!fresh) throw new Error('database not ready: use ctx.db inside a test or hook')
          return fresh.db
        },
        get url() {
          return fresh?.url
        },
      })
    })
  }
}
