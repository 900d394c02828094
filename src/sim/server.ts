// The simulated BigCommerce store over real HTTP (Hono on @hono/node-server, 127.0.0.1, random
// port): v2 orders and coupons, v3 catalog products, customers and hooks under
// `/stores/{hash}/v2|v3/...`, with BigCommerce's paging (v2 arrays and 204, v3 meta.pagination,
// 250-row maximum and 413 above it), filters, date formats, 404s, X-Auth-Token and scope checks,
// fixed-window rate limiting with the four X-Rate-Limit-* headers, and injectable latency and
// faults. Behaviour follows docs/bigcommerce-api.md; where that marks something unconfirmed,
// the choice made here is noted beside the code.
//
// The parts live in ./server/: options.ts (SimStoreOptions, SimFault, SimStats), context.ts (the
// state every part shares), gate.ts (auth, rate limit, faults), and one module of routes per API.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createSimApp } from './server/app.ts'
import { createSimContext, resetStats } from './server/context.ts'
import type { MutableOptions, SimFault, SimStoreOptions } from './server/options.ts'

export {
  ALL_READ_SCOPES,
  type SimFault,
  type SimOddAnswer,
  type SimStats,
  type SimStoreOptions,
} from './server/options.ts'

export async function startSimStore(options: SimStoreOptions = {}) {
  const ctx = createSimContext(options)
  const { storeHash, accessToken, store, clock, webhooks, stats, faults } = ctx
  const app = createSimApp(ctx)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  const address = server.address() as AddressInfo
  const url = `http://127.0.0.1:${address.port}`
  store.setStoreUrl(`${url}/stores/${storeHash}`)

  return {
    /** Pass as the client's apiUrl. */
    url,
    storeHash,
    accessToken,
    store,
    clock,
    webhooks,
    stats,
    app,
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
    flushDeliveries: () => webhooks.flushDeliveries(),
    async close() {
      await webhooks.stop()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
    },
  }
}

export type SimStore = Awaited<ReturnType<typeof startSimStore>>
