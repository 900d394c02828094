// psql on the embedded database: while `bc-mirror serve` holds DATA_DIR with PGLITE_PORT set, it
// answers PostgreSQL's protocol on 127.0.0.1, so psql reads the mirror and `status`, `verify` and
// `sync` on the same DATA_DIR go through serve instead of failing on the lock.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openPglite } from '../../src/db/pglite.ts'
import { LOCK_FILE } from '../../src/node/data-dir-lock.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { runCli } from '../support/cli.ts'
import { storeRows } from '../sync/support.ts'
import { startServeChild, stopChild, waitForLog } from '../support/serve-process.ts'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import { systemTool } from '../support/system-tools.ts'

function psql(
  port: number,
  query: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-At',
        '-c',
        query,
      ],
      {
        env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '10' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr }))
  })
}

/** An interactive psql: send lines, wait for output. */
function psqlSession(port: number) {
  const child = spawn(
    'psql',
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-At'],
    {
      env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '10' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()))
  return {
    async send(line: string, expectOutput: string) {
      child.stdin.write(`${line}\n`)
      const started = Date.now()
      while (!output.includes(expectOutput) && Date.now() - started < 20_000) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(output).toContain(expectOutput)
    },
    async quit() {
      child.stdin.end('\\q\n')
      await closed
    },
  }
}

const psqlTool = systemTool('psql port suite', 'psql', 'postgresql-client')

describe.skipIf(psqlTool.skip)('serve with PGLITE_PORT', () => {
  let sim: SimStore
  let dir = ''
  let env: Record<string, string> = {}
  let pgPort = 0
  let stopServe: (() => Promise<void>) | undefined

  beforeAll(async () => {
    if (psqlTool.missing) throw new Error(psqlTool.reason)
    sim = await startSimStore({
      quota: null,
      data: { seed: 41, counts: { coupons: 6, customers: 9, orders: 14, products: 11 } },
    })
    dir = await mkdtemp(join(tmpdir(), 'bc-mirror-wire-'))
    // A migrated directory from the suite's image (skips initdb), then a real backfill.
    const seeded = await openPglite({
      dataDir: join(dir, 'data'),
      loadDataDir: new Blob([await readFile(inject('pgliteImage'))]),
    })
    await seeded.close()
    pgPort = await freePort()
    env = {
      ...serveEnvForSim(sim, 'wire-test-webhook-secret-0123', await freePort()),
      DATA_DIR: join(dir, 'data'),
      PGLITE_PORT: String(pgPort),
    }
    expect((await runCli(['sync'], env)).code).toBe(0)

    const child = startServeChild(env)
    stopServe = async () => {
      await stopChild(child)
    }
    await waitForLog(child, 'postgres protocol')
    expect(child.raw()).toContain(`psql -h 127.0.0.1 -p ${pgPort} -U postgres`)
  }, 120_000)

  afterAll(async () => {
    await stopServe?.()
    await sim?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('psql reads the mirror while serve runs', async () => {
    const counts = await psql(
      pgPort,
      "select (select count(*) from bigcommerce.orders) || ',' || (select count(*) from bigcommerce.products)",
    )
    expect(counts.stderr).toBe('')
    // The orders the store's list shows: Incomplete ones are not listed (nor mirrored by sweeps).
    expect(counts.stdout).toBe(`${storeRows(sim, 'orders').size},11`)
    const lock = JSON.parse(await readFile(join(dir, 'data', LOCK_FILE), 'utf8')) as {
      command: string
      pgPort: number
    }
    expect(lock).toMatchObject({ command: 'bc-mirror serve', pgPort })
  })

  it('status, verify and sync on the same DATA_DIR go through serve at the same time', async () => {
    const [status, reading] = await Promise.all([
      runCli(['status', '--json'], env),
      psql(pgPort, 'select count(*) from bigcommerce.customers'),
    ])
    expect(status.stderr).toBe('')
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({
      tables: { orders: { rows: storeRows(sim, 'orders').size }, customers: { rows: 9 } },
    })
    expect(reading.stdout).toBe('9')

    const listed = storeRows(sim, 'orders').size
    sim.store.create('orders', { status_id: 11 }) // Awaiting Fulfillment: the list shows it
    const drift = await runCli(['verify', '--tables', 'orders'], env)
    expect(drift.code).toBe(1)
    expect(drift.stdout).toMatch(new RegExp(`orders\\s+${listed + 1}\\s+${listed}\\s+yes`))
    const sync = await runCli(['sync', '--tables', 'orders'], env)
    expect(sync.stderr).not.toContain('in use by process')
    expect(sync.code).toBe(0)
    const mirrored = await psql(pgPort, 'select count(*) from bigcommerce.orders')
    expect(mirrored.stdout).toBe(String(listed + 1))
    expect((await runCli(['verify', '--tables', 'orders'], env)).code).toBe(0)
  })

  it("a transaction left open in psql does not take the mirror's writes with it", async () => {
    const session = psqlSession(pgPort)
    await session.send('begin;', 'BEGIN')
    await session.send(
      "insert into bigcommerce.deletions (store_hash, resource, id) values ('wire', 'products', 1);",
      'INSERT 0 1',
    )
    // A delivery while psql's transaction is open: its insert waits instead of joining it.
    const delivery = fetch(`http://127.0.0.1:${env.PORT}/webhooks/bigcommerce`, {
      method: 'POST',
      headers: { 'X-Webhook-Secret': 'wire-test-webhook-secret-0123' },
      body: JSON.stringify({
        scope: 'store/order/updated',
        data: { type: 'order', id: 3 },
        hash: 'during-open-transaction',
        producer: `stores/${sim.storeHash}`,
      }),
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await session.send('rollback;', 'ROLLBACK')
    await session.quit()
    expect((await delivery).status).toBe(200)
    const stored = await psql(
      pgPort,
      "select (select count(*) from bigcommerce.webhook_events where hash = 'during-open-transaction') || ',' || (select count(*) from bigcommerce.deletions where store_hash = 'wire')",
    )
    expect(stored.stdout).toBe('1,0')
  })

  it("clients' parameterised queries and serve's own writes do not step on each other", async () => {
    // postgres.js sends Parse, Bind, Execute and Sync as separate messages on PGlite's one
    // session; serve's statements (one inbox insert per delivery) must not land in between.
    const client = postgres(`postgres://postgres@127.0.0.1:${pgPort}/postgres`, {
      max: 4,
      prepare: false,
      onnotice: () => {},
    })
    try {
      const queries = Array.from({ length: 120 }, (_, i) =>
        client<{ n: number }[]>`select ${i}::int + 1 as n`.then((rows) => rows[0]?.n),
      )
      const deliveries = Array.from({ length: 60 }, (_, i) =>
        fetch(`http://127.0.0.1:${env.PORT}/webhooks/bigcommerce`, {
          method: 'POST',
          headers: { 'X-Webhook-Secret': 'wire-test-webhook-secret-0123' },
          body: JSON.stringify({
            scope: 'store/order/updated',
            data: { type: 'order', id: (i % 10) + 1 },
            hash: `interleaved-${i}`,
            producer: `stores/${sim.storeHash}`,
          }),
        }).then((r) => r.status),
      )
      expect(await Promise.all(queries)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
      expect(new Set(await Promise.all(deliveries))).toEqual(new Set([200]))
      const [stored] = await client<
        { n: number }[]
      >`select count(*)::int as n from bigcommerce.webhook_events where hash like 'interleaved-%'`
      expect(stored?.n).toBe(60)
    } finally {
      await client.end({ timeout: 5 })
    }
  })
})
