// The simulated store's order children: generated per seed, embedded by include with
// consignment_structure=object (at most 50 a consignment by default, as links or absent on a
// switch), the per-order endpoints with their paging (at most 50 a page by default), the switch
// that makes the list ignore include, and edits that move the order's date_modified and say so.
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

  it('pages /products (at most 50 whatever limit asks, 413 above 250, 204 past the end) and answers 404 for a missing order', async () => {
    for (let i = 0; i < 60; i++) sim.store.addLine(10)
    const all = sim.store.orderChildren(10).lines.map((l) => l.item.id)
    const ids = async (path: string) => asList((await call(path)).body).map((p) => p.id)
    expect(await ids('/v2/orders/10/products')).toEqual(all.slice(0, 50))
    // The harsh default: 50 a page whatever limit asks, pages cut at 50.
    expect(await ids('/v2/orders/10/products?limit=250')).toEqual(all.slice(0, 50))
    expect(await ids('/v2/orders/10/products?limit=250&page=2')).toEqual(all.slice(50, 100))
    expect(await ids('/v2/orders/10/products?limit=20&page=2')).toEqual(all.slice(20, 40))
    expect((await call('/v2/orders/10/products?limit=251')).status).toBe(413)
    expect((await call('/v2/orders/10/products?page=9')).status).toBe(204)
    expect((await call('/v2/orders/99999/products')).status).toBe(404)
    expect((await call('/v2/orders/99999/coupons')).status).toBe(404)
    // The kinder reading on a switch: limit honoured up to 250.
    sim.setOptions({ orderSubListPageCap: null })
    expect(await ids('/v2/orders/10/products?limit=250')).toEqual(all)
    sim.setOptions({ orderSubListPageCap: undefined })
  })

  it('caps embedded line items at 50 a consignment (a switch), can send them as links or not at all, and counts them in items_total', async () => {
    const include = 'include=consignments.line_items&consignment_structure=object'
    const id = 11
    for (let i = 0; i < 70; i++) sim.store.addLine(id)
    const children = sim.store.orderChildren(id)
    const quantity = children.lines.reduce((n, l) => n + Number(l.item.quantity), 0)
    const read = async () => asObject((await call(`/v2/orders/${id}?${include}`)).body)
    const shippingLines = (order: Record<string, unknown>) =>
      asList(asList(asObject(order.consignments).shipping)[0]?.line_items)
    const capped = await read()
    expect(capped.items_total).toBe(quantity)
    expect(shippingLines(capped).length).toBe(50)
    sim.setOptions({ embeddedLineItemCap: null })
    const whole = children.lines.filter((l) => l.kind === 'shipping' && l.slot === 0).length
    expect(shippingLines(await read()).length).toBe(whole)
    sim.setOptions({ consignmentLineItems: 'links' })
    const [link] = shippingLines(await read())
    expect(link).toEqual({
      url: expect.stringMatching(new RegExp(`/v2/orders/${id}/products/\\d+$`)),
      resource: expect.stringMatching(new RegExp(`^/orders/${id}/products/\\d+$`)),
    })
    sim.setOptions({ consignmentLineItems: 'absent' })
    const shipping = asList(asObject((await read()).consignments).shipping)
    expect(shipping.length).toBeGreaterThan(0)
    expect(shipping.every((c) => !('line_items' in c))).toBe(true)
    sim.setOptions({ consignmentLineItems: undefined, embeddedLineItemCap: undefined })
    // Every generated order's items_total is its lines' total quantity.
    for (const order of asList((await call('/v2/orders?limit=50')).body)) {
      const lines = sim.store.orderChildren(Number(order.id)).lines
      expect(order.items_total).toBe(lines.reduce((n, l) => n + Number(l.item.quantity), 0))
    }
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
