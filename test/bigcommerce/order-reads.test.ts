// Pure steps of reading orders' children: when ids are read as ranges, and how consignments map to
// rows (including a store that sent them as a link, and consignment ids that are not address ids).
import { describe, expect, it } from 'vitest'
import {
  addressIdOfConsignment,
  childrenFromConsignments,
  mayHaveCoupons,
  toLineRow,
} from '../../src/resources/order-children.ts'
import { planOrderReads, RANGE_SPAN } from '../../src/resources/orders.ts'

describe('planOrderReads', () => {
  it('groups ids within a page-sized span into ranges and reads lone ids alone', () => {
    expect(planOrderReads([5, 3, 3, 9, 1000, 5000, 5001])).toEqual({
      ranges: [
        [3, 5, 9],
        [5000, 5001],
      ],
      singles: [1000],
    })
    const plan = planOrderReads(Array.from({ length: 1000 }, (_, i) => i + 1))
    expect(plan.singles).toEqual([])
    expect(plan.ranges.length).toBe(Math.ceil(1000 / (RANGE_SPAN + 1)))
    for (const range of plan.ranges)
      expect((range.at(-1) ?? 0) - (range[0] ?? 0) + 3).toBeLessThanOrEqual(250)
  })
})

describe('childrenFromConsignments', () => {
  const line = (id: number, address: number) => ({
    id,
    order_address_id: address,
    sku: `S${id}`,
    quantity: 1,
    applied_discounts: [],
  })
  it('is null when the store sent consignments as a link or in the array structure', () => {
    expect(
      childrenFromConsignments({
        id: 1,
        consignments: { url: 'u', resource: '/orders/1/consignments' },
      }),
    ).toBeNull()
    expect(childrenFromConsignments({ id: 1, consignments: [{ shipping: [] }] })).toBeNull()
    expect(childrenFromConsignments({ id: 1 })).toBeNull()
  })
  it('takes line items from every kind and keys an address by the address id its lines name', () => {
    const embedded = childrenFromConsignments({
      items_total: 5,
      consignments: {
        shipping: [{ id: 1, city: 'Lyon', line_items: [line(10, 77), line(11, 77)] }],
        pickups: [{ id: 2, line_items: [line(12, 0)] }],
        downloads: [{ id: 3, line_items: [line(13, 0)] }],
        email: { gift_certificates: [{ id: 4, line_items: [line(14, 0)] }] },
      },
    })
    expect(embedded?.doubt).toBeNull()
    const children = embedded?.children
    expect(children?.order_products?.map((r) => r.id)).toEqual([10, 11, 12, 13, 14])
    expect(children?.order_shipping_addresses).toMatchObject([
      { id: 77, consignment_id: 1, city: 'Lyon' },
    ])
    expect(children?.order_shipping_addresses?.[0]?.data).not.toHaveProperty('line_items')
    // No line names one address: the consignment's own id stands for it.
    expect(addressIdOfConsignment({ id: 5, line_items: [] })).toBe(5)
    expect(addressIdOfConsignment({ id: 5, line_items: [line(1, 8), line(2, 9)] })).toBe(5)
  })
  it('doubts embedded lines that may be cut, came as links or are missing, and leaves them out', () => {
    const order = (itemsTotal: number, lineItems: unknown) => ({
      items_total: itemsTotal,
      consignments: { shipping: [{ id: 7, city: 'Lyon', line_items: lineItems }] },
    })
    const lines = (n: number) => Array.from({ length: n }, (_, i) => line(100 + i, 7))
    const doubt = (o: unknown) => childrenFromConsignments(o)?.doubt
    expect(doubt(order(49, lines(49)))).toBeNull()
    // Quantities short of items_total; exactly the cap (even when quantities agree).
    expect(doubt(order(73, lines(49)))).toMatch(/add up to 49 items, .* items_total says 73/)
    expect(doubt(order(50, lines(50)))).toMatch(/holds 50 line items/)
    // More than items_total is no sign of a cut (items_total may count differently).
    expect(doubt(order(1, lines(3)))).toBeNull()
    const link = { url: 'https://x/v2/orders/1/products/9', resource: '/orders/1/products/9' }
    expect(doubt(order(1, [link]))).toMatch(/links/)
    expect(doubt(order(1, undefined))).toMatch(/without a list of line_items/)
    expect(doubt(order(1, { url: 'u', resource: '/orders/1/products' }))).toMatch(/without a list/)
    // A doubted set is left out (kept as stored or read per order); addresses still come.
    const left = childrenFromConsignments(order(73, lines(49)))?.children
    expect(left?.order_products).toBeUndefined()
    expect(left?.order_shipping_addresses).toMatchObject([{ id: 7, city: 'Lyon' }])
    // A malformed line is an error (the order is set aside), never "no lines".
    expect(() => childrenFromConsignments(order(1, [{ id: 'x' }]))).toThrow(/malformed/)
  })
  it('sees coupons from coupon_discount or a code on a line', () => {
    expect(mayHaveCoupons({ coupon_discount: '0.0000' }, [])).toBe(false)
    expect(mayHaveCoupons({ coupon_discount: '2.5000' }, undefined)).toBe(true)
    const coded = toLineRow({
      id: 1,
      applied_discounts: [{ id: 'c', amount: '0', code: 'FREESHIP' }],
    })
    expect(mayHaveCoupons({ coupon_discount: '0.0000' }, [coded])).toBe(true)
  })
})
