// The Worker's fetch handler called directly (on Node's postgres.js): what it answers before the
// app can run. Bad settings: 500 naming each problem, no secret in it. No database: 503. A database
// without the mirror's schema: migrated by the first request, which is then served.
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/db/migrations.generated.ts'
import { handleFetch, type CloudflareEnv } from '../../src/cloudflare/handlers.ts'
import { databaseUrlFor, scratchDatabaseName } from '../support/paths.ts'
import { fakeQueue } from './fake-queue.ts'
import { createScratchDatabase } from '../support/scratch-databases.ts'

const SECRET = 'handler-test-webhook-secret-0123'
const TOKEN = 'handler-test-access-token-0123'

function settings(databaseUrl: string): CloudflareEnv {
  return {
    BIGCOMMERCE_STORE_HASH: 'abc123',
    BIGCOMMERCE_ACCESS_TOKEN: TOKEN,
    BIGCOMMERCE_API_URL: 'http://127.0.0.1:1',
    BIGCOMMERCE_START_DATE: '',
    WEBHOOK_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    JOBS: fakeQueue(),
  }
}

async function call(env: CloudflareEnv, path = '/healthz') {
  const pending: Array<Promise<unknown>> = []
  const response = await handleFetch(new Request(`http://worker.test${path}`), env, {
    waitUntil: (promise) => pending.push(promise),
  })
  await Promise.all(pending) // the database client is closed in waitUntil
  return {
    status: response.status,
    body: (await response.json()) as { error?: string; ok?: boolean },
  }
}

describe('the Worker fetch handler', () => {
  it('answers 500 naming every bad setting, without their secret values', async () => {
    const { status, body } = await call({
      WEBHOOK_SECRET: 'short',
      BIGCOMMERCE_ACCESS_TOKEN: TOKEN,
    })
    expect(status).toBe(500)
    expect(body.error).toContain('BIGCOMMERCE_STORE_HASH is missing')
    expect(body.error).toContain('WEBHOOK_SECRET is too short')
    expect(body.error).toContain('wrangler secret put')
    expect(body.error).not.toContain(TOKEN)
  })

  it('answers 500 when there is neither a HYPERDRIVE binding nor DATABASE_URL', async () => {
    const env = settings('')
    const { status, body } = await call(env)
    expect(status).toBe(500)
    expect(body.error).toMatch(/HYPERDRIVE.*DATABASE_URL/)
  })

  it('answers 503 while the database is unreachable', async () => {
    const { status, body } = await call(settings('postgres://postgres@127.0.0.1:1/mirror'))
    expect(status).toBe(503)
    expect(body.error).toMatch(/unavailable/)
  })
})

describe.runIf(process.env.TEST_DATABASE_URL)(
  'the Worker fetch handler on a database without the schema [postgres]',
  () => {
    const serverUrl = process.env.TEST_DATABASE_URL ?? ''
    const name = scratchDatabaseName('test', process.pid, randomBytes(6).toString('hex'))
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
    afterAll(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    })

    it('applies the embedded migrations on its first request, then serves', async () => {
      await createScratchDatabase(admin, name, process.pid)
      const url = databaseUrlFor(serverUrl, name)
      const first = await call(settings(url))
      expect(first).toEqual({ status: 200, body: { ok: true } })

      const db = postgres(url, { max: 1, onnotice: () => {} })
      const recorded = await db<{ hash: string }[]>`
        select hash from bigcommerce.__drizzle_migrations order by created_at`
      await db.end()
      expect(recorded.map((r) => r.hash)).toEqual(MIGRATIONS.map((m) => m.hash))
      expect(await call(settings(url))).toEqual({ status: 200, body: { ok: true } })
    })
  },
)
