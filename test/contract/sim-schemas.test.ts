// The simulated store's answers, over HTTP, validated with ajv against the component schemas
// described in test/contract/schemas, with every object closed: a field the published spec does
// not name, or a type it does not allow, fails unless listed below with its source
// (docs/bigcommerce-api.md, "Contract fixtures").
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { createSimClock } from '../../src/sim/state.ts'
import { loadValidators, type Root } from './schemas/index.ts'
import type { Departures } from './schemas/notation.ts'
import { problemsOf } from './schemas/problems.ts'

/** Where the simulated store serves what a component does not say, on purpose. */
const DEPARTURES: Departures = {
  // In the published examples of getOrders (orders.v2.oas2.yml), not in order_Resp.
  order_Resp: { custom_status: 'str', credit_card_type: { type: 'null' } },
  // A field of v2 order products in docs/b2b-edition/specs/api-v2/openAPI.yaml.
  orderProducts: { fulfillment_source: 'str' },
  // "Float, Float-As-String, Integer" (orders.v2.oas2.yml, orderCoupons_Base.discount).
  orderCoupons_Base: { discount: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' } },
  // Undocumented for these two (shipping and pickup consignments have an id): the simulator
  // numbers every consignment, which the mirror does not rely on.
  digitalConsignment_Get: { id: 'int' },
  giftCertificateConsignment_Get: { id: 'int' },
  // Promotion coupons: `restricted_to: []` and `shipping_methods: null` (marketing.v2.yml,
  // getCoupons, "Usage Notes").
  coupon_Full: {
    restricted_to: { type: 'array', maxItems: 0 },
    shipping_methods: { type: 'null' },
  },
  // null is access to every channel (customers.v3.yml, createCustomers: "channel_ids: null").
  customer_Full: { channel_ids: { type: 'null' } },
  product_Full: {
    // "null for complex products" (product_Full.base_variant_id).
    base_variant_id: { type: 'null' },
    // Undocumented: a product never imported, or in no option set; we take the harsher reading
    // (null, which a reader must handle, rather than an invented value).
    date_last_imported: { type: 'null' },
    option_set_id: { type: 'null' },
  },
}

const validators = loadValidators('known', DEPARTURES)
let sim: SimStore

beforeAll(async () => {
  sim = await startSimStore({
    quota: null,
    clock: createSimClock(new Date('2025-06-01T12:00:00Z')),
    data: {
      seed: 19,
      counts: { orders: 40, products: 20, customers: 20, coupons: 20 },
      to: new Date('2025-05-01T00:00:00Z'),
    },
  })
})
afterAll(() => sim.close())

/** The answer's status and body (null for 204). */
async function request(path: string, init: RequestInit = {}) {
  const response = await fetch(`${sim.url}/stores/${sim.storeHash}${path}`, {
    ...init,
    headers: { 'X-Auth-Token': sim.accessToken, 'Content-Type': 'application/json' },
  })
  return { status: response.status, body: response.status === 204 ? null : await response.json() }
}

async function call(path: string, init?: RequestInit): Promise<unknown> {
  const { status, body } = await request(path, init)
  expect([path, status]).toEqual([path, 200])
  return body
}

async function expectAnswer(root: Root, path: string, init?: RequestInit) {
  expect(problemsOf(validators[root], await call(path, init)), path).toEqual([])
}

/** Validates each item of a list, naming the first ones that fail. */
function expectItems(root: Root, items: unknown, what: string) {
  expect(Array.isArray(items), `${what} is an array`).toBe(true)
  const list = items as unknown[]
  expect(list.length, `${what} is not empty`).toBeGreaterThan(0)
  const failing = list
    .map((item, i) => ({ i, errors: problemsOf(validators[root], item) }))
    .filter((r) => r.errors.length > 0)
  expect(failing.slice(0, 3), what).toEqual([])
}

const ORDER_INCLUDE = 'include=consignments.line_items&consignment_structure=object'
const SUB_LISTS = [
  ['products', 'order_product'],
  ['shipping_addresses', 'order_shipping_address'],
  ['coupons', 'order_coupon'],
] as const

type Consignments = Record<string, unknown>

/** Every embedded line item of some consignments objects, whatever their kind. */
function linesOf(all: Consignments[]): unknown[] {
  const withLines = all.flatMap((kinds) => [
    ...(['shipping', 'pickups', 'downloads'] as const).flatMap((k) => (kinds[k] ?? []) as []),
    ...(((kinds.email as Consignments | undefined)?.gift_certificates ?? []) as []),
  ]) as Array<{ line_items: unknown[] }>
  return withLines.flatMap((one) => one.line_items)
}

describe('the simulated store against the published schemas', () => {
  it('GET /v2/orders, with and without embedded consignments', async () => {
    expectItems('order', await call('/v2/orders?limit=250'), 'orders')
    const embedded = (await call(`/v2/orders?limit=250&${ORDER_INCLUDE}`)) as Array<{
      consignments: Consignments
    }>
    expectItems('order', embedded, 'orders with consignments')
    // The spec's alternatives (a link or the object; line items as links or objects) overlap,
    // so the embedded parts are also held to the object forms alone.
    const consignments = embedded.map((order) => order.consignments)
    expectItems('order_consignments', consignments, 'embedded consignments')
    expectItems('order_product', linesOf(consignments), 'embedded line items')
  })

  it('GET /v2/orders/{id} and /v2/orders/count', async () => {
    const [first] = (await call('/v2/orders?limit=1')) as Array<{ id: number }>
    await expectAnswer('order', `/v2/orders/${first?.id}`)
    await expectAnswer('order', `/v2/orders/${first?.id}?${ORDER_INCLUDE}`)
    await expectAnswer('orders_count', '/v2/orders/count')
  })

  it("every order's products, shipping addresses, coupons and consignments", async () => {
    const orders = (await call('/v2/orders?limit=250')) as Array<{ id: number }>
    const seen = { products: 0, shipping_addresses: 0, coupons: 0 }
    for (const { id } of orders) {
      for (const [kind, root] of SUB_LISTS) {
        const { status, body } = await request(`/v2/orders/${id}/${kind}`)
        if (status === 204) continue
        expectItems(root, body, `order ${id} ${kind}`)
        seen[kind] += (body as unknown[]).length
      }
      await expectAnswer('order_consignments', `/v2/orders/${id}/consignments`)
    }
    expect(seen.products).toBeGreaterThan(0)
    expect(seen.shipping_addresses).toBeGreaterThan(0)
    expect(seen.coupons).toBeGreaterThan(0)
  })

  it('GET /v2/coupons and /v2/coupons/count', async () => {
    expectItems('coupon', await call('/v2/coupons?limit=250'), 'coupons')
    await expectAnswer('coupons_count', '/v2/coupons/count')
  })

  it('GET /v3/customers with what the mirror includes', async () => {
    const include = 'include=addresses,storecredit,attributes,formfields'
    await expectAnswer('customers_list', `/v3/customers?limit=250&${include}`)
    await expectAnswer('customers_list', '/v3/customers?page=2&limit=5')
  })

  it('GET /v3/catalog/products, list and single, with what the mirror includes', async () => {
    const include = 'include=variants,images,custom_fields,bulk_pricing_rules'
    const path = `/v3/catalog/products?limit=250&${include}`
    await expectAnswer('products_list', path)
    const list = (await call(path)) as { data: Array<{ id: number }> }
    await expectAnswer('product_single', `/v3/catalog/products/${list.data[0]?.id}?${include}`)
  })

  it('/v3/hooks: create, list, read and update', async () => {
    const hook = { scope: 'store/order/*', destination: 'https://example.com/hook' }
    const created = await call('/v3/hooks', { method: 'POST', body: JSON.stringify(hook) })
    expect(problemsOf(validators.hook_single, created)).toEqual([])
    await expectAnswer('hooks_list', '/v3/hooks')
    const path = `/v3/hooks/${(created as { data: { id: number } }).data.id}`
    await expectAnswer('hook_single', path)
    const update = JSON.stringify({ is_active: false })
    await expectAnswer('hook_single', path, { method: 'PUT', body: update })
  })
})
