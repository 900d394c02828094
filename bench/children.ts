// What products' variants and customers' addresses cost in requests per row: a backfill of
// products and customers (runSync) where a share of the parents are grown past the embeds' caps
// (a product of 60 variants, a customer of 15 addresses), then a burst of sku and address events
// (the event worker). The simulated store runs in this process without a quota: the figures are
// request counts, which do not depend on the machine. Run once with the store's harsher reading
// of the variants embed (cut at 50) and once with the kinder one (`--kind`: every variant). Each
// run measures both readings of `/v3/catalog/variants?product_id:in` (undocumented): ignored
// (the simulator's default; the mirror reads cut products per product) and honoured.
//
//   npm run bench:children [-- --products 5000 --customers 5000 --cut-share 0.01 --burst 500 --kind]
//
// The database is a fresh in-memory PGlite, or a scratch PostgreSQL database when
// BENCH_DATABASE_URL is set.
import { parseArgs } from 'node:util'
import { sql } from 'drizzle-orm'
import { childTables, type ChildTable } from '../src/db/schema.ts'
import { ADDRESSES } from '../src/resources/customer-addresses.ts'
import { VARIANTS } from '../src/resources/product-variants.ts'
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { resourceForScope } from '../src/resources/index.ts'
import { startSimStore, type SimEvent } from '../src/sim/index.ts'
import { insertEvents } from '../src/sync/events/inbox.ts'
import { processBatch } from '../src/sync/events/event-worker.ts'
import { runSync } from '../src/sync/sweeps/sweep.ts'
import { freshDatabase } from './support/database.ts'

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '5000' },
    customers: { type: 'string', default: '5000' },
    'cut-share': { type: 'string', default: '0.01' },
    burst: { type: 'string', default: '500' },
    kind: { type: 'boolean', default: false },
  },
})
const products = Number(values.products)
const customers = Number(values.customers)
const cutShare = Number(values['cut-share'])
const burst = Number(values.burst)

const byKind = (byPath: Record<string, number>) => ({
  products: byPath['GET /v3/catalog/products'] ?? 0,
  variants: byPath['GET /v3/catalog/variants'] ?? 0,
  perProduct: byPath['GET /v3/catalog/products/:id/variants'] ?? 0,
  customers: byPath['GET /v3/customers'] ?? 0,
  addresses: byPath['GET /v3/customers/addresses'] ?? 0,
})
const per = (n: number, of: number) => (n / of).toFixed(4)

/** One backfill and burst, with the variants list ignoring or honouring product_id:in. */
async function measure(honours: boolean) {
  const sim = await startSimStore({
    quota: null,
    data: { seed: 31, counts: { products, customers } },
    ...(values.kind ? { embeddedVariantCap: null } : {}),
    variantListHonoursProductIn: honours,
  })
  const target = await freshDatabase('children')
  const client = createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
  })
  const ctx = { db: target.db, client, storeHash: sim.storeHash }

  const childCount = (parent: 'products' | 'customers', id: number) => {
    const record = sim.store.get(parent, id)
    const list = record
      ? sim.store.renderClean(parent, record)[parent === 'products' ? 'variants' : 'addresses']
      : []
    return Array.isArray(list) ? list.length : 0
  }
  // Every 1/cutShare-th parent grows past its embed's cap.
  const every = Math.max(1, Math.round(1 / cutShare))
  let grownProducts = 0
  let grownCustomers = 0
  for (const record of sim.store.byId('products').filter((_, i) => i % every === 0)) {
    while (childCount('products', record.id) < 60) sim.store.addVariant(record.id)
    grownProducts += 1
  }
  for (const record of sim.store.byId('customers').filter((_, i) => i % every === 0)) {
    while (childCount('customers', record.id) < 15) sim.store.addAddress(record.id)
    grownCustomers += 1
  }

  console.log(
    `bench:children — ${products} products (${grownProducts} of 60 variants), ${customers} customers (${grownCustomers} of 15 addresses); ` +
      `variants embed ${values.kind ? 'whole (kinder reading)' : 'cut at 50 (harsher reading)'}; ` +
      `/v3/catalog/variants ${honours ? 'honours' : 'ignores'} product_id:in; database: ${target.kind}`,
  )

  sim.resetStats()
  const summary = await runSync(ctx, { tables: ['products', 'customers'] })
  if (!summary.ok) throw new Error('backfill failed')
  const fill = byKind(sim.stats.byPath)
  const rows = async (table: ChildTable) => {
    const [row] = await target.db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${childTables[table]}`,
    )
    return Number(row?.n ?? 0)
  }
  console.log('backfill:')
  console.log(
    `  products: ${fill.products} list pages + ${fill.variants} /v3/catalog/variants + ${fill.perProduct} /v3/catalog/products/{id}/variants = ${per(fill.variants + fill.perProduct, products)} extra requests per product, ${per(fill.variants + fill.perProduct, await rows(VARIANTS.table))} per variant row`,
  )
  console.log(
    `  customers: ${fill.customers} list pages + ${fill.addresses} /v3/customers/addresses = ${per(fill.addresses, customers)} extra requests per customer, ${per(fill.addresses, await rows(ADDRESSES.table))} per address row`,
  )

  // A burst: one sku or address event per parent, on the first `burst` of each.
  const events: SimEvent[] = []
  sim.store.onEvent((event) => events.push(event))
  for (const record of sim.store.byId('products').slice(0, burst)) {
    sim.store.addVariant(record.id)
  }
  for (const record of sim.store.byId('customers').slice(0, burst)) {
    sim.store.addAddress(record.id)
  }
  let hash = 0
  await insertEvents(
    target.db,
    sim.storeHash,
    events.map((event) => {
      const resource = resourceForScope(event.scope)
      const resourceId = resource?.targetOf(event.scope, event.data) ?? null
      if (!resource || resourceId === null) throw new Error(`no target for ${event.scope}`)
      return {
        hash: `b${++hash}`,
        scope: event.scope,
        resource: resource.name,
        resourceId,
        payload: event,
      }
    }),
  )
  sim.resetStats()
  for (;;) if (!(await processBatch(ctx))) break
  const hit = byKind(sim.stats.byPath)
  console.log(
    `burst of ${events.length} events (${burst} store/sku/created, ${burst} store/customer/address/created):`,
  )
  console.log(
    `  requests: ${hit.products} /v3/catalog/products (id:in) + ${hit.variants} /v3/catalog/variants + ${hit.perProduct} /v3/catalog/products/{id}/variants; ${hit.customers} /v3/customers (id:in) + ${hit.addresses} /v3/customers/addresses`,
  )

  await sim.close()
  await target.dispose()
}

for (const honours of [false, true]) await measure(honours)
