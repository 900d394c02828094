// The pieces an order's children are made of, in the v2 shapes: line items (`orderProducts`),
// shipping addresses, store pickups and applied coupons. makeLine stays one object literal over
// 60 lines on purpose, like the row generators (merging parts made those 2-20 times slower).
import { money, pickFrom as pick, randomInt as int } from '../generate/random.ts'
import type { ConsignmentKind } from '../order-children.ts'

const CITIES: Array<[string, string, string, string, string]> = [
  ['Austin', 'Texas', '78701', 'United States', 'US'],
  ['Portland', 'Oregon', '97205', 'United States', 'US'],
  ['Toronto', 'Ontario', 'M5H 2N2', 'Canada', 'CA'],
  ['Manchester', 'Greater Manchester', 'M1 1AE', 'United Kingdom', 'GB'],
  ['Lyon', 'Rhone', '69001', 'France', 'FR'],
  ['Melbourne', 'Victoria', '3000', 'Australia', 'AU'],
]
const NAMES = [
  'Ada Abbott',
  'Ben Bauer',
  'Chloe Costa',
  'Dev Diaz',
  'Elena Eriksen',
  'Farid Fischer',
]
const METHODS = ['Flat Rate', 'Free Shipping', 'UPS Ground', 'USPS Priority', 'FedEx 2Day']

/** A line item in the `orderProducts` shape. */
export function makeLine(
  orderId: number,
  id: number,
  rng: () => number,
  kind: ConsignmentKind,
  orderAddressId: number,
): Record<string, unknown> {
  const productId = int(rng, 1, 500)
  const variant = int(rng, 0, 2)
  const quantity = int(rng, 1, 4)
  const price = Math.round(rng() * 9000 + 500) / 100
  const type = kind === 'download' ? 'digital' : kind === 'gift' ? 'giftcertificate' : 'physical'
  return {
    id,
    order_id: orderId,
    product_id: kind === 'gift' ? 0 : productId,
    variant_id: kind === 'gift' ? 0 : productId * 10 + variant,
    order_address_id: orderAddressId,
    name: kind === 'gift' ? 'Gift Certificate' : `Product ${productId}`,
    name_customer: kind === 'gift' ? 'Gift Certificate' : `Product ${productId}`,
    name_merchant: kind === 'gift' ? 'Gift Certificate' : `Product ${productId}`,
    sku:
      kind === 'gift'
        ? ''
        : `SKU-${String(productId).padStart(6, '0')}${variant ? `-${variant}` : ''}`,
    upc: '',
    type,
    base_price: money(price),
    price_ex_tax: money(price),
    price_inc_tax: money(price * 1.0825),
    price_tax: money(price * 0.0825),
    base_total: money(price * quantity),
    total_ex_tax: money(price * quantity),
    total_inc_tax: money(price * quantity * 1.0825),
    total_tax: money(price * quantity * 0.0825),
    quantity,
    base_cost_price: money(price * 0.45),
    cost_price_inc_tax: money(price * 0.45),
    cost_price_ex_tax: money(price * 0.45),
    weight: type === 'physical' ? 1.5 : 0,
    is_refunded: false,
    quantity_refunded: 0,
    refund_amount: money(0),
    return_id: 0,
    quantity_shipped: 0,
    fixed_shipping_cost: money(0),
    option_set_id: null,
    parent_order_product_id: null,
    is_bundled_product: false,
    bin_picking_number: '',
    external_id: null,
    fulfillment_source: '',
    brand: '',
    gift_certificate_id: kind === 'gift' ? id : null,
    applied_discounts: [],
    product_options: variant
      ? [
          {
            id: id * 10,
            option_id: 7,
            order_product_id: id,
            product_option_id: 70 + variant,
            display_name: 'Size',
            display_value: ['S', 'M', 'L'][variant],
            value: String(70 + variant),
            type: 'Multiple choice',
            name: 'Size',
            display_style: 'Dropdown',
          },
        ]
      : [],
    configurable_fields: [],
  }
}

export function makeAddress(orderId: number, id: number, rng: () => number) {
  const [city, state, zip, country, iso2] = pick(rng, CITIES)
  const [first, last] = pick(rng, NAMES).split(' ') as [string, string]
  const cost = rng() < 0.3 ? 0 : Math.round(rng() * 1500 + 300) / 100
  return {
    id,
    order_id: orderId,
    first_name: first,
    last_name: last,
    company: '',
    street_1: `${int(rng, 1, 999)} Market St`,
    street_2: '',
    city,
    zip,
    country,
    country_iso2: iso2,
    state,
    email: `${first}.${last}${orderId}@example.com`.toLowerCase(),
    phone: `555-01${String(int(rng, 0, 99)).padStart(2, '0')}`,
    items_total: 0,
    items_shipped: 0,
    shipping_method: pick(rng, METHODS),
    base_cost: cost,
    cost_ex_tax: cost,
    cost_inc_tax: cost,
    cost_tax: 0,
    cost_tax_class_id: 2,
    base_handling_cost: 0,
    handling_cost_ex_tax: 0,
    handling_cost_inc_tax: 0,
    handling_cost_tax: 0,
    handling_cost_tax_class_id: 2,
    shipping_zone_id: 1,
    shipping_zone_name: country,
    form_fields: [],
  }
}

/** The one pickup consignment of an order that ships nowhere. */
export function makePickup(orderId: number) {
  return {
    id: orderId * 10 + 5,
    pickup_method_id: 1,
    pickup_method_display_name: 'Collect in store',
    collection_instructions: 'Bring your order number.',
    collection_time_description: 'Ready in 2 hours',
    location: {
      id: 1,
      name: 'Main St store',
      code: 'MAIN',
      address_line_1: '1 Main St',
      address_line_2: '',
      city: 'Austin',
      state: 'Texas',
      postal_code: '78701',
      country_alpha2: 'US',
      email: 'store@example.com',
      phone: '555-0100',
    },
  }
}

export function makeCoupon(
  orderId: number,
  id: number,
  code: string,
  discount: number,
  type: number,
) {
  return {
    id,
    coupon_id: 100 + (id % 50),
    order_id: orderId,
    code,
    amount: money(type === 1 ? 10 : discount),
    type,
    discount: money(discount),
  }
}
