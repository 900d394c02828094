// The app's callbacks through the mirror's Hono app, against the simulated store's login service
// over real HTTP: an install registers the store (and tells onInstalled), a bad code or too few
// scopes registers nothing, load/uninstall/remove_user act only on a verified payload.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { InstalledStore } from '../../src/bigcommerce/app-install.ts'
import { createApp } from '../../src/http/app.ts'
import type { AppInstalls } from '../../src/http/app-callbacks.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'

const CLIENT_ID = 'cb-client'
const SECRET = 'cb-secret-abcdef'
const PUBLIC_URL = 'https://mirror.example'

let sim: SimStore
let stores: Map<string, { token: string; scopes: string[]; status: string }>
let installedHashes: string[]

function memoryInstalls(): AppInstalls {
  return {
    async install(store: InstalledStore) {
      const { storeHash, accessToken, scopes } = store
      stores.set(storeHash, { token: accessToken, scopes, status: 'active' })
    },
    async uninstall(storeHash) {
      const store = stores.get(storeHash)
      if (store) store.status = 'uninstalled'
      return store !== undefined
    },
    async status(storeHash) {
      return stores.get(storeHash)?.status ?? null
    },
  }
}

const mirror = () =>
  createApp({
    storeHash: 'unused',
    webhookSecret: 'whs',
    enqueue: async () => {},
    checkHealth: async () => true,
    appCallbacks: {
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      publicUrl: PUBLIC_URL,
      loginUrl: sim.url,
      installs: memoryInstalls(),
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
})
afterAll(() => sim.close())
beforeEach(() => {
  stores = new Map()
  installedHashes = []
})

const authPath = (query: { code: string; scope: string; context: string }) =>
  `/bigcommerce/auth?${new URLSearchParams(query)}`

describe('GET /bigcommerce/auth', () => {
  it('registers the store with its token and scopes, and tells onInstalled', async () => {
    const app = mirror()
    const response = await app.request(authPath(sim.installApp('two')))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('Store two is registered')
    const token = sim.storeOf('two')?.appToken()
    expect(stores.get('two')).toMatchObject({ token, status: 'active' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(installedHashes).toEqual(['two'])
  })

  it('a bad or reused code registers nothing', async () => {
    const app = mirror()
    const query = sim.installApp('one')
    expect((await app.request(authPath(query))).status).toBe(200)
    stores.clear()
    const reused = await app.request(authPath(query))
    expect(reused.status).toBe(400)
    const text = await reused.text()
    expect(text).toContain('refused the install')
    expect(text).not.toContain(query.code)
    expect(text).not.toContain(SECRET)
    const made = await app.request(authPath({ ...query, code: 'nope' }))
    expect(made.status).toBe(400)
    expect(stores.size).toBe(0)
  })

  it('too few scopes registers nothing and names what is missing', async () => {
    const app = mirror()
    const query = sim.installApp('one', { scopes: ['store_v2_orders_read_only'] })
    const response = await app.request(authPath(query))
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(
      /lacks store_v2_marketing_read_only .*store_v2_products_read_only/,
    )
    expect(stores.size).toBe(0)
  })
})

describe('signed callbacks', () => {
  const call = (app: ReturnType<typeof mirror>, path: string, jwt: string) =>
    app.request(`/bigcommerce/${path}?signed_payload_jwt=${encodeURIComponent(jwt)}`)

  it('load shows the store status; uninstall marks it uninstalled; remove_user answers 200', async () => {
    const app = mirror()
    await app.request(authPath(sim.installApp('one')))
    const load = await call(app, 'load', await sim.signCallback('one', 'load'))
    expect(load.status).toBe(200)
    expect(await load.text()).toContain('Store one is active')
    const removed = await call(app, 'remove_user', await sim.signCallback('one', 'remove_user'))
    expect(removed.status).toBe(200)
    const uninstall = await call(app, 'uninstall', await sim.uninstallApp('one'))
    expect(uninstall.status).toBe(200)
    expect(stores.get('one')?.status).toBe('uninstalled')
  })

  it('a forged, expired or missing payload is refused and changes nothing', async () => {
    const app = mirror()
    await app.request(authPath(sim.installApp('one')))
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
    expect(stores.get('one')?.status).toBe('active')
  })
})
