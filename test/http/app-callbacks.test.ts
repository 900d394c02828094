// The app's callbacks through the mirror's Hono app, on the store registry of both databases and
// against the simulated store's login service over real HTTP: an install registers the store with
// its sealed token (and tells onInstalled), a bad code or too few scopes registers nothing,
// load/uninstall/remove_user act only on a verified payload, and a forgery changes nothing.
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.ts'
import { registryInstalls } from '../../src/http/app-callbacks.ts'
import { ALL_READ_SCOPES, startSimStore, type SimStore } from '../../src/sim/server.ts'
import { findStore, listStores } from '../../src/stores/registry.ts'
import { importTokenKeys, type TokenKeys } from '../../src/stores/token-crypto.ts'
import type { Database } from '../../src/db/database.ts'
import { describeEachDatabase } from '../support/databases.ts'

const CLIENT_ID = 'cb-client'
const SECRET = 'cb-secret-abcdef'
const PUBLIC_URL = 'https://mirror.example'

let sim: SimStore
let keys: TokenKeys
let installedHashes: string[]

const mirror = (db: Database, publicUrl = PUBLIC_URL) =>
  createApp({
    storeHash: 'unused',
    webhookSecret: 'whs',
    enqueue: async () => {},
    checkHealth: async () => true,
    appCallbacks: {
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      publicUrl,
      loginUrl: sim.url,
      installs: registryInstalls(db, keys),
      onInstalled: (hash) => {
        installedHashes.push(hash)
      },
    },
  })

beforeAll(async () => {
  sim = await startSimStore({
    storeHash: 'one',
    quota: null,
    app: {
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      authCallbackUrl: `${PUBLIC_URL}/bigcommerce/auth`,
    },
  })
  sim.addStore({ storeHash: 'two' })
  sim.addStore({ storeHash: 'three' })
  keys = await importTokenKeys(randomBytes(32).toString('hex'))
})
afterAll(() => sim.close())
beforeEach(() => {
  installedHashes = []
})

const authPath = (query: { code: string; scope: string; context: string }) =>
  `/bigcommerce/auth?${new URLSearchParams(query)}`

const call = (app: ReturnType<typeof mirror>, path: string, jwt: string) =>
  app.request(`/bigcommerce/${path}?signed_payload_jwt=${encodeURIComponent(jwt)}`)

describeEachDatabase('app callbacks', (ctx) => {
  const statusOf = async (hash: string) => (await findStore(ctx.db, hash))?.status ?? null

  it('auth registers the store with its sealed token and scopes, and tells onInstalled', async () => {
    const response = await mirror(ctx.db).request(authPath(sim.installApp('two')))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('Store two is registered')
    const record = await findStore(ctx.db, 'two')
    expect(record).toMatchObject({ kind: 'app', status: 'active' })
    expect(record?.scopes.sort()).toEqual(ALL_READ_SCOPES.slice().sort())
    // The token is only ever sealed: no column of the registry holds it in clear.
    const token = sim.storeOf('two')?.appToken() ?? ''
    expect(token).not.toBe('')
    const rows = await ctx.db.execute(sql`select * from bigcommerce.stores`)
    expect(JSON.stringify(rows)).not.toContain(token)
    await new Promise((resolve) => setImmediate(resolve))
    expect(installedHashes).toEqual(['two'])
  })

  it('a bad or reused code registers nothing and names neither code nor secret', async () => {
    const app = mirror(ctx.db)
    const query = sim.installApp('three')
    // The code is spent by a first exchange that fails elsewhere (here: the wrong callback URL).
    const wrongApp = mirror(ctx.db, 'https://elsewhere.example')
    expect((await wrongApp.request(authPath(query))).status).toBe(400)
    const reused = await app.request(authPath(query))
    expect(reused.status).toBe(400)
    const text = await reused.text()
    expect(text).toContain('refused the install')
    expect(text).not.toContain(query.code)
    expect(text).not.toContain(SECRET)
    expect((await app.request(authPath({ ...query, code: 'nope' }))).status).toBe(400)
    expect(await statusOf('three')).toBeNull()
    expect(installedHashes).toEqual([])
  })

  it('too few scopes registers nothing and names what is missing', async () => {
    const query = sim.installApp('three', { scopes: ['store_v2_orders_read_only'] })
    const response = await mirror(ctx.db).request(authPath(query))
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(
      /lacks store_v2_marketing_read_only .*store_v2_products_read_only/,
    )
    expect(await statusOf('three')).toBeNull()
  })

  it('a forged, expired or missing payload is refused and changes nothing', async () => {
    const app = mirror(ctx.db)
    expect((await app.request(authPath(sim.installApp('one')))).status).toBe(200)
    const forged = await sim.signCallback('one', 'uninstall', { secret: 'guessed' })
    const expired = await sim.signCallback('one', 'uninstall', {
      claims: { exp: Math.floor(Date.now() / 1000) - 3600 },
    })
    for (const jwt of [forged, expired, '']) {
      const response = await call(app, 'uninstall', jwt)
      expect(response.status).toBe(401)
      expect(await response.text()).toMatch(/signed_payload_jwt refused/)
    }
    expect((await call(app, 'load', forged)).status).toBe(401)
    expect(await statusOf('one')).toBe('active')
  })

  it('load shows the status, remove_user answers, uninstall marks, a new install re-activates', async () => {
    const app = mirror(ctx.db)
    const load = await call(app, 'load', await sim.signCallback('one', 'load'))
    expect(load.status).toBe(200)
    expect(await load.text()).toContain('Store one is active')
    const removed = await call(app, 'remove_user', await sim.signCallback('one', 'remove_user'))
    expect(removed.status).toBe(200)
    const uninstall = await call(app, 'uninstall', await sim.uninstallApp('one'))
    expect(uninstall.status).toBe(200)
    const gone = await findStore(ctx.db, 'one')
    expect(gone).toMatchObject({ status: 'uninstalled' })
    expect(gone?.uninstalledAt).toBeInstanceOf(Date)
    expect((await app.request(authPath(sim.installApp('one')))).status).toBe(200)
    expect(await findStore(ctx.db, 'one')).toMatchObject({ status: 'active', uninstalledAt: null })
    expect((await listStores(ctx.db)).map((s) => s.storeHash).sort()).toEqual(['one', 'two'])
  })
})
