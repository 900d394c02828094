// Products' variants and customers' addresses (product_variants, customer_addresses): a backfill,
// parents whose embed is cut (a product of 55 variants, a customer of 12 addresses) read whole
// through the batched lists, the edits arriving by webhook (store/sku/*, store/customer/address/*,
// whose id is the address id), and odd child answers that delete nothing. The simulated store over
// real HTTP, on every database.
import { sql } from 'drizzle-orm'
import { afterEach, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { deleteRows } from '../../src/db/write.ts'
import { resourceForScope } from '../../src/resources/index.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { processBatch } from '../../src/sync/events/event-worker.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import type { SimEvent, SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { childrenIn, compareResourceChildren, mirrorSets } from '../support/resource-children.ts'
import { clientFor, startStore } from './support.ts'

let sim: SimStore | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function expectChildrenEqualStore(db: Database, store: SimStore) {
  for (const parent of ['products', 'customers'] as const) {
    const { differing } = await compareResourceChildren(db, store, parent)
    const ids = differing.map((d) => d.id).slice(0, 5)
    expect({ parent, differing: ids }).toEqual({ parent, differing: [] })
  }
}

/** The first product and customer, grown past the embeds' caps (55 variants, 12 addresses). */
function growPastCaps(store: SimStore) {
  const [product] = store.store.byId('products')
  const [customer] = store.store.byId('customers')
  if (!product || !customer) throw new Error('test store has no product or customer')
  while (childrenIn(store, 'products', product.id).length < 55) store.store.addVariant(product.id)
  while (childrenIn(store, 'customers', customer.id).length < 12)
    store.store.addAddress(customer.id)
  return { productId: product.id, customerId: customer.id }
}

let hashes = 0
/** Stores events as the receiver does: the resource and id each scope's declaration names. */
async function deliver(db: Database, storeHash: string, events: SimEvent[]) {
  await insertEvents(
    db,
    storeHash,
    events.map((event) => {
      const resource = resourceForScope(event.scope)
      const resourceId = resource?.targetOf(event.scope, event.data) ?? null
      if (!resource || resourceId === null) throw new Error(`no target for ${event.scope}`)
      return {
        hash: `c${++hashes}`,
        scope: event.scope,
        resource: resource.name,
        resourceId,
        payload: event,
      }
    }),
  )
}

const sync = (db: Database, store: SimStore) =>
  runSync(
    { db, client: clientFor(store).client, storeHash: store.storeHash },
    { tables: ['products', 'customers'] },
  )

describeEachDatabase('product variants and customer addresses', (ctx) => {
  // Whether /v3/catalog/variants honours product_id:in is undocumented: by default the simulator
  // ignores it (the mirror then reads per product), on the switch it filters.
  const readings = [
    { honours: false, label: 'the variants list ignores product_id:in' },
    { honours: true, label: 'the variants list honours product_id:in' },
  ]

  for (const { honours, label } of readings) {
    it(`a backfill mirrors every variant and address, past the embeds’ caps (${label})`, async () => {
      const storeHash = honours ? 'kids2h' : 'kids2'
      sim = await startStore({
        storeHash,
        data: { seed: 21, counts: { products: 300, customers: 300 } },
        variantEditsBumpProduct: false,
        variantListHonoursProductIn: honours,
      })
      const { productId, customerId } = growPastCaps(sim)
      // Another cut product in the first batch (child ids are unique only within a parent), and
      // one on the sweep's other page: a second batch.
      const second = sim.store.byId('products')[1]!.id
      while (childrenIn(sim, 'products', second).length < 50) sim.store.addVariant(second)
      const last = sim.store.byId('products').at(-1)!.id
      while (childrenIn(sim, 'products', last).length < 51) sim.store.addVariant(last)
      const summary = await sync(ctx.db, sim)
      expect(summary.ok).toBe(true)
      await expectChildrenEqualStore(ctx.db, sim)
      const mirror = await mirrorSets(ctx.db, storeHash, 'products')
      expect(mirror[productId]).toHaveLength(55)
      expect(mirror[second]).toHaveLength(50)
      expect(mirror[last]).toHaveLength(51)
      expect((await mirrorSets(ctx.db, storeHash, 'customers'))[customerId]).toHaveLength(12)
      // Only the cut parents cost a request: everything else came embedded. Ignored, the filter
      // costs one wasted batched request, then each cut product is read on its own, the second
      // page's at once.
      expect(summary.tables.products?.children).toEqual({
        completedParents: 3,
        listRequests: honours ? 2 : 1,
        perParentRequests: honours ? 0 : 3,
        unreadable: 0,
      })
      expect(summary.tables.customers?.children).toEqual({
        completedParents: 1,
        listRequests: 1,
        perParentRequests: 0,
        unreadable: 0,
      })
      expect(sim.stats.byPath['GET /v3/catalog/variants']).toBe(honours ? 2 : 1)
      expect(sim.stats.byPath['GET /v3/catalog/products/:id/variants']).toBe(
        honours ? undefined : 3,
      )
      expect(sim.stats.byPath['GET /v3/customers/addresses']).toBe(1)
      // Typed columns as the API gave them.
      const [variant] = await ctx.db.execute<{ n: number }>(sql`
        select count(*)::int as n from bigcommerce.product_variants
        where store_hash = ${storeHash} and sku is not null and inventory_level is not null
          and jsonb_typeof(data->'option_values') = 'array'`)
      expect(variant?.n).toBeGreaterThan(300)
      // Children go with their parent.
      await deleteRows(ctx.db, 'products', storeHash, [productId])
      await deleteRows(ctx.db, 'customers', storeHash, [customerId])
      expect((await mirrorSets(ctx.db, storeHash, 'products'))[productId]).toBeUndefined()
      expect((await mirrorSets(ctx.db, storeHash, 'customers'))[customerId]).toBeUndefined()
    })
  }

  it('a cut product listed twice by one sweep (its second read again across a page boundary) is completed once', async () => {
    sim = await startStore({ storeHash: 'twice', data: { seed: 23, counts: { products: 255 } } })
    // Eleven cut products modified in one second, the newest: the first page of 250 ends inside
    // that second, which the sweep then reads again whole, so some are listed twice.
    sim.clock.set(Date.now() - 120_000)
    const cut = sim.store.byId('products').filter((_, i) => i % 25 === 0)
    for (const { id } of cut)
      while (childrenIn(sim, 'products', id).length < 55) sim.store.addVariant(id)
    sim.clock.useRealTime()
    const summary = await runSync(
      { db: ctx.db, client: clientFor(sim).client, storeHash: 'twice' },
      { tables: ['products'] },
    )
    expect(summary.ok).toBe(true)
    // Listed more than once: the overlap this test is about did happen.
    expect(summary.tables.products?.fetched).toBeGreaterThan(255)
    expect(summary.tables.products?.children).toMatchObject({
      completedParents: cut.length,
      perParentRequests: cut.length,
    })
    expect(sim.stats.byPath['GET /v3/catalog/products/:id/variants']).toBe(cut.length)
    const mirror = await mirrorSets(ctx.db, 'twice', 'products')
    for (const { id } of cut) expect(mirror[id]).toHaveLength(55)
  })

  it('reads the same sets when the store embeds every variant (the kinder reading of the cap)', async () => {
    sim = await startStore({
      storeHash: 'kind',
      data: { seed: 22, counts: { products: 40, customers: 5 } },
      embeddedVariantCap: null,
    })
    const { productId } = growPastCaps(sim)
    sim.store.addVariant(productId) // 56: whole in the embed; still read through the list
    expect((await sync(ctx.db, sim)).ok).toBe(true)
    await expectChildrenEqualStore(ctx.db, sim)
    expect((await mirrorSets(ctx.db, 'kind', 'products'))[productId]).toHaveLength(56)
  })

  for (const { honours, label } of readings) {
    it(`sku and address events refresh the parent and replace its set: updated, created, deleted, past 50 variants and 10 addresses (${label})`, async () => {
      // Variant edits that leave the product's date_modified alone must still land.
      const storeHash = honours ? 'hooks2h' : 'hooks2'
      sim = await startStore({
        storeHash,
        data: { seed: 23, counts: { products: 50, customers: 50 } },
        variantEditsBumpProduct: false,
        variantListHonoursProductIn: honours,
      })
      expect((await sync(ctx.db, sim)).ok).toBe(true)
      const events: SimEvent[] = []
      sim.store.onEvent((event) => events.push(event))
      const [p1, p2, p3] = sim.store.byId('products').map((r) => r.id)
      const variantsOf = (id: number) => childrenIn(sim!, 'products', id)
      // An inventory change arrives as store/sku/inventory/updated, naming the product in inventory.
      const stocked = variantsOf(p1!)[0]!.id
      sim.store.updateVariant(p1!, stocked, { inventory_level: 4321 })
      events.splice(0, events.length, {
        scope: 'store/sku/inventory/updated',
        data: {
          type: 'sku',
          id: stocked,
          inventory: { product_id: p1!, method: 'absolute', value: 4321, variant_id: stocked },
        },
      })
      if (variantsOf(p2!).length < 2) sim.store.addVariant(p2!)
      sim.store.removeVariant(p2!, variantsOf(p2!)[0]!.id)
      sim.store.addVariant(p3!, { sku: 'NEW-SKU' })
      // Grown past the embed's cap: read through the batched list, or per product.
      while (variantsOf(p3!).length < 52) sim.store.addVariant(p3!)
      const [c1, c2, c3] = sim.store.byId('customers').map((r) => r.id)
      const addressesOf = (id: number) => childrenIn(sim!, 'customers', id)
      const added = sim.store.addAddress(c1!, { city: 'Lisbon' })
      sim.store.updateAddress(c1!, added, { postal_code: '1100-001' })
      if (addressesOf(c2!).length === 0) sim.store.addAddress(c2!)
      sim.store.removeAddress(c2!, addressesOf(c2!)[0]!.id)
      while (addressesOf(c3!).length < 11) sim.store.addAddress(c3!)
      expect(events.map((e) => e.scope)).toContain('store/customer/address/deleted')
      expect(events.map((e) => e.scope)).toContain('store/sku/deleted')
      await deliver(ctx.db, storeHash, events)
      sim.resetStats()
      const batch = await processBatch({
        db: ctx.db,
        client: clientFor(sim).client,
        storeHash,
      })
      expect(batch?.tables.products).toMatchObject({ ids: 3, written: 3 })
      expect(batch?.tables.customers).toMatchObject({ ids: 3, written: 3 })
      await expectChildrenEqualStore(ctx.db, sim)
      expect(sim.stats.byPath['GET /v3/catalog/variants']).toBe(1)
      expect(sim.stats.byPath['GET /v3/catalog/products/:id/variants']).toBe(
        honours ? undefined : 1,
      )
      const mirror = await mirrorSets(ctx.db, storeHash, 'products')
      expect(mirror[p1!]?.some((key) => key.endsWith(':4321'))).toBe(true)
      expect((await mirrorSets(ctx.db, storeHash, 'customers'))[c3!]).toHaveLength(11)
    })
  }

  it('an odd child answer deletes nothing: the parent is set aside, its stored set kept, and read again', async () => {
    sim = await startStore({
      storeHash: 'odd2',
      data: { seed: 24, counts: { products: 30, customers: 30 } },
    })
    const { productId, customerId } = growPastCaps(sim)
    expect((await sync(ctx.db, sim)).ok).toBe(true)
    const before = {
      variants: (await mirrorSets(ctx.db, 'odd2', 'products'))[productId],
      addresses: (await mirrorSets(ctx.db, 'odd2', 'customers'))[customerId],
    }
    // The store drops variants and addresses, but its lists answer oddly: no data array, or a
    // page short of the total it counts.
    for (const v of childrenIn(sim, 'products', productId).slice(0, 3))
      sim.store.removeVariant(productId, v.id)
    sim.store.removeAddress(customerId, childrenIn(sim, 'customers', customerId)[0]!.id)
    // Another customer and product whose embeds come back empty or missing: not "no children".
    const [, other] = sim.store.byId('products')
    sim.store.corrupt('products', other!.id, (p) => ({ ...p, variants: [] }))
    sim.store.update('products', other!.id, { name: 'changed' })
    sim.injectFaults(
      { path: '/v3/catalog/variants', answer: 'null-data', times: 'always' },
      { path: '/v3/customers/addresses', shortPage: 5, times: 'always' },
    )
    const odd = await sync(ctx.db, sim)
    expect(odd.tables.products?.children).toMatchObject({ unreadable: 2 })
    expect(odd.tables.customers?.children).toMatchObject({ unreadable: 1 })
    expect(odd.tables.products?.notes?.join('\n')).toMatch(/2 products were set aside/)
    expect((await mirrorSets(ctx.db, 'odd2', 'products'))[productId]).toEqual(before.variants)
    expect((await mirrorSets(ctx.db, 'odd2', 'customers'))[customerId]).toEqual(before.addresses)
    expect((await mirrorSets(ctx.db, 'odd2', 'products'))[other!.id]?.length).toBeGreaterThan(0)
    const [rejected] = await ctx.db.execute<{ n: number }>(sql`
      select count(*)::int as n from bigcommerce.rejected_rows
      where store_hash = 'odd2' and reason like 'its children could not be read%'`)
    expect(rejected?.n).toBe(3)
    // Answers whole again: the next read removes what the store removed.
    sim.clearFaults()
    sim.store.corrupt('products', other!.id, null)
    expect((await sync(ctx.db, sim)).ok).toBe(true)
    await expectChildrenEqualStore(ctx.db, sim)
    expect((await mirrorSets(ctx.db, 'odd2', 'products'))[productId]).toHaveLength(52)
  })

  it('an odd per-product answer (the variants list ignoring product_id:in) sets only that product aside', async () => {
    sim = await startStore({
      storeHash: 'odd3',
      data: { seed: 25, counts: { products: 30, customers: 1 } },
    })
    const { productId } = growPastCaps(sim)
    const [, other] = sim.store.byId('products')
    while (childrenIn(sim, 'products', other!.id).length < 50) sim.store.addVariant(other!.id)
    expect((await sync(ctx.db, sim)).ok).toBe(true)
    const before = (await mirrorSets(ctx.db, 'odd3', 'products'))[productId]
    for (const v of childrenIn(sim, 'products', productId).slice(0, 3))
      sim.store.removeVariant(productId, v.id)
    sim.store.addVariant(other!.id)
    // The first product's own list serves a short page while counting every variant.
    sim.injectFaults({
      path: new RegExp(`^/v3/catalog/products/${productId}/variants`),
      shortPage: 5,
      times: 'always',
    })
    const odd = await sync(ctx.db, sim)
    expect(odd.tables.products?.children).toMatchObject({ completedParents: 2, unreadable: 1 })
    const mirror = await mirrorSets(ctx.db, 'odd3', 'products')
    expect(mirror[productId]).toEqual(before)
    expect(mirror[other!.id]).toHaveLength(51)
    sim.clearFaults()
    expect((await sync(ctx.db, sim)).ok).toBe(true)
    await expectChildrenEqualStore(ctx.db, sim)
  })
})
