// The command itself, run as users run it: help, exit codes, migrate and status on both databases,
// and the embedded database's one-process lock.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openPglite } from '../src/db/pglite.ts'
import { openPostgres } from '../src/db/postgres.ts'
import { runCli } from './support/cli.ts'
import { databaseUrlFor, scratchDatabaseName } from './support/paths.ts'
import { createScratchDatabase } from './support/scratch-databases.ts'

// No API answers there (status asks it once): the store's state is "no answer", not a problem.
const STORE = {
  BIGCOMMERCE_STORE_HASH: 'abc123',
  BIGCOMMERCE_ACCESS_TOKEN: 'tok-secret-value',
  BIGCOMMERCE_API_URL: 'http://127.0.0.1:1',
}
let workDir = ''

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-cli-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})

describe('bc-mirror command', () => {
  it('--help lists every command of the contract', async () => {
    const result = await runCli(['--help'], {})
    expect(result.code).toBe(0)
    for (const command of ['migrate', 'sync', 'serve', 'webhooks', 'status', 'changes'])
      expect(result.stdout).toContain(command)
  })

  it('a bad setting stops the command with exit code 2, every problem named, no secret shown', async () => {
    const result = await runCli(['status'], {
      BIGCOMMERCE_ACCESS_TOKEN: 'tok-secret-value',
      BIGCOMMERCE_START_DATE: '13/45/2024',
      DATA_DIR: join(workDir, 'never-created'),
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('BIGCOMMERCE_STORE_HASH is missing')
    expect(result.stderr).toContain('BIGCOMMERCE_START_DATE is not a real date')
    expect(result.stderr).not.toContain('tok-secret-value')
    expect(result.stdout).toBe('')
  })

  it('reads settings from .env in the working directory, the environment winning', async () => {
    const { writeFile } = await import('node:fs/promises')
    const dir = await mkdtemp(join(workDir, 'dotenv-'))
    await writeFile(
      join(dir, '.env'),
      'BIGCOMMERCE_STORE_HASH=fromfile\nBIGCOMMERCE_START_DATE=2024-02-30\n',
    )
    const result = await runCli(
      ['status'],
      { BIGCOMMERCE_START_DATE: '99/99/2024', BIGCOMMERCE_ACCESS_TOKEN: 'x' },
      dir,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('(got "99/99/2024")')
    expect(result.stderr).not.toContain('BIGCOMMERCE_STORE_HASH')
  })

  it('migrate then status --json on the embedded database', async () => {
    const env = { ...STORE, DATA_DIR: join(workDir, 'embedded') }
    const migrate = await runCli(['migrate'], env)
    expect(migrate.stderr).toBe('')
    expect(migrate.code).toBe(0)
    const status = await runCli(['status', '--json'], env)
    // A mirror that never completed a sweep is not whole: a problem (exit 1), with its fix.
    expect(status.code).toBe(1)
    const parsed = JSON.parse(status.stdout) as {
      tables: Record<string, { rows: number; cursor: string | null }>
      problems: Array<{ what: string; fix: string }>
      access: { result: string }
    }
    expect(Object.keys(parsed.tables).sort()).toEqual([
      'brands',
      'categories',
      'coupons',
      'customers',
      'orders',
      'products',
    ])
    for (const table of Object.values(parsed.tables))
      expect(table).toMatchObject({ rows: 0, cursor: null })
    expect(parsed.problems).toEqual([
      {
        what: 'no sweep of coupons, customers, orders, products, categories and brands has completed yet: the mirror is not whole',
        fix: 'bc-mirror sync',
      },
    ])
    // Nothing answers at the API's address: said, not counted as a problem.
    expect(parsed.access.result).toBe('unreachable')
  })
})

describe.runIf(process.env.TEST_DATABASE_URL)('bc-mirror on PostgreSQL', () => {
  // Collected (not run) without TEST_DATABASE_URL too, so nothing here may parse the URL eagerly.
  const serverUrl = process.env.TEST_DATABASE_URL ?? ''
  const name = scratchDatabaseName('test', inject('runPid'), 'cli')
  let url = ''
  let admin: postgres.Sql

  beforeAll(async () => {
    url = databaseUrlFor(serverUrl, name)
    admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
    await createScratchDatabase(admin, name, inject('runPid'))
  })
  afterAll(async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`)
    await admin.end()
  })

  it('two migrations started at once on an empty database both succeed', async () => {
    const [a, b] = await Promise.all([
      runCli(['migrate'], { DATABASE_URL: url }),
      runCli(['migrate'], { DATABASE_URL: url }),
    ])
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', ''])
    const db = openPostgres(url)
    const applied = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.__drizzle_migrations`,
    )
    await db.close()
    expect(applied[0]?.n).toBeGreaterThan(0)
  })

  it('status --json reports the rows of each table', async () => {
    const db = openPostgres(url)
    await db.execute(
      sql`insert into bigcommerce.orders (store_hash, id, data) values ('abc123', 1, '{}'), ('abc123', 2, '{}'), ('other', 3, '{}')`,
    )
    await db.close()
    const status = await runCli(['status', '--json'], { ...STORE, DATABASE_URL: url })
    expect(status.code).toBe(1) // no sweep has completed yet
    const parsed = JSON.parse(status.stdout) as { tables: Record<string, { rows: number }> }
    expect(parsed.tables.orders?.rows).toBe(2)
    expect(parsed.tables.products?.rows).toBe(0)
  })
})

describe('the embedded database belongs to one process', () => {
  const fixture = fileURLToPath(new URL('./fixtures/hold-data-dir.ts', import.meta.url))

  function holdDataDir(dataDir: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
      child.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)))
    })
    return { child, ready }
  }

  it('refuses a second process with a message naming the holder; a killed holder does not block the next start', async () => {
    const dataDir = join(workDir, 'locked')
    const holder = holdDataDir(dataDir)
    await holder.ready

    const second = await runCli(['status'], { ...STORE, DATA_DIR: dataDir })
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`in use by process ${holder.child.pid}`)
    expect(second.stderr).toMatch(/Stop that process first, or set DATABASE_URL/)

    const exited = new Promise((resolve) => holder.child.on('exit', resolve))
    holder.child.kill('SIGKILL')
    await exited

    const after = await runCli(['status', '--json'], { ...STORE, DATA_DIR: dataDir })
    expect(after.stderr).toBe('bc-mirror: 1 problem needs attention (listed above)\n')
    expect(after.code).toBe(1) // it ran: the one problem is that no sweep has completed yet

    // The first process's write survived both the refused second process and the hard kill.
    const db = await openPglite({ dataDir })
    const rows = await db.execute<{ id: number }>(
      sql`select id::int as id from bigcommerce.deletions where store_hash = 'marker'`,
    )
    await db.close()
    expect(rows).toEqual([{ id: 42 }])
  })
})
