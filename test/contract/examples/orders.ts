// Orders v2 answers in the project's own values, shaped as `reference/orders.v2.oas2.yml` says
// (docs/bigcommerce-api.md, "Contract fixtures"). Dates are RFC 2822, money decimal strings.
import { from, ORDERS_SPEC, type Example } from './source.ts'

const API = 'https://api.bigcommerce.com/stores/q7w2e9'
const link = (path: string) => ({ url: `${API}/v2${path}`, resource: path })

const address = {
  first_name: 'Maren',
  last_name: 'Holt',
  company: 'Holt Ceramics',
  street_1: '48 Quarry Lane',
  street_2: 'Unit 3',
  city: 'Portland',
  state: 'Oregon',
  zip: '97205',
  country: 'United States',
  country_iso2: 'US',
  phone: '503-555-0142',
  email: 'maren@example.org',
}

/** A whole order, every money field a decimal string; `changes` replace or add fields. */
export function orderBody(id: number, changes: Record<string, unknown> = {}) {
  return {
    id,
    customer_id: 31,
    date_created: 'Tue, 04 Mar 2025 09:12:40 +0000',
    date_modified: 'Thu, 06 Mar 2025 17:45:03 +0000',
    date_shipped: '',
    status_id: 11,
    status: 'Awaiting Fulfillment',
    ...{ subtotal_ex_tax: '64.0000', subtotal_inc_tax: '69.1200', subtotal_tax: '5.1200' },
    ...{ base_shipping_cost: '7.5000', shipping_cost_ex_tax: '7.5000' },
    ...{ shipping_cost_inc_tax: '7.5000', shipping_cost_tax: '0.0000' },
    shipping_cost_tax_class_id: 2,
    ...{ base_handling_cost: '0.0000', handling_cost_ex_tax: '0.0000' },
    ...{ handling_cost_inc_tax: '0.0000', handling_cost_tax: '0.0000' },
    handling_cost_tax_class_id: 2,
    ...{ base_wrapping_cost: '0.0000', wrapping_cost_ex_tax: '0.0000' },
    ...{ wrapping_cost_inc_tax: '0.0000', wrapping_cost_tax: '0.0000' },
    wrapping_cost_tax_class_id: 3,
    ...{ total_ex_tax: '71.5000', total_inc_tax: '76.6200', total_tax: '5.1200' },
    ...{ items_total: 3, items_shipped: 0 },
    ...{ payment_method: 'Card', payment_provider_id: 'ch_7Hq2', payment_status: 'authorized' },
    ...{ refunded_amount: '0.0000', order_is_digital: false },
    ...{ store_credit_amount: '0.0000', gift_certificate_amount: '0.0000' },
    ...{ ip_address: '198.51.100.23', ip_address_v6: '' },
    ...{ geoip_country: 'United States', geoip_country_iso2: 'US' },
    ...{ currency_id: 1, currency_code: 'USD', currency_exchange_rate: '1.0000000000' },
    ...{ default_currency_id: 1, default_currency_code: 'USD' },
    store_default_currency_code: 'USD',
    store_default_to_transactional_exchange_rate: '1.0000000000',
    ...{ staff_notes: '', customer_message: 'Leave with the porter, please.' },
    ...{ discount_amount: '0.0000', coupon_discount: '6.4000', shipping_address_count: 1 },
    ...{ is_deleted: false, ebay_order_id: '0', cart_id: 'c0ffee00-4a1b-4c2d-9e3f-000000001207' },
    ...{ is_tax_inclusive_pricing: false, is_email_opt_in: true, order_source: 'www' },
    billing_address: { ...address, form_fields: [{ name: 'Gift note', value: 'none' }] },
    ...{ channel_id: 1, external_source: null, external_id: null, external_merchant_id: null },
    ...{ tax_provider_id: 'BasicTaxProvider', customer_locale: 'en-US', external_order_id: '' },
    products: link(`/orders/${id}/products`),
    shipping_addresses: link(`/orders/${id}/shipping_addresses`),
    coupons: link(`/orders/${id}/coupons`),
    consignments: link(`/orders/${id}/consignments`),
    fees: link(`/orders/${id}/fees`),
    ...changes,
  }
}

/** One order line, as `orderProducts` describes it (the spec closes that object). */
export function lineBody(id: number, orderId: number, changes: Record<string, unknown> = {}) {
  return {
    ...{ id, order_id: orderId, product_id: 412, variant_id: 988, order_pickup_method_id: 0 },
    ...{ order_address_id: 77, name: 'Stoneware mug', name_customer: 'Stoneware mug' },
    ...{ name_merchant: 'Mug, stoneware, 350 ml', sku: 'MUG-350-SLT', upc: '', type: 'physical' },
    ...{ base_price: '16.0000', price_ex_tax: '16.0000', price_inc_tax: '17.2800' },
    ...{ price_tax: '1.2800', base_total: '32.0000', total_ex_tax: '32.0000' },
    ...{ total_inc_tax: '34.5600', total_tax: '2.5600', quantity: 2 },
    ...{ base_cost_price: '6.5000', cost_price_inc_tax: '6.5000', cost_price_ex_tax: '6.5000' },
    ...{ cost_price_tax: '0.0000', weight: 0.4, width: '9', height: '10', depth: '9' },
    ...{ is_refunded: false, quantity_refunded: 0, refund_amount: '0.0000', return_id: 0 },
    ...{ wrapping_id: 0, wrapping_name: null, base_wrapping_cost: '0.0000' },
    ...{ wrapping_cost_ex_tax: '0.0000', wrapping_cost_inc_tax: '0.0000' },
    ...{ wrapping_cost_tax: '0.0000', wrapping_message: '', quantity_shipped: 0 },
    ...{ event_name: null, event_date: null, fixed_shipping_cost: '0.0000' },
    ...{ ebay_item_id: '', ebay_transaction_id: '', option_set_id: null },
    ...{ parent_order_product_id: null, is_bundled_product: false, bin_picking_number: 'B-14' },
    ...{ external_id: null, brand: 'Kilnworks', gift_certificate_id: null },
    ...{ discounted_total_inc_tax: '31.1000', configurable_fields: [] },
    applied_discounts: [
      { id: 'coupon', amount: '3.4600', name: 'Spring ten', code: 'SPRING10', target: 'order' },
    ],
    product_options: [
      {
        ...{ id: 530, option_id: 21, order_product_id: id, product_option_id: 108 },
        ...{ display_name: 'Glaze', display_value: 'Slate', value: '64', type: 'Swatch' },
        ...{ name: 'Glaze', display_style: 'Swatch', display_name_customer: 'Glaze' },
        ...{ display_name_merchant: 'Glaze colour', display_value_customer: 'Slate' },
        display_value_merchant: 'Slate grey',
      },
    ],
    ...changes,
  }
}

/** A shipping consignment (numbers, not decimal strings, for money, as the spec types them). */
function shippingConsignment(lineItems: unknown) {
  return {
    ...{ id: 77, ...address, form_fields: [] },
    ...{ items_total: 3, items_shipped: 0, shipping_method: 'Ground (3-5 days)' },
    ...{ base_cost: 7.5, cost_ex_tax: 7.5, cost_inc_tax: 7.5, cost_tax: 0, cost_tax_class_id: 2 },
    ...{ base_handling_cost: 0, handling_cost_ex_tax: 0, handling_cost_inc_tax: 0 },
    ...{ handling_cost_tax: 0, handling_cost_tax_class_id: 2 },
    ...{ shipping_zone_id: 4, shipping_zone_name: 'Pacific Northwest' },
    shipping_quotes: link('/orders/1207/consignments/shipping/77/shipping_quotes'),
    line_items: lineItems,
  }
}

const pickupConsignment = (lineItems: unknown) => ({
  ...{ id: 3, pickup_method_id: 2, pickup_method_display_name: 'Collect at the studio' },
  ...{ collection_instructions: 'Ring the side bell.', collection_time_description: 'Next day' },
  location: {
    ...{ id: 5, name: 'Alder St studio', code: 'ALD', address_line_1: '9 Alder St' },
    ...{ address_line_2: '', city: 'Portland', state: 'Oregon', postal_code: '97209' },
    ...{ country_alpha2: 'US', email: 'studio@example.org', phone: '503-555-0190' },
  },
  line_items: lineItems,
})

const noConsignments = {
  ...{ pickups: [], shipping: [], downloads: [] },
  email: { gift_certificates: [] },
}
const LINE_LINK = link('/orders/1207/products/5012')
const CONSIGNMENT = 'orderConsignment_Get'

export const ORDER_EXAMPLES: Example[] = [
  {
    name: 'orders-list',
    source: from(ORDERS_SPEC, 'order_Resp (getOrders, 200)'),
    endpoint: 'GET /v2/orders',
    body: [
      orderBody(1207),
      // A guest's order in another currency, paid by a provider whose id is a number.
      orderBody(1208, {
        ...{ customer_id: 0, status_id: 10, status: 'Completed', payment_provider_id: 5521 },
        ...{ currency_id: 2, currency_code: 'EUR', currency_exchange_rate: '0.9210000000' },
        ...{ date_shipped: 'Fri, 07 Mar 2025 08:00:00 +0000', payment_status: '' },
        ...{ external_source: 'POS', external_id: 'till-4', external_merchant_id: 'm-19' },
      }),
    ],
  },
  {
    name: 'order-single-embedded',
    source: from(ORDERS_SPEC, `order_Resp with consignments as ${CONSIGNMENT} (getOrder)`),
    endpoint: 'GET /v2/orders/{order_id}',
    body: orderBody(1209, {
      consignments: {
        ...noConsignments,
        shipping: [
          shippingConsignment([lineBody(5020, 1209), lineBody(5021, 1209, { quantity: 1 })]),
        ],
      },
    }),
  },
  {
    // The spec's other branch: the embedded consignment lists its lines as links.
    name: 'order-single-link-lines',
    source: from(ORDERS_SPEC, `order_Resp with ${CONSIGNMENT}, line_items as products_Resource`),
    endpoint: 'GET /v2/orders/{order_id}',
    body: orderBody(1207, {
      consignments: { ...noConsignments, shipping: [shippingConsignment([LINE_LINK])] },
    }),
  },
  {
    // Nothing in order_Resp is required: an order without date_modified.
    name: 'order-without-date-modified',
    source: from(ORDERS_SPEC, 'order_Resp (no required properties)'),
    endpoint: 'GET /v2/orders/{order_id}',
    body: (({ date_modified: _dropped, ...rest }) => rest)(orderBody(1210)),
  },
  {
    name: 'orders-count',
    source: from(ORDERS_SPEC, 'ordersCount_Full'),
    endpoint: 'GET /v2/orders/count',
    body: {
      statuses: [
        { id: 10, name: 'Completed', system_label: 'Completed', custom_label: 'Done' },
        { id: 11, name: 'Awaiting Fulfillment', system_label: 'Awaiting Fulfillment' },
      ].map((status, i) => ({
        ...{ custom_label: status.name, system_description: '', count: 7 - i, sort_order: i },
        ...status,
      })),
      count: 13,
    },
  },
  {
    name: 'order-products',
    source: from(ORDERS_SPEC, 'orderProducts'),
    endpoint: 'GET /v2/orders/{order_id}/products',
    body: [
      lineBody(5012, 1207),
      // A gift certificate line: no options, no discounts, weight as a string.
      lineBody(5013, 1207, {
        ...{ product_id: 0, variant_id: 0, type: 'giftcertificate', weight: '0' },
        ...{ applied_discounts: [], product_options: [], gift_certificate_id: 88 },
      }),
    ],
  },
  {
    name: 'order-shipping-addresses',
    source: from(ORDERS_SPEC, 'orderShippingAddress'),
    endpoint: 'GET /v2/orders/{order_id}/shipping_addresses',
    body: [77, 78].map((id) => ({
      ...address,
      ...{ id, order_id: 1207, items_total: 2, items_shipped: 0, shipping_method: 'Ground' },
      ...{ base_cost: '7.5000', cost_ex_tax: '7.5000', cost_inc_tax: '7.5000', cost_tax: '0' },
      ...{ cost_tax_class_id: 2, base_handling_cost: '0.0000', handling_cost_ex_tax: '0.0000' },
      ...{ handling_cost_inc_tax: '0.0000', handling_cost_tax: '0.0000' },
      ...{ handling_cost_tax_class_id: 2, shipping_zone_id: 4, shipping_zone_name: 'Coast' },
      form_fields: [{ name: 'Door code', value: 4417 }],
      shipping_quotes: link(`/orders/1207/shipping_addresses/${id}/shipping_quotes`),
    })),
  },
  {
    name: 'order-coupons',
    source: from(ORDERS_SPEC, 'orderCoupons_Base'),
    endpoint: 'GET /v2/orders/{order_id}/coupons',
    body: [
      { id: 301, coupon_id: 12, order_id: 1207, code: 'SPRING10', amount: '6.4', type: 1 },
    ].map((coupon) => ({ ...coupon, discount: 10 })),
  },
  {
    name: 'consignments-shipping',
    source: from(ORDERS_SPEC, `${CONSIGNMENT}.shipping (shippingConsignment_Get)`),
    endpoint: 'GET /v2/orders/{order_id}/consignments',
    body: { ...noConsignments, shipping: [shippingConsignment([lineBody(5012, 1207)])] },
  },
  {
    name: 'consignments-pickup',
    source: from(ORDERS_SPEC, `${CONSIGNMENT}.pickups (pickupConsignment_Get)`),
    endpoint: 'GET /v2/orders/{order_id}/consignments',
    body: { ...noConsignments, pickups: [pickupConsignment([lineBody(5014, 1207)])] },
  },
  {
    name: 'consignments-pickup-link-lines',
    source: from(ORDERS_SPEC, `${CONSIGNMENT}.pickups, line_items as products_Resource`),
    endpoint: 'GET /v2/orders/{order_id}/consignments',
    body: { ...noConsignments, pickups: [pickupConsignment([LINE_LINK])] },
  },
  {
    // As the published x-example of orderConsignment_Get has it: one link object, not an array.
    name: 'consignments-digital-one-object',
    source: from(ORDERS_SPEC, `${CONSIGNMENT}.downloads (digitalConsignment_Get, x-examples)`),
    endpoint: 'GET /v2/orders/{order_id}/consignments',
    body: {
      ...noConsignments,
      downloads: [{ recipient_email: 'maren@example.org', line_items: LINE_LINK }],
    },
  },
  {
    name: 'consignments-gift-certificate',
    source: from(ORDERS_SPEC, `${CONSIGNMENT}.email (giftCertificateConsignment_Get)`),
    endpoint: 'GET /v2/orders/{order_id}/consignments',
    body: {
      ...noConsignments,
      email: {
        gift_certificates: [
          {
            recipient_email: 'friend@example.net',
            line_items: [
              lineBody(5013, 1207, { type: 'giftcertificate', gift_certificate_id: 88 }),
            ],
          },
        ],
      },
    },
  },
]
