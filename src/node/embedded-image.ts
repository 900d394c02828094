// The embedded database's starting image: a data directory initialised and migrated by
// `npm run build` and shipped beside the compiled program (dist/src/db/embedded-image.tgz). A new
// DATA_DIR is unpacked from it (~340 MB resident for a moment) instead of running PGlite's initdb
// (~780 MB), so a first run fits a small server; migrations newer than the image apply as usual.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrateDatabase } from '../db/migrate.ts'
import { MIGRATIONS } from '../db/migrations.generated.ts'

const IMAGE = 'embedded-image.tgz'

/**
 * Where the image is: beside the compiled db/ modules, or, when running from the sources (tests,
 * tsx), in the build's output. Null when neither has one (never built).
 */
export function packagedImagePath(): string | null {
  const candidates = [
    new URL(`../db/${IMAGE}`, import.meta.url),
    new URL(`../../dist/src/db/${IMAGE}`, import.meta.url),
  ]
  const found = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(path))
  return found ?? null
}

/** The installed PGlite's version, read from its package.json (not among its exports). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return String(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version)
}

/** What an image is made from: the PGlite version and every migration's hash. */
export function imageKey(): string {
  const parts = [pgliteVersion(), ...MIGRATIONS.map((m) => m.hash)]
  return createHash('sha256').update(parts.join('\n')).digest('hex')
}

/**
 * Writes the image to `path` (and its key to `path.json`) unless one from the same PGlite and
 * migrations is there; true when it wrote one. Runs initdb in this process (~780 MB): a build
 * step, never a command's.
 */
export async function writeEmbeddedImage(path: string): Promise<boolean> {
  const key = imageKey()
  const keyFile = `${path}.json`
  const current = existsSync(path) && existsSync(keyFile)
  if (current && JSON.parse(readFileSync(keyFile, 'utf8')).key === key) return false
  const { openPglite } = await import('../db/pglite.ts')
  const db = await openPglite()
  try {
    await migrateDatabase(db)
    const client = (db.orm as unknown as { $client: PgliteDump }).$client
    await client.query('checkpoint')
    const image = await client.dumpDataDir('gzip')
    writeFileSync(path, Buffer.from(await image.arrayBuffer()))
    writeFileSync(keyFile, `${JSON.stringify({ key, pglite: pgliteVersion() })}\n`)
    return true
  } finally {
    await db.close()
  }
}

interface PgliteDump {
  query(text: string): Promise<unknown>
  dumpDataDir(compression: 'gzip'): Promise<Blob>
}
