// Pages over the client's size limit (maxResponseBytes), over real HTTP against the simulated
// store: one large object makes every page that holds it too large. The sweep halves the page
// size for that part of the range, mirrors every row, says so in the summary, and goes back to
// full pages; an object too large even on the smallest page fails its table with one line while
// the other tables complete.
import { afterEach, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import type { SimStore } from '../../src/sim/index.ts'
import { runSync } from '../../src/sync/sweeps/sweep.ts'
import { createClientEventHub } from '../../src/sync/request-stats.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { bySweepOrder, expectMirrorEqualsStore, mirrorRows, startStore } from './support.ts'

let sim: SimStore | undefined

afterEach(async () => {
  await sim?.close()
  sim = undefined
})

/** A client that refuses answers over `maxResponseBytes`, and the sizes of the pages it asked. */
function limitedClient(store: SimStore, maxResponseBytes?: number) {
  const events = createClientEventHub()
  const limits: number[] = []
  const client = createBigCommerceClient({
    apiUrl: store.url,
    storeHash: store.storeHash,
    accessToken: store.accessToken,
    retryBaseMs: 20,
    retryMaxMs: 200,
    maxResponseBytes,
    onEvent: events.emit,
    fetch: (input, init) => {
      const limit = new URL(String(input)).searchParams.get('limit')
      // Page requests only (a count asks for one row).
      const products = String(input).includes('/catalog/products?')
      if (limit && products && Number(limit) > 1) limits.push(Number(limit))
      return fetch(input, init)
    },
  })
  return { client, events, limits }
}

/** Bytes of a first page of 250 products as the sweep asks for it. */
async function fullPageBytes(store: SimStore): Promise<number> {
  const { client } = limitedClient(store)
  const page = await RESOURCES.products.listRange(client, { page: 1 })
  return JSON.stringify(page.items).length
}

describeEachDatabase('pages over the size limit', (ctx) => {
  it('halves the page size where a large product sits, mirrors every row, and says so', async () => {
    sim = await startStore({ data: { seed: 11, counts: { products: 700, customers: 40 } } })
    const pageBytes = await fullPageBytes(sim)
    const large = bySweepOrder(sim.store.byId('products'))[320]?.id ?? 0
    // Full pages fit under the limit; any page that holds the large product does not, unless it
    // is small enough.
    sim.store.corrupt('products', large, (r) => ({ ...r, padding: 'x'.repeat(pageBytes) }))
    const { client, events, limits } = limitedClient(sim, Math.round(pageBytes * 1.5))

    const summary = await runSync(
      { db: ctx.db, client, storeHash: sim.storeHash, clientEvents: events },
      { tables: ['products', 'customers'], full: true },
    )

    const products = summary.tables.products
    expect(products?.status).toBe('completed')
    expect(products?.notes?.join(' ')).toMatch(
      /answers were over the size limit for one answer: those ranges were read again with fewer rows a page \(down to \d+\)/,
    )
    expect(summary.tables.customers?.status).toBe('completed')
    await expectMirrorEqualsStore(ctx.db, sim, ['products', 'customers'])
    expect((await mirrorRows(ctx.db, 'products', sim.storeHash)).has(large)).toBe(true)
    // It halved (250, 125, ...) where the large product sits; the rest was read in full pages.
    expect(limits).toContain(125)
    expect(Math.min(...limits)).toBeLessThan(125)
    expect(limits.filter((limit) => limit === 250).length).toBeGreaterThanOrEqual(3)
  })

  it('a product too large even on the smallest page fails its table with one line; others complete', async () => {
    // Its own store: the database is shared with the test above, whose cursor would apply.
    const data = { seed: 12, counts: { products: 300, customers: 40 } }
    sim = await startStore({ storeHash: 'simlarge', data })
    const pageBytes = await fullPageBytes(sim)
    const large = bySweepOrder(sim.store.byId('products'))[100]?.id ?? 0
    sim.store.corrupt('products', large, (r) => ({ ...r, padding: 'x'.repeat(3 * pageBytes) }))
    const { client, events } = limitedClient(sim, 2 * pageBytes)

    const summary = await runSync(
      { db: ctx.db, client, storeHash: sim.storeHash, clientEvents: events },
      { tables: ['products', 'customers'] },
    )

    expect(summary.tables.products).toMatchObject({ status: 'failed' })
    const error = summary.tables.products?.error ?? ''
    expect(error).toMatch(
      /^products: GET \/v3\/catalog\/products answered more than [\d.]+ MiB .* even at 2 rows a page, the fewest a sweep asks for: an object modified at or after \S+ is too large to read; the rows before it are mirrored and kept/,
    )
    expect(error).not.toContain('\n')
    expect(error).not.toMatch(/ at .*\.ts:\d+/)
    expect(summary.tables.customers?.status).toBe('completed')
    await expectMirrorEqualsStore(ctx.db, sim, ['customers'])
    // The rows before the large product are mirrored.
    const mirrored = await mirrorRows(ctx.db, 'products', sim.storeHash)
    expect(mirrored.size).toBeGreaterThanOrEqual(99)
    expect(mirrored.has(large)).toBe(false)
  })
})
