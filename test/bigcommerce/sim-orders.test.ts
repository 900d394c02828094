// The simulated store's order children: generated per seed, embedded by include with
// consignment_structure=object, the per-order endpoints with their paging, the switch that makes
// the list ignore include, and edits that move the order's date_modified and say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOrderChildren } from '../../src/sim/order-children.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import type { SimEvent } from '../../src/sim/state.ts'

let sim: SimStore
const events: SimEvent[] = []

async function call(path: string) {
  const response = await fetch(`${sim.url}/stores/${sim.storeHash}${path}`, {
    headers: { 'X-Auth-Token': sim.accessToken },
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null }
}

const asList = (body: unknown) => body as Array<Record<string, unknown>>
const asObject = (body: unknown) => body as Record<string, unknown>

beforeAll(async () => {
  sim = await startSimStore({ quota: null, data: { seed: 21, counts: { orders: 400 } } })
  sim.store.onEvent((event) => events.push(event))
})
afterAll(() => sim.close())

describe('simulated order children', () => {
  it('are generated from the seed, with every consignment kind and coupons matching coupon_discount', () => {
    const ctx = { seed: 3, storeUrl: '', customerCount: 0 }
    expect(generateOrderChildren(ctx, 9, 0)).toEqual(generateOrderChildren(ctx, 9, 0))
    const kinds = new Set<string>()
    for (const record of sim.store.byId('orders')) {
      const children = sim.store.orderChildren(record.id)
      for (const line of children.lines) kinds.add(line.kind)
      const discount = Number(sim.store.fieldsOf('orders', record).coupon_discount)
      expect(children.coupons.length > 0).toBe(discount > 0)
    }
    expect([...kinds].sort()).toEqual(['download', 'gift', 'pickup', 'shipping'])
  })

  it('embeds consignments with line items on the list and on one order only when asked', async () => {
    const include = 'include=consignments.line_items&consignment_structure=object'
    const [first] = asList((await call(`/v2/orders?limit=5&${include}`)).body)
    const consignments = asObject(first?.consignments)
    expect(Object.keys(consignments).sort()).toEqual(['downloads', 'email', 'pickups', 'shipping'])
    const lines = [
      ...asList(consignments.shipping),
      ...asList(consignments.pickups),
      ...asList(consignments.downloads),
      ...asList(asObject(consignments.email).gift_certificates),
    ].flatMap((c) => asList(c.line_items))
    const products = asList((await call(`/v2/orders/${first?.id}/products`)).body)
    expect(lines.map((l) => l.id).sort()).toEqual(products.map((p) => p.id).sort())
    // Consignments carry costs as numbers; /shipping_addresses as strings.
    const shipping = asList(consignments.shipping)[0]
    if (shipping) {
      expect(typeof shipping.cost_inc_tax).toBe('number')
      const [address] = asList((await call(`/v2/orders/${first?.id}/shipping_addresses`)).body)
      expect(address?.cost_inc_tax).toMatch(/^\d+\.\d{4}$/)
      expect(address?.id).toBe(shipping.id)
    }
    // Without include: a link, like the other children.
    const plain = asObject((await call(`/v2/orders/${first?.id}`)).body)
    expect(plain.consignments).toEqual({
      url: expect.stringContaining('/consignments'),
      resource: `/orders/${first?.id}/consignments`,
    })
    const withoutLines = asObject(
      (await call(`/v2/orders/${first?.id}?include=consignments&consignment_structure=object`))
        .body,
    )
    expect(
      asList(asObject(withoutLines.consignments).shipping).every((c) => !('line_items' in c)),
    ).toBe(true)
  })

  it('pages /products (50 by default, 413 above 250, 204 past the end) and answers 404 for a missing order', async () => {
    for (let i = 0; i < 60; i++) sim.store.addLine(10)
    const total = sim.store.orderChildren(10).lines.length
    expect(asList((await call('/v2/orders/10/products')).body).length).toBe(50)
    expect(asList((await call('/v2/orders/10/products?limit=250')).body).length).toBe(total)
    expect((await call('/v2/orders/10/products?limit=251')).status).toBe(413)
    expect((await call('/v2/orders/10/products?page=9')).status).toBe(204)
    expect((await call('/v2/orders/99999/products')).status).toBe(404)
    expect((await call('/v2/orders/99999/coupons')).status).toBe(404)
  })

  it('can ignore include on the list, and give consignments ids of their own', async () => {
    sim.setOptions({ orderListIgnoresInclude: true, consignmentIds: 'own' })
    const [order] = asList(
      (
        await call(
          '/v2/orders?limit=1&include=consignments.line_items&consignment_structure=object',
        )
      ).body,
    )
    expect(order?.consignments).toMatchObject({ resource: `/orders/${order?.id}/consignments` })
    const single = asObject(
      (
        await call(
          `/v2/orders/${order?.id}?include=consignments.line_items&consignment_structure=object`,
        )
      ).body,
    )
    const shipping = asList(asObject(single.consignments).shipping)
    if (shipping[0]) expect(shipping[0].id).toBe(1)
    sim.setOptions({ orderListIgnoresInclude: false, consignmentIds: 'address' })
  })

  it('edits move the order date_modified and emit store/order/updated', async () => {
    const id = 20
    const before = sim.store.get('orders', id)?.modified ?? 0
    sim.clock.set(Date.now() + 10_000)
    events.length = 0
    const line = Number(sim.store.orderChildren(id).lines[0]?.item.id)
    sim.store.editLineQuantity(id, line, 7)
    const added = sim.store.addLine(id)
    sim.store.removeLine(id, line)
    const applied = sim.store.addCoupon(id, { code: 'TEN', discount: 10 })
    expect(asObject((await call(`/v2/orders/${id}`)).body).coupon_discount).toBe(
      Number(
        sim.store.orderChildren(id).coupons.reduce((n, c) => n + Number(c.discount), 0),
      ).toFixed(4),
    )
    const coupons = asList((await call(`/v2/orders/${id}/coupons`)).body)
    expect(coupons.find((c) => c.id === applied)).toMatchObject({
      code: 'TEN',
      discount: '10.0000',
      order_id: id,
    })
    const products = asList((await call(`/v2/orders/${id}/products?limit=250`)).body)
    expect(products.some((p) => p.id === line)).toBe(false)
    expect(products.some((p) => p.id === added)).toBe(true)
    expect(asList(products[0]?.applied_discounts).some((d) => d.code === 'TEN')).toBe(true)
    sim.store.removeCoupon(id, applied)
    sim.clock.useRealTime()
    expect(sim.store.get('orders', id)?.modified).toBeGreaterThan(before)
    expect(events.map((e) => e.scope)).toEqual(Array(5).fill('store/order/updated'))
    expect(events.every((e) => e.data.id === id)).toBe(true)
  })
})
