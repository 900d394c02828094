// Generated v2 orders, with BigCommerce's field set. The generator stays one object literal over
// 60 lines on purpose: V8 builds a literal from a template, while merging parts (spread or
// Object.assign) made every generated row 2-10 times slower, and the store generates rows on
// every read.
import type { GenerateContext } from '../generate.ts'
import type { SimResourceSpec } from './resource-spec.ts'
import { createRng, mixSeed, money, pickFrom, randomInt as int } from './random.ts'
import {
  CITIES,
  FIRST_NAMES,
  LAST_NAMES,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  STREETS,
} from './words.ts'

/** Fields of an order other than id, date_created and date_modified. */
export function generateOrderFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 1))
  const first = pickFrom(rng, FIRST_NAMES)
  const last = pickFrom(rng, LAST_NAMES)
  const [city, state, zip] = pickFrom(rng, CITIES)
  const items = int(rng, 1, 5)
  const subtotal = Math.round(rng() * 40000 + 500) / 100
  const shipping = rng() < 0.3 ? 0 : Math.round(rng() * 1500 + 300) / 100
  const tax = Math.round(subtotal * 0.0825 * 100) / 100
  const discount = rng() < 0.2 ? Math.round(subtotal * 0.1 * 100) / 100 : 0
  const statusId = rng() < 0.6 ? 10 : int(rng, 0, 14)
  const customerId = ctx.customerCount > 0 && rng() > 0.15 ? int(rng, 1, ctx.customerCount) : 0
  const link = (name: string, resource: string) => ({
    url: `${ctx.storeUrl}/v2/orders/${id}/${name}`,
    resource: `/orders/${id}/${resource}`,
  })
  return {
    customer_id: customerId,
    date_shipped: '',
    status_id: statusId,
    status: ORDER_STATUSES[statusId],
    custom_status: ORDER_STATUSES[statusId],
    subtotal_ex_tax: money(subtotal),
    subtotal_inc_tax: money(subtotal + tax),
    subtotal_tax: money(tax),
    base_shipping_cost: money(shipping),
    shipping_cost_ex_tax: money(shipping),
    shipping_cost_inc_tax: money(shipping),
    shipping_cost_tax: money(0),
    shipping_cost_tax_class_id: 2,
    base_handling_cost: money(0),
    handling_cost_ex_tax: money(0),
    handling_cost_inc_tax: money(0),
    handling_cost_tax: money(0),
    handling_cost_tax_class_id: 2,
    base_wrapping_cost: money(0),
    wrapping_cost_ex_tax: money(0),
    wrapping_cost_inc_tax: money(0),
    wrapping_cost_tax: money(0),
    wrapping_cost_tax_class_id: 3,
    total_ex_tax: money(subtotal + shipping - discount),
    total_inc_tax: money(subtotal + shipping + tax - discount),
    total_tax: money(tax),
    items_total: items,
    items_shipped: statusId === 2 ? items : 0,
    payment_method: pickFrom(rng, PAYMENT_METHODS),
    payment_provider_id: '',
    payment_status:
      statusId === 10 || statusId === 2 ? 'captured' : statusId === 0 ? '' : 'authorized',
    refunded_amount: money(statusId === 4 ? subtotal + shipping + tax - discount : 0),
    order_is_digital: false,
    store_credit_amount: money(0),
    gift_certificate_amount: money(0),
    ip_address: `203.0.113.${int(rng, 1, 254)}`,
    ip_address_v6: '',
    geoip_country: 'United States',
    geoip_country_iso2: 'US',
    currency_id: 1,
    currency_code: 'USD',
    currency_exchange_rate: '1.0000000000',
    default_currency_id: 1,
    default_currency_code: 'USD',
    store_default_currency_code: 'USD',
    store_default_to_transactional_exchange_rate: '1.0000000000',
    staff_notes: '',
    customer_message: rng() < 0.1 ? 'Please leave at the back door.' : '',
    discount_amount: money(discount),
    coupon_discount: money(discount),
    shipping_address_count: 1,
    is_deleted: false,
    ebay_order_id: '0',
    cart_id: `${(mixSeed(ctx.seed, id, 9) >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${String(id).padStart(12, '0')}`,
    billing_address: {
      first_name: first,
      last_name: last,
      company: rng() < 0.2 ? `${last} & Co` : '',
      street_1: `${int(rng, 1, 9999)} ${pickFrom(rng, STREETS)}`,
      street_2: '',
      city,
      state,
      zip,
      country: 'United States',
      country_iso2: 'US',
      phone: `555-01${String(int(rng, 0, 99)).padStart(2, '0')}`,
      email: `${first}.${last}${id}@example.com`.toLowerCase().replace(/'/g, ''),
      form_fields: [],
    },
    is_email_opt_in: rng() < 0.4,
    credit_card_type: null,
    order_source: pickFrom(rng, ['www', 'www', 'www', 'manual', 'checkout_api']),
    channel_id: 1,
    external_source: null,
    external_id: null,
    external_merchant_id: null,
    tax_provider_id: 'BasicTaxProvider',
    customer_locale: 'en',
    external_order_id: '',
    products: link('products', 'products'),
    shipping_addresses: link('shipping_addresses', 'shippingaddresses'),
    coupons: link('coupons', 'coupons'),
  }
}

/** A status change also sends store/order/statusUpdated with the previous and the new status. */
function statusEvents(id: number, before: Record<string, unknown>, patch: Record<string, unknown>) {
  if (!('status_id' in patch) || patch.status_id === before.status_id) return []
  const status = { previous_status_id: before.status_id, new_status_id: patch.status_id }
  return [['store/order/statusUpdated', { type: 'order', id, status }] as [string, typeof patch]]
}

export const orderSim: SimResourceSpec<'orders'> = {
  name: 'orders',
  path: '/v2/orders',
  // v2 orders are their own API: status filters, a count per status, sub-lists and consignments.
  bespokeRoutes: true,
  singular: 'order',
  events: true,
  // BigCommerce documents no order-deleted event (orders are archived).
  deletedEvent: false,
  updateEvents: statusEvents,
  dated: true,
  dateCreated: true,
  dateFormat: 'rfc2822',
  sampleEdit: (n) => ({ status_id: 1 + (n % 11) }),
  generate: generateOrderFields,
}
