// Every contract example through the mirror's own readers: each object is stored as a row or set
// aside with a reason, never a crash; and each example conforms to the component it says it
// follows (docs/bigcommerce-api.md, "Contract fixtures").
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { BigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createHook, listHooks } from '../../src/bigcommerce/hooks.ts'
import { findScopeForPath } from '../../src/bigcommerce/scopes.ts'
import { parseConfig } from '../../src/config.ts'
import { upsertRows } from '../../src/db/write.ts'
import type { ResourceRow } from '../../src/resources/types.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { EXAMPLES, exampleNamed } from './examples/index.ts'
import { DELIVERIES } from './examples/webhooks.ts'
import { hasRowReader, readExample, type Outcome } from './read-examples.ts'

const STORE = 'contract2'

/** What each example becomes: rows and child rows by table, counts, objects set aside. */
const EXPECTED: Record<string, Record<string, number>> = {
  'orders-list': { orders: 2 },
  'order-single-embedded': { orders: 1 },
  // Lines given as links ({url, resource}) are no lines: the order is kept and a sweep reads its
  // lines through /v2/orders/{id}/products, never writing it without them.
  'order-single-link-lines': { orders: 1, 'read-per-order': 1 },
  'order-without-date-modified': { 'set-aside': 1 },
  'orders-count': { count: 1 },
  'order-products': { order_products: 2 },
  'order-shipping-addresses': { order_shipping_addresses: 2 },
  'order-coupons': { order_coupons: 1 },
  'consignments-shipping': { order_products: 1, order_shipping_addresses: 1 },
  'consignments-pickup': { order_products: 1 },
  'consignments-pickup-link-lines': { 'read-per-order': 1 },
  // A digital consignment whose `line_items` is one link object, not an array: not lines either.
  'consignments-digital-one-object': { 'read-per-order': 1 },
  'consignments-gift-certificate': { order_products: 1 },
  'coupons-list': { coupons: 2 },
  'coupons-count': { count: 1 },
  'customers-list': { customers: 1, 'set-aside': 1 },
  'products-list': { products: 1, 'set-aside': 1 },
  'product-single': { products: 1 },
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) {
    const key = outcome.kind === 'row' || outcome.kind === 'child' ? outcome.table : outcome.kind
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

const outcomesOf = (name: string) => {
  const { endpoint, body } = exampleNamed(name)
  return readExample(endpoint, body)
}

describe('contract examples', () => {
  const sources = [
    ...EXAMPLES.map((e) => [e.name, e.source]),
    ...DELIVERIES.map((d) => [d.body.scope, d.source]),
  ]
  it.each(sources)('%s names its source', (_name, source) => {
    expect(source).toEqual({
      repository: 'bigcommerce/docs',
      commit: '24f580ca6d2981728b7ed70a2049e00fc602c335',
      file: expect.stringMatching(/^(reference|docs)\/\S+\.(ya?ml|mdx)$/),
      component: expect.stringMatching(/\S/),
    })
  })

  it('has an expectation for every example a row reader reads, and names are unique', () => {
    const read = EXAMPLES.filter((e) => hasRowReader(e.endpoint)).map((e) => e.name)
    expect(read.sort()).toEqual(Object.keys(EXPECTED).sort())
    expect(new Set(EXAMPLES.map((e) => e.name)).size).toBe(EXAMPLES.length)
  })
})

describe("the mirror's readers on the contract examples", () => {
  it.each(Object.entries(EXPECTED))('%s: %j', (name, expected) => {
    const outcomes = outcomesOf(name)
    expect(tally(outcomes)).toEqual(expected)
    for (const outcome of outcomes) {
      if (outcome.kind === 'set-aside') expect(outcome.reason).toMatch(/\bid\b|line item|date/)
    }
  })

  it('an embedded shipping consignment gives the order its lines and its address', () => {
    const [order] = outcomesOf('order-single-embedded')
    const children = order?.kind === 'row' ? order.row.children : undefined
    expect(children?.order_products?.map((line) => line.id)).toEqual([5020, 5021])
    expect(children?.order_shipping_addresses?.map((address) => address.id)).toEqual([77])
  })

  it('reads the hook list and the created hook', async () => {
    const answer = (name: string) => ({
      status: 200,
      headers: new Headers(),
      body: exampleNamed(name).body,
    })
    // POST /v3/hooks answers the created hook; any other request the list.
    const client = {
      request: async (_path: string, init?: { method?: string }) =>
        answer(init?.method === 'POST' ? 'hook-created' : 'hooks-list'),
    } as unknown as BigCommerceClient
    const hook = await createHook(client, { scope: 'store/sku/*', destination: 'https://x.test' })
    expect(hook).toMatchObject({ id: 24002, scope: 'store/sku/*', headers: null })
    const hooks = await listHooks(client)
    expect(hooks.map((h) => [h.id, h.is_active])).toEqual([[24001, true]])
  })

  it("takes the token exchange answer's context and token as its settings", () => {
    const answer = exampleNamed('token-exchange').body as Record<string, string>
    const storeHash = answer.context?.replace(/^stores\//, '') ?? ''
    const config = parseConfig(
      { BIGCOMMERCE_STORE_HASH: storeHash, BIGCOMMERCE_ACCESS_TOKEN: answer.access_token ?? '' },
      { store: true },
    )
    expect(config.storeHash).toBe('q7w2e9')
    for (const path of ['/v2/orders', '/v2/coupons', '/v3/customers', '/v3/catalog/products']) {
      expect(answer.scope?.split(' ')).toContain(findScopeForPath(path)?.scope)
    }
  })
})

type Table = 'orders' | 'coupons' | 'customers' | 'products'

/** Every row the examples give; the first order carries the per-order examples' children. */
function rowsOfExamples(): { table: Table; rows: ResourceRow[] }[] {
  // An order whose lines need a per-order read is written only with them (not part of these
  // readers-only examples), so it is left out here.
  const all = Object.keys(EXPECTED).flatMap((name) => {
    const outcomes = outcomesOf(name)
    const pending = outcomes.some((o) => o.kind === 'read-per-order')
    return pending ? outcomes.filter((o) => o.kind !== 'row') : outcomes
  })
  const rows = (table: string) =>
    all.flatMap((o) => (o.kind === 'row' && o.table === table ? [o.row] : []))
  const childRows = (table: string) =>
    all.flatMap((o) => (o.kind === 'child' && o.table === table ? [o.row] : []))
  const [first, ...others] = rows('orders')
  if (!first) throw new Error('no order example')
  first.children = {
    order_products: childRows('order_products'),
    order_shipping_addresses: childRows('order_shipping_addresses'),
    order_coupons: childRows('order_coupons'),
  }
  return [
    { table: 'orders', rows: [first, ...others] },
    { table: 'coupons', rows: rows('coupons') },
    { table: 'customers', rows: rows('customers') },
    { table: 'products', rows: rows('products') },
  ]
}

describeEachDatabase('the contract examples stored', (ctx) => {
  it('writes every row the readers made, with typed columns and children', async () => {
    for (const { table, rows } of rowsOfExamples()) await upsertRows(ctx.db, table, STORE, rows)
    const count = async (table: string) => {
      const [row] = await ctx.db.execute<{ n: number }>(
        sql`select count(*)::int as n from ${sql.identifier('bigcommerce')}.${sql.identifier(table)}
          where store_hash = ${STORE}`,
      )
      return row?.n
    }
    expect(await count('orders')).toBe(3)
    expect(await count('coupons')).toBe(2)
    expect(await count('customers')).toBe(1)
    expect(await count('products')).toBe(2)
    expect(await count('order_products')).toBe(5)
    expect(await count('order_shipping_addresses')).toBe(3)
    expect(await count('order_coupons')).toBe(1)
    const [order] = await ctx.db.execute<{ dm: string; total: string }>(
      sql`select date_modified::text as dm, total_inc_tax::text as total
        from bigcommerce.orders where store_hash = ${STORE} and id = 1208`,
    )
    expect(new Date(order?.dm ?? '').toISOString()).toBe('2025-03-06T17:45:03.000Z')
    expect(Number(order?.total)).toBe(76.62)
  })
})
