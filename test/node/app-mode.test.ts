// App mode end to end: the real `bc-mirror serve` with the app's settings and no store of its own,
// against the simulated store's login service over real HTTP. A merchant's install registers the
// store, makes its hooks to PUBLIC_URL and backfills it; the sim's signed deliveries reach its rows
// and an unsigned one is refused; an uninstall marks it and keeps its rows.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { freePort } from '../support/ports.ts'
import {
  listeningUrl,
  seedDataDir,
  startServeChild,
  stopChild,
  type ServeChild,
} from '../support/serve-process.ts'

const CLIENT_ID = 'app-mode-client'
const CLIENT_SECRET = 'app-mode-secret-0123456789'
const WEBHOOK_SECRET = 'app-mode-webhook-secret'

describeEachDatabase('serve in app mode', (ctx) => {
  let sim: SimStore
  let serve: ServeChild
  let url: string
  let sql: postgres.Sql
  let dataDir: string | undefined

  beforeAll(async () => {
    const port = await freePort()
    const publicUrl = `http://127.0.0.1:${port}`
    sim = await startSimStore({
      storeHash: 'firstshop',
      quota: null,
      app: {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        authCallbackUrl: `${publicUrl}/bigcommerce/auth`,
      },
      webhooks: { localTesting: true },
    })
    sim.addStore({
      storeHash: 'appshop',
      data: { counts: { products: 12, customers: 5, orders: 4, coupons: 2 } },
      webhooks: { localTesting: true },
    })
    const pglitePort = ctx.kind === 'pglite' ? await freePort() : undefined
    if (ctx.kind === 'pglite') {
      dataDir = await mkdtemp(join(tmpdir(), 'app-mode-'))
      await seedDataDir(dataDir)
    }
    serve = startServeChild(
      {
        PUBLIC_URL: publicUrl,
        PORT: String(port),
        BIGCOMMERCE_CLIENT_ID: CLIENT_ID,
        BIGCOMMERCE_CLIENT_SECRET: CLIENT_SECRET,
        BIGCOMMERCE_LOGIN_URL: sim.url,
        BIGCOMMERCE_API_URL: sim.url,
        WEBHOOK_SECRET,
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        ...(ctx.kind === 'pglite'
          ? { DATA_DIR: dataDir, PGLITE_PORT: String(pglitePort) }
          : { DATABASE_URL: ctx.url }),
      },
      ['--allow-insecure'],
    )
    url = await listeningUrl(serve)
    const dbUrl =
      ctx.kind === 'pglite' ? `postgres://postgres@127.0.0.1:${pglitePort}/postgres` : ctx.url
    sql = postgres(dbUrl ?? '', { max: 1, onnotice: () => {} })
  })

  afterAll(async () => {
    await sql?.end()
    if (serve) expect(await stopChild(serve)).toBe(0)
    await sim?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  const rows = async (table: string, store = 'appshop') =>
    Number(
      (
        await sql.unsafe(
          `select count(*)::int as n from bigcommerce.${table} where store_hash = $1`,
          [store],
        )
      )[0]?.n,
    )

  it('an install registers the store, makes its hooks to PUBLIC_URL and backfills it at once', async () => {
    const { code, scope, context } = sim.installApp('appshop')
    const answer = await fetch(
      `${url}/bigcommerce/auth?${new URLSearchParams({ code, scope, context })}`,
    )
    expect(answer.status).toBe(200)
    expect(await answer.text()).toContain('Store appshop is registered')
    await expect.poll(() => rows('products'), { timeout: 20_000 }).toBe(12)
    await expect.poll(() => rows('customers'), { timeout: 10_000 }).toBe(5)
    const hooks = [...(sim.storeOf('appshop')?.webhooks.hooks.values() ?? [])]
    await expect
      .poll(() => serve.lines.some((l) => l.msg === 'hooks made for an installed store'), {
        timeout: 15_000,
      })
      .toBe(true)
    expect(hooks.length).toBeGreaterThan(0)
    expect(hooks.every((h) => h.destination === `${url}/webhooks/bigcommerce`)).toBe(true)
    // The token is kept sealed: the registry row holds no clear token.
    const token = sim.storeOf('appshop')?.appToken() ?? ''
    const stored = await sql`select * from bigcommerce.stores where store_hash = 'appshop'`
    expect(JSON.stringify(stored)).not.toContain(token)
    expect(stored[0]).toMatchObject({ kind: 'app', status: 'active' })
  })

  it("the store's signed deliveries reach its rows; an unsigned delivery is refused (401)", async () => {
    sim.storeOf('appshop')?.store.update('products', 1, { name: 'Renamed by the merchant' })
    await expect
      .poll(
        async () =>
          (
            await sql`select data->>'name' as name from bigcommerce.products where store_hash = 'appshop' and id = 1`
          )[0]?.name,
        { timeout: 20_000 },
      )
      .toBe('Renamed by the merchant')

    const envelope = JSON.stringify({
      scope: 'store/product/updated',
      store_id: '1',
      producer: 'stores/appshop',
      hash: 'a'.repeat(40),
      created_at: Math.floor(Date.now() / 1000),
      data: { type: 'product', id: 2 },
    })
    const unsigned = await fetch(`${url}/webhooks/bigcommerce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': WEBHOOK_SECRET },
      body: envelope,
    })
    expect(unsigned.status).toBe(401)
  })

  it("an uninstall marks the store uninstalled and keeps its rows; no secret or token in serve's log", async () => {
    const jwt = await sim.uninstallApp('appshop')
    const answer = await fetch(
      `${url}/bigcommerce/uninstall?signed_payload_jwt=${encodeURIComponent(jwt)}`,
    )
    expect(answer.status).toBe(200)
    const [store] = await sql`select status from bigcommerce.stores where store_hash = 'appshop'`
    expect(store?.status).toBe('uninstalled')
    expect(await rows('products')).toBe(12)
    expect(serve.raw()).not.toContain(CLIENT_SECRET)
    expect(serve.raw()).not.toContain(sim.storeOf('appshop')?.accessToken ?? 'never')
  })
})
