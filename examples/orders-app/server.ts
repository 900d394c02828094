// An app with the mirror inside it: one process serves the app's own routes and BigCommerce's
// webhooks, and reads the store's orders as typed rows. Settings come from the environment (the
// same variables as `bc-mirror serve`: BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN,
// WEBHOOK_SECRET, DATABASE_URL or DATA_DIR, PORT...). See docs/library.md.
import { serve } from '@hono/node-server'
import { and, desc, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { createMirror } from 'bigcommerce-mirror'
import { orderProducts, orders, type Order, type OrderProduct } from 'bigcommerce-mirror/schema'

const say = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, ...fields }))

const mirror = await createMirror()

// Catch up with the store before serving: the first run backfills, later runs sweep what changed.
const summary = await mirror.sync()
const upserted = Object.fromEntries(
  Object.entries(summary.tables).map(([name, t]) => [name, t?.upserted]),
)
say('app synced', { ok: summary.ok, upserted })

const app = new Hono()
// The mirror's routes: POST /webhooks/bigcommerce, GET /healthz, and /status, /metrics with STATUS_TOKEN.
app.route('/', mirror.app)

app.get('/orders/recent', async (c) => {
  const rows: Order[] = await mirror.db
    .select()
    .from(orders)
    .where(eq(orders.store_hash, mirror.storeHash))
    .orderBy(desc(orders.date_created))
    .limit(10)
  return c.json(rows.map(({ id, status_id, total_inc_tax }) => ({ id, status_id, total_inc_tax })))
})

app.get('/orders/:id', async (c) => {
  const id = Number(c.req.param('id'))
  if (!Number.isSafeInteger(id)) return c.json({ error: 'an order id is a whole number' }, 400)
  const [order] = await mirror.db
    .select()
    .from(orders)
    .where(and(eq(orders.store_hash, mirror.storeHash), eq(orders.id, id)))
  if (!order) return c.json({ error: `no order ${id} in the mirror` }, 404)
  const lines: OrderProduct[] = await mirror.db
    .select()
    .from(orderProducts)
    .where(and(eq(orderProducts.store_hash, mirror.storeHash), eq(orderProducts.order_id, id)))
  return c.json({
    id: order.id,
    status_id: order.status_id,
    date_modified: order.date_modified?.toISOString() ?? null,
    lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
  })
})

// Told after the mirror commits a change: the row is already there to read.
mirror.onChange((change) =>
  say('mirror changed', { table: change.table, op: change.op, ids: change.ids }),
)

// The event worker and the schedule run in this process from here on.
await mirror.start()

const port = Number(process.env.PORT ?? 3000)
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) =>
  say('app listening', { url: `http://127.0.0.1:${info.port}` }),
)

async function shutDown(signal: string) {
  say('app stopping', { signal })
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await mirror.close()
  say('app stopped')
}
process.once('SIGTERM', shutDown)
process.once('SIGINT', shutDown)
