// Routes outside the API (no auth, not counted), for stores running in another process: their
// statistics, their options, merchant-style order edits, and adding stores and installing or
// uninstalling the app on them (a benchmark's stores). `?store=H` picks a store; default the first.
import { installApp, uninstallApp } from '../app-install.ts'
import type { MutableOptions, SimStoreOptions } from './options.ts'
import { resetStats, type SimApp, type SimContext } from './context.ts'
import { addFleetStore, type SimFleet } from './fleet.ts'

function storeAsked(fleet: SimFleet, hash: string | undefined): SimContext {
  const ctx = hash === undefined ? fleet.first : fleet.stores.get(hash)
  if (!ctx) throw new Error(`the simulator has no store ${hash}`)
  return ctx
}

export function registerControlRoutes(app: SimApp, fleet: SimFleet) {
  // Lets a benchmark read a store in another process.
  app.get('/__sim/stats', (c) => c.json(storeAsked(fleet, c.req.query('store')).stats))
  // Change quota, latency and fault rates, and zero the stats.
  app.post('/__sim/options', async (c) => {
    const ctx = storeAsked(fleet, c.req.query('store'))
    ctx.settings = { ...ctx.settings, ...((await c.req.json()) as Partial<MutableOptions>) }
    resetStats(ctx)
    return c.json(ctx.stats)
  })
  // Edit orders as a merchant would (the first line's quantity), for a benchmark whose store runs
  // in another process. Moves each order's date_modified.
  app.post('/__sim/orders/edit', async (c) => {
    const ctx = storeAsked(fleet, c.req.query('store'))
    const { ids } = (await c.req.json()) as { ids: number[] }
    for (const id of ids) {
      const line = ctx.store.orderChildren(id).lines[0]
      if (line) ctx.store.editLineQuantity(id, Number(line.item.id), Number(line.item.quantity) + 1)
    }
    return c.json({ edited: ids.length })
  })
  // Add a store (JSON SimStoreOptions with a new storeHash): its hash and store-level token.
  app.post('/__sim/stores', async (c) => {
    const ctx = addFleetStore(fleet, (await c.req.json()) as SimStoreOptions)
    return c.json({ storeHash: ctx.storeHash, accessToken: ctx.accessToken })
  })
  // A merchant installs the app: what BigCommerce sends to the auth callback.
  app.post('/__sim/stores/:hash/install', (c) => c.json(installApp(fleet, c.req.param('hash'))))
  // The merchant uninstalls it: the uninstall callback's signed_payload_jwt.
  app.post('/__sim/stores/:hash/uninstall', async (c) =>
    c.json({ signed_payload_jwt: await uninstallApp(fleet, c.req.param('hash')) }),
  )
}
