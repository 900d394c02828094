// The schema descriptions (test/contract/schemas) and the contract examples
// (test/contract/examples) hold each other to the published components: every example conforms to
// the component it names, and the schemas refuse what the components refuse
// (docs/bigcommerce-api.md, "Contract fixtures").
import { describe, expect, it } from 'vitest'
import { exampleNamed } from './examples/index.ts'
import { loadValidators, type Root } from './schemas/index.ts'
import { problemsOf } from './schemas/problems.ts'

const validators = loadValidators('spec')

const each = (body: unknown) => body as unknown[]
const one = (body: unknown) => [body]

/** Each example, the root its objects are checked against, and how to reach those objects. */
const CONFORMING: Array<[string, Root, (body: unknown) => unknown[]]> = [
  ['orders-list', 'order', each],
  ['order-single-embedded', 'order', one],
  ['order-single-link-lines', 'order', one],
  ['order-without-date-modified', 'order', one],
  ['orders-count', 'orders_count', one],
  ['order-products', 'order_product', each],
  ['order-shipping-addresses', 'order_shipping_address', each],
  ['order-coupons', 'order_coupon', each],
  ['consignments-shipping', 'order_consignments', one],
  ['consignments-pickup', 'order_consignments', one],
  ['consignments-pickup-link-lines', 'order_consignments', one],
  ['consignments-gift-certificate', 'order_consignments', one],
  ['coupons-list', 'coupon', (body) => each(body).slice(0, 1)],
  ['coupons-count', 'coupons_count', one],
  ['customers-list', 'customers_list', one],
  ['products-list', 'products_list', one],
  ['product-single', 'product_single', one],
  ['hooks-list', 'hooks_list', one],
  ['hook-created', 'hook_single', one],
]

describe('the contract examples against the schema descriptions', () => {
  it.each(CONFORMING)('%s conforms to %s', (name, root, objectsOf) => {
    for (const value of objectsOf(exampleNamed(name).body)) {
      expect(problemsOf(validators[root], value), name).toEqual([])
    }
  })

  it('a digital consignment whose line_items is one object breaks its own schema', () => {
    const { body } = exampleNamed('consignments-digital-one-object')
    expect(problemsOf(validators.order_consignments, body).join('\n')).toMatch(
      /\/downloads\/0\/line_items must be array/,
    )
  })

  it("the promotion coupon's nulls are outside coupon_Full (the sim test lists them)", () => {
    const [, promotion] = exampleNamed('coupons-list').body as unknown[]
    const found = problemsOf(validators.coupon, promotion).join('\n')
    expect(found).toMatch(/\/restricted_to must be object/)
  })

  it('refuses a wrong type, an extra field where the spec closes the object, a missing id', () => {
    const [order] = exampleNamed('orders-list').body as Array<Record<string, unknown>>
    expect(problemsOf(validators.order, { ...order, id: '1207' })).toContain(
      '/id must be integer {"type":"integer"}',
    )
    const [line] = exampleNamed('order-products').body as Array<Record<string, unknown>>
    expect(problemsOf(validators.order_product, { ...line, invented: 1 })).toEqual([
      '(root) must NOT have additional properties {"additionalProperty":"invented"}',
    ])
    // The spec leaves order_Resp open: an unknown field passes in `spec` mode only.
    expect(problemsOf(validators.order, { ...order, invented: 1 })).toEqual([])
    const known = loadValidators('known')
    expect(problemsOf(known.order, { ...order, invented: 1 })).toHaveLength(1)
    const [coupon] = exampleNamed('coupons-list').body as Array<Record<string, unknown>>
    const { id: _id, ...withoutId } = coupon ?? {}
    expect(problemsOf(validators.coupon, withoutId)).toEqual([
      `(root) must have required property 'id' {"missingProperty":"id"}`,
    ])
  })

  it('refuses departures that name no component', () => {
    expect(() => loadValidators('known', { order_Respp: { x: 'int' } })).toThrow(/order_Respp/)
  })
})
