// The Worker bundles with the pinned wrangler, without a login, and carries neither PGlite nor the
// Node-only parts of the mirror (the data-directory lock); its migrations are embedded, not read
// from the file system.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/db/migrations.generated.ts'
import { runWrangler } from './wrangler.ts'

describe('wrangler deploy --dry-run', () => {
  let outDir = ''
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true })
  })

  it('bundles src/cloudflare/entry.ts without PGlite or the file system', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bcm-worker-bundle-'))
    const run = await runWrangler(['deploy', '--dry-run', '--outdir', outDir])
    expect(run.code, run.output).toBe(0)
    expect(run.output).toContain('--dry-run: exiting now.')

    const files = (await readdir(outDir)).filter((f) => f.endsWith('.js'))
    expect(files).toEqual(['entry.js'])
    const bundle = await readFile(join(outDir, 'entry.js'), 'utf8')
    expect(bundle).toMatch(/createApp/)
    expect(bundle).toContain('cloudflare:sockets') // postgres.js's Workers build, not its Node one
    // The settings PGLITE_PORT and PGLITE_IDLE_TIMEOUT_SECONDS (parsed by the shared config) name
    // it; the library must not be in.
    const code = bundle
      .toLowerCase()
      .replace(/pglite_(port|idle_timeout_seconds)|pglite(port|idletimeoutseconds)/g, '')
    expect(code).not.toContain('pglite')
    expect(bundle).not.toMatch(/from ["']node:(fs|fs\/promises|url|child_process)["']/)
    expect(bundle).not.toContain('readMigrationFiles')
    for (const migration of MIGRATIONS) expect(bundle).toContain(migration.hash)
  })
})
