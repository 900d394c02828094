// Creating a new embedded data directory, in a child process that exits at once: its memory
// (a WASM heap never shrinks) never stays with the command that goes on to use the database.
// From the image `npm run build` made (embedded-image.ts) it peaks at ~340 MB; PGlite's own initdb
// peaks at ~780 MB and is the fallback when there is no image or it cannot be loaded.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { LOCK_FILE } from './data-dir-lock.ts'

export interface CreatedDataDir {
  from: 'image' | 'initdb' | 'existing'
  /** Why the image was not used, for the user; absent when it was or there was none. */
  warning?: string
}

// The child prints only an error's message: no stack reaches the user. The image is unzipped here
// first, so a damaged one fails on its checksum at once (PGlite's own unzipping would also throw
// it unhandled). A failed load leaves part of the image behind; all but the lock file goes before
// initdb runs.
const SCRIPT = `const [url, dir, params, image, lock] = process.argv.slice(1)
const { existsSync, readFileSync, readdirSync, rmSync } = await import('node:fs')
const { join } = await import('node:path')
const { gunzipSync } = await import('node:zlib')
const message = (error) => String(error?.message ?? error).split('\\n')[0]
try {
  const { PGlite } = await import(url)
  const startParams = JSON.parse(params)
  if (image) {
    try {
      const loadDataDir = new Blob([gunzipSync(readFileSync(image))])
      const db = await PGlite.create({ dataDir: dir, loadDataDir, startParams })
      await db.query('select 1')
      await db.close()
      process.exit(0)
    } catch (error) {
      process.stdout.write(message(error))
      for (const name of existsSync(dir) ? readdirSync(dir) : []) {
        if (name !== lock) rmSync(join(dir, name), { recursive: true, force: true })
      }
    }
  }
  const db = await PGlite.create({ dataDir: dir, startParams })
  await db.close()
} catch (error) {
  process.stderr.write(message(error))
  process.exit(1)
}`

/**
 * Creates the database in `dataDir` (an existing directory, already locked) unless it has one,
 * from `image` when given and loadable, else with initdb.
 */
export async function createDataDir(
  dataDir: string,
  startParams: readonly string[],
  image: string | null,
): Promise<CreatedDataDir> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return { from: 'existing' }
  const pglite = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
  const args = ['--input-type=module', '-e', SCRIPT, '--', pglite.href, dataDir]
  const child = spawn(
    process.execPath,
    [...args, JSON.stringify(startParams), image ?? '', LOCK_FILE],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) {
    const said = stderr.trim().split('\n')[0] || `exit code ${code}`
    throw new Error(`could not create the embedded database in ${dataDir}: ${said}`)
  }
  if (!image) return { from: 'initdb' }
  const failure = stdout.trim()
  if (!failure) return { from: 'image' }
  return {
    from: 'initdb',
    warning:
      `the database image shipped with this build could not be loaded (${failure.slice(0, 200)}); ` +
      'the embedded database was created with initdb instead, which needs ~800 MB of memory for ' +
      'a few seconds. `npm run build` makes a new image.',
  }
}
