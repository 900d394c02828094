// What `npm pack` ships and that it runs on its own: the compiled program (dist/) with its type
// declarations (for the library: test/package/library.test.ts) and its command, the embedded
// database's image (a new DATA_DIR starts from it), no TypeScript source, no test or benchmark
// file, no drizzle/ folder (the migrations are compiled in). A copy of exactly the packed files,
// beside the installed dependencies, must answer --help and migrate a new embedded database.
import { spawnSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Packed {
  files: Array<{ path: string; size: number }>
  size: number
}

function pack(): Packed {
  // The global setup has built dist/; --ignore-scripts keeps prepare's output out of the JSON.
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  expect(run.status, run.stderr).toBe(0)
  const [packed] = JSON.parse(run.stdout) as Packed[]
  if (!packed) throw new Error('npm pack listed nothing')
  return packed
}

describe('npm pack', () => {
  let files: string[] = []
  let packed: Packed = { files: [], size: 0 }
  let installed = ''
  beforeAll(async () => {
    packed = pack()
    files = packed.files.map((f) => f.path).sort()
    installed = await mkdtemp(join(tmpdir(), 'bcm-packed-'))
    for (const file of files) await cp(join(ROOT, file), join(installed, file), { recursive: true })
    await symlink(join(ROOT, 'node_modules'), join(installed, 'node_modules'), 'dir')
  })
  afterAll(async () => {
    if (installed) await rm(installed, { recursive: true, force: true })
  })

  it('lists the command and the compiled program, and nothing of test/, bench/ or the sources', () => {
    expect(files).toContain('bin/bc-mirror.js')
    expect(files).toContain('dist/cli/index.js')
    expect(files).toContain('dist/src/node/background-thread-body.js')
    expect(files).toContain('dist/src/sim/index.js') // the demo's simulated store
    expect(files).toContain('dist/src/db/migrations.generated.js')
    expect(files).toContain('dist/src/library/index.d.ts')
    expect(files).toContain('dist/src/library/schema.d.ts')
    const unexpected = files.filter(
      (f) =>
        !/^(bin\/bc-mirror\.js|dist\/(src|cli)\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE)$/.test(
          f,
        ),
    )
    expect(unexpected).toEqual([
      'dist/src/db/embedded-image.tgz',
      'dist/src/db/embedded-image.tgz.json',
    ])
    expect(files.filter((f) => /^(test|bench|drizzle|scripts|src|cli)\//.test(f))).toEqual([])
  })

  it('stays small: the database image about 5 MB, the whole package under 8 MB compressed', () => {
    const image = packed.files.find((f) => f.path === 'dist/src/db/embedded-image.tgz')
    expect(image?.size).toBeGreaterThan(1_000_000)
    expect(image?.size).toBeLessThan(6_000_000)
    expect(packed.size).toBeLessThan(8_000_000)
  })

  it('ships no file that loads tsx or a .ts module', async () => {
    const offenders: string[] = []
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const code = await readFile(join(ROOT, file), 'utf8')
      if (/(from\s*|import\s*\(\s*)['"]([^'"]*\.tsx?|tsx(\/[^'"]*)?)['"]/.test(code))
        offenders.push(file)
    }
    expect(offenders).toEqual([])
  })

  it('runs from the packed files alone: --help, then migrate on a new embedded database', async () => {
    const bin = join(installed, 'bin/bc-mirror.js')
    const env = {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      BIGCOMMERCE_STORE_HASH: 'abc123',
      BIGCOMMERCE_ACCESS_TOKEN: 'x',
    }
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env })
    expect(help.stderr).toBe('')
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('migrate')

    const migrate = spawnSync(process.execPath, [bin, 'migrate'], {
      encoding: 'utf8',
      env: { ...env, DATA_DIR: join(installed, 'data') },
    })
    expect(migrate.stderr).toBe('')
    expect(migrate.stdout).toContain('Database is up to date (embedded')
    expect(migrate.status).toBe(0)
  })
})
