// Two simulated stores behind one API URL, as BigCommerce serves every store under
// `{api}/stores/{hash}/...`: each store keeps its own data, tokens and quota (its own simulated
// store), and a front server routes each request by the hash in its path.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { startSimStore, type SimStore, type SimStoreOptions } from '../../src/sim/index.ts'

export interface SimStores {
  url: string
  stores: SimStore[]
  close(): Promise<void>
}

export async function startSimStores(options: SimStoreOptions[]): Promise<SimStores> {
  const stores = await Promise.all(options.map((o) => startSimStore({ quota: null, ...o })))
  const byHash = new Map(stores.map((s) => [s.storeHash, s]))
  const front = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const server = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        fetch: (request) => {
          const hash = /^\/stores\/([^/]+)\//.exec(new URL(request.url).pathname)?.[1] ?? ''
          const store = byHash.get(hash)
          return store ? store.app.fetch(request) : new Response('{"status":404}', { status: 404 })
        },
      },
      () => resolve(server),
    )
  })
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    stores,
    async close() {
      await new Promise<void>((resolve) => front.close(() => resolve()))
      await Promise.all(stores.map((s) => s.close()))
    },
  }
}
