// A new DATA_DIR from the database image `npm run build` ships (no initdb on the user's machine):
// created from it, migrated, usable; migrations newer than the image still apply; an image that
// cannot be loaded falls back to initdb and says why.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateDatabase } from '../../src/db/migrate.ts'
import { MIGRATIONS } from '../../src/db/migrations.generated.ts'
import { PGLITE_START_PARAMS } from '../../src/db/pglite.ts'
import { createDataDir } from '../../src/node/create-data-dir.ts'
import { packagedImagePath } from '../../src/node/embedded-image.ts'
import { openConfiguredDatabase } from '../../src/node/open-database.ts'

let root = ''
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bcm-image-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function appliedMigrations(dataDir: string, extra: typeof MIGRATIONS = []) {
  const opened = await openConfiguredDatabase({ dataDir, databaseUrl: undefined }, 'test')
  try {
    await migrateDatabase(opened.db, [...MIGRATIONS, ...extra])
    const [row] = await opened.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.__drizzle_migrations`,
    )
    const { warnings, db, close } = opened
    return { applied: Number(row?.n), warnings, db, close }
  } catch (error) {
    await opened.close()
    throw error
  }
}

describe('the embedded database image', () => {
  it('the build ships one; a new DATA_DIR is created from it, migrated and usable', async () => {
    const image = packagedImagePath()
    expect(image).not.toBeNull()
    const dataDir = join(root, 'fresh')
    const created = await createDataDir(dataDir, PGLITE_START_PARAMS, image)
    expect(created).toEqual({ from: 'image' })
    // A migration newer than the image applies on the first open, as on any older database.
    const last = MIGRATIONS.at(-1)!
    const newer = {
      ...last,
      tag: '9999_after_the_image',
      folderMillis: last.folderMillis + 1,
      hash: 'after-the-image',
      sql: ['create table bigcommerce.after_the_image (id int primary key)'],
    }
    const opened = await appliedMigrations(dataDir, [newer])
    try {
      expect(opened.applied).toBe(MIGRATIONS.length + 1)
      expect(opened.warnings).toEqual([])
      await opened.db.execute(sql`insert into bigcommerce.after_the_image values (1)`)
      const rows = await opened.db.execute(sql`select id from bigcommerce.after_the_image`)
      expect(rows).toEqual([{ id: 1 }])
    } finally {
      await opened.close()
    }
  })

  it('a second open finds the database and creates nothing', async () => {
    const dataDir = join(root, 'fresh')
    expect(await createDataDir(dataDir, PGLITE_START_PARAMS, packagedImagePath())).toEqual({
      from: 'existing',
    })
  })

  it('a damaged image falls back to initdb, and the warning says why and what it costs', async () => {
    const image = packagedImagePath()!
    const damaged = join(root, 'damaged.tgz')
    const bytes = await readFile(image)
    await writeFile(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const dataDir = join(root, 'from-initdb')
    const created = await createDataDir(dataDir, PGLITE_START_PARAMS, damaged)
    expect(created.from).toBe('initdb')
    expect(created.warning).toMatch(
      /^the database image shipped with this build could not be loaded \(.+\); the embedded database was created with initdb instead, which needs ~800 MB/,
    )
    const opened = await appliedMigrations(dataDir)
    try {
      expect(opened.applied).toBe(MIGRATIONS.length)
    } finally {
      await opened.close()
    }
  })
})
