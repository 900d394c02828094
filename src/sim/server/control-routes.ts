// Routes outside the API (no auth, not counted), for a store running in another process: its
// statistics, its options, and merchant-style order edits.
import type { MutableOptions } from './options.ts'
import { resetStats, type SimApp, type SimContext } from './context.ts'

export function registerControlRoutes(app: SimApp, ctx: SimContext) {
  // Lets a benchmark read a store in another process.
  app.get('/__sim/stats', (c) => c.json(ctx.stats))
  // Change quota, latency and fault rates, and zero the stats.
  app.post('/__sim/options', async (c) => {
    ctx.settings = { ...ctx.settings, ...((await c.req.json()) as Partial<MutableOptions>) }
    resetStats(ctx)
    return c.json(ctx.stats)
  })
  // Edit orders as a merchant would (the first line's quantity), for a benchmark whose store runs
  // in another process. Moves each order's date_modified.
  app.post('/__sim/orders/edit', async (c) => {
    const { ids } = (await c.req.json()) as { ids: number[] }
    for (const id of ids) {
      const line = ctx.store.orderChildren(id).lines[0]
      if (line) ctx.store.editLineQuantity(id, Number(line.item.id), Number(line.item.quantity) + 1)
    }
    return c.json({ edited: ids.length })
  })
}
