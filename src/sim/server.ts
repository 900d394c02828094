// The simulated BigCommerce stores over real HTTP (Hono on @hono/node-server, 127.0.0.1, random
// port): v2 orders and coupons, v3 catalog products, customers and hooks under
// `/stores/{hash}/v2|v3/...`, with BigCommerce's paging (v2 arrays and 204, v3 meta.pagination,
// 250-row maximum and 413 above it), filters, date formats, 404s, X-Auth-Token and scope checks,
// fixed-window rate limiting with the four X-Rate-Limit-* headers, and injectable latency and
// faults. Behaviour follows docs/bigcommerce-api.md; where that marks something unconfirmed,
// the choice made here is noted beside the code.
//
// One server holds any number of stores (addStore), each with its own data, token, quota, clock,
// hooks and deliveries; the first is the single-store API's store. With an `app`, it is also the
// login service (POST /oauth2/token) and signs the app's callbacks and deliveries.
//
// The parts live in ./server/: options.ts (SimStoreOptions, SimFault, SimStats), context.ts (one
// store's state), fleet.ts (the stores), gate.ts (auth, rate limit, faults), login-routes.ts, and
// one module of routes per API; the merchant's side of the app is ./app-install.ts.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import {
  installApp,
  signCallback,
  uninstallApp,
  type InstallOptions,
  type SignedCallback,
  type SignOptions,
} from './app-install.ts'
import { createSimApp } from './server/app.ts'
import { resetStats, type SimContext } from './server/context.ts'
import { addFleetStore, createFleet, type SimServerOptions } from './server/fleet.ts'
import type { MutableOptions, SimFault, SimStoreOptions } from './server/options.ts'

export type {
  AuthCallbackQuery,
  InstallOptions,
  SignedCallback,
  SignOptions,
} from './app-install.ts'
export { DEFAULT_APP_CLIENT_ID, type SimAppOptions, type SimServerOptions } from './server/fleet.ts'
export {
  ALL_READ_SCOPES,
  type SimFault,
  type SimOddAnswer,
  type SimStats,
  type SimStoreOptions,
} from './server/options.ts'

/** One store of the simulator: its data, clock, hooks, figures and switches. */
function storeHandle(ctx: SimContext) {
  const { storeHash, accessToken, store, clock, webhooks, stats, faults } = ctx
  return {
    storeHash,
    accessToken,
    store,
    clock,
    webhooks,
    stats,
    resetStats: () => resetStats(ctx),
    setOptions(changes: Partial<MutableOptions>) {
      ctx.settings = { ...ctx.settings, ...changes }
    },
    /** Faults applied, in order, to the next matching requests (see SimFault.times). */
    injectFaults(...list: SimFault[]) {
      faults.push(...list.map((fault) => ({ fault, left: fault.times ?? 1 })))
    },
    /** Faults still waiting for a matching request ('always' ones included). */
    pendingFaults: () => faults.length,
    /** Switches every injected fault off. */
    clearFaults() {
      faults.length = 0
    },
    /** The app's token on this store, while it is installed. */
    appToken: () => ctx.installed?.token ?? null,
    flushDeliveries: () => webhooks.flushDeliveries(),
  }
}

export type SimStoreHandle = ReturnType<typeof storeHandle>

export async function startSimStore(options: SimStoreOptions & SimServerOptions = {}) {
  const fleet = createFleet(options)
  const app = createSimApp(fleet)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  const address = server.address() as AddressInfo
  const url = `http://127.0.0.1:${address.port}`
  fleet.url = url
  fleet.first.store.setStoreUrl(`${url}/stores/${fleet.first.storeHash}`)
  const handles = new Map<string, SimStoreHandle>([
    [fleet.first.storeHash, storeHandle(fleet.first)],
  ])

  return {
    /** Pass as the client's apiUrl (and, with an app, as BIGCOMMERCE_LOGIN_URL). */
    url,
    ...storeHandle(fleet.first),
    app,
    /** Adds a store (its own data, token, quota, clock and hooks); `storeHash` must be new. */
    addStore(storeOptions: SimStoreOptions & { storeHash: string }): SimStoreHandle {
      const handle = storeHandle(addFleetStore(fleet, storeOptions))
      handles.set(handle.storeHash, handle)
      return handle
    },
    /** A store by hash (the first one included). */
    storeOf(storeHash: string): SimStoreHandle | undefined {
      return handles.get(storeHash)
    },
    storeHashes: () => [...fleet.stores.keys()],
    /** A merchant installs the app: what BigCommerce sends to the auth callback. */
    installApp: (storeHash: string, install?: InstallOptions) =>
      installApp(fleet, storeHash, install),
    /** The signed_payload_jwt of a callback for this store. */
    signCallback: (storeHash: string, callback: SignedCallback, sign?: SignOptions) =>
      signCallback(fleet, storeHash, callback, sign),
    /** The merchant uninstalls the app; returns the uninstall callback's signed payload. */
    uninstallApp: (storeHash: string) => uninstallApp(fleet, storeHash),
    async close() {
      await Promise.all([...fleet.stores.values()].map((ctx) => ctx.webhooks.stop()))
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
    },
  }
}

export type SimStore = Awaited<ReturnType<typeof startSimStore>>
