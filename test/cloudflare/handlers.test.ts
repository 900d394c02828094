// The Worker's fetch handler called directly (on Node's postgres.js): what it answers before the
// app can run. Bad settings: 500 naming each problem, no secret in it. No database: 503. A database
// without the mirror's schema: migrated by the first request, which is then served. Deliveries are
// stored and followed by one drain job for their store on the queue, not one per delivery.
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/db/migrations.generated.ts'
import { handleFetch, type CloudflareEnv } from '../../src/cloudflare/handlers.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'
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

describe.runIf(process.env.TEST_DATABASE_URL)(
  'the Worker fetch handler after a delivery [postgres]',
  () => {
    let fresh: FreshDatabase
    beforeAll(async () => {
      fresh = await createFreshDatabase('postgres')
    })
    afterAll(async () => {
      await fresh?.dispose()
    })

    it('stores each delivery and sends one drain job for its store, not one per delivery', async () => {
      const queue = fakeQueue()
      const env = { ...settings(fresh.url ?? ''), JOBS: queue }
      for (const id of [1, 2, 3]) {
        const pending: Array<Promise<unknown>> = []
        const response = await handleFetch(
          new Request(`http://worker.test${WEBHOOK_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'X-Webhook-Secret': SECRET },
            body: JSON.stringify({
              scope: 'store/product/updated',
              data: { type: 'product', id },
              hash: `delivery-${id}`,
              producer: 'stores/abc123',
            }),
          }),
          env,
          { waitUntil: (promise) => pending.push(promise) },
        )
        expect(response.status).toBe(200)
        await Promise.all(pending)
      }
      const [stored] = await fresh.db.execute<{ n: number }>(
        sql`select count(*)::int as n from bigcommerce.webhook_events where store_hash = 'abc123'`,
      )
      expect(stored?.n).toBe(3)
      expect(queue.sent).toEqual([{ body: { store: 'abc123', job: 'drain' }, delaySeconds: 1 }])
    })
  },
)
