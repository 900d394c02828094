// The Orders v2 components the mirror reads, described by hand from `reference/orders.v2.oas2.yml`
// of bigcommerce/docs at 24f580ca (component names as there; allOf parts written as one object).
// Money is a decimal string on orders and their lines, a number on consignments, as the spec says.
import { either, list, values, type Components, type JsonSchema } from './notation.ts'

const COUNTRY_ADDRESS = {
  first_name: 'str',
  last_name: 'str',
  company: 'str',
  street_1: 'str',
  street_2: 'str',
  city: 'str',
  state: 'str',
  zip: 'str',
  country: 'str',
  country_iso2: 'str',
  phone: 'str',
  email: 'str',
} as const

const SHIPPING_COSTS = (money: 'str' | 'num') => ({
  items_total: 'num',
  items_shipped: 'num',
  shipping_method: 'str',
  base_cost: money,
  cost_ex_tax: money,
  cost_inc_tax: money,
  cost_tax: money,
  cost_tax_class_id: 'int',
  base_handling_cost: money,
  handling_cost_ex_tax: money,
  handling_cost_inc_tax: money,
  handling_cost_tax: money,
  handling_cost_tax_class_id: 'int',
  shipping_zone_id: 'num',
  shipping_zone_name: 'str',
})

const PAYMENT_STATUSES = values(
  ...['authorized', 'captured', 'capture pending', 'declined', 'held for review', 'paid'],
  ...['partially refunded', 'pending', 'refunded', 'void', 'void pending', ''],
)

const link = ({ component }: Components, name: string) =>
  component(name, { url: 'str', resource: 'str' })

/** `orderProducts` and its parts, and the form fields addresses carry. */
function lineSchemas(c: Components) {
  const { component } = c
  const formFields = component('formFields', {
    name: 'str',
    value: either('num', 'str', list('any')),
  })
  const option = component('orderProductOptions', {
    ...{ id: 'int', option_id: 'int', order_product_id: 'int', product_option_id: 'int' },
    ...{ display_name: 'str', display_value: 'str', value: 'str', name: 'str' },
    type: values(
      ...['Checkbox', 'Date field', 'File Upload', 'Multi-line text field', 'Multiple choice'],
      ...['Product Pick List', 'Swatch', 'Text field'],
    ),
    display_style: 'str',
    display_name_customer: 'str',
    display_name_merchant: 'str',
    display_value_customer: 'str',
    display_value_merchant: 'str',
  })
  const discount = component('orderProductAppliedDiscounts', {
    id: 'str',
    amount: 'str',
    name: 'str',
    code: 'str?',
    target: values('order', 'product'),
  })
  const orderProduct = component(
    'orderProducts',
    {
      ...{ id: 'int', order_id: 'int', product_id: 'int', variant_id: 'int' },
      ...{ order_pickup_method_id: 'int', order_address_id: 'int' },
      ...{ name: 'str', name_customer: 'str', name_merchant: 'str', sku: 'str', upc: 'str' },
      type: values('physical', 'digital', 'giftcertificate'),
      ...{ base_price: 'str', price_ex_tax: 'str', price_inc_tax: 'str', price_tax: 'str' },
      ...{ base_total: 'str', total_ex_tax: 'str', total_inc_tax: 'str', total_tax: 'str' },
      quantity: 'int',
      ...{ base_cost_price: 'str', cost_price_inc_tax: 'str', cost_price_ex_tax: 'str' },
      cost_price_tax: 'str',
      weight: either('num', 'str'),
      ...{ width: 'str', height: 'str', depth: 'str' },
      ...{ is_refunded: 'bool', quantity_refunded: 'num', refund_amount: 'str', return_id: 'num' },
      ...{ wrapping_id: 'int', wrapping_name: 'str?', base_wrapping_cost: either('str', 'num') },
      ...{ wrapping_cost_ex_tax: 'str', wrapping_cost_inc_tax: 'str', wrapping_cost_tax: 'str' },
      wrapping_message: 'str',
      quantity_shipped: 'num',
      event_name: 'str?',
      event_date: either({ type: 'string', format: 'date' }, { type: 'null' }),
      ...{ fixed_shipping_cost: 'str', ebay_item_id: 'str', ebay_transaction_id: 'str' },
      ...{ option_set_id: 'int?', parent_order_product_id: 'int?', is_bundled_product: 'bool' },
      ...{ bin_picking_number: 'str', external_id: 'str?', brand: 'str' },
      applied_discounts: list(discount),
      product_options: list(option),
      configurable_fields: list(
        component('orderProducts.configurable_fields', { name: 'str', value: 'str' }),
      ),
      gift_certificate_id: 'int?',
      discounted_total_inc_tax: 'str',
    },
    { closed: true },
  )
  return { formFields, orderProduct }
}

/** The four consignment kinds and `orderConsignment_Get`, which embeds them. */
function consignmentSchemas(c: Components, formFields: JsonSchema, lineItems: JsonSchema) {
  const { component } = c
  const shipping = component('shippingConsignment_Get', {
    ...{ id: 'int', ...COUNTRY_ADDRESS, ...SHIPPING_COSTS('num') },
    form_fields: list(formFields),
    line_items: lineItems,
    shipping_quotes: link(c, 'shippingQuotesConsignment_Resource'),
  })
  const location = component('pickupConsignmentLocation_Get', {
    ...{ id: 'int', name: 'str', code: 'str', address_line_1: 'str', address_line_2: 'str' },
    ...{ city: 'str', state: 'str', postal_code: 'str', country_alpha2: 'str' },
    ...{ email: 'str', phone: 'str' },
  })
  const pickup = component('pickupConsignment_Get', {
    ...{ id: 'int', pickup_method_id: 'int', pickup_method_display_name: 'str' },
    ...{ collection_instructions: 'str', collection_time_description: 'str' },
    location,
    line_items: lineItems,
  })
  const digital = component('digitalConsignment_Get', {
    recipient_email: 'str',
    line_items: lineItems,
  })
  const gift = component('giftCertificateConsignment_Get', {
    recipient_email: 'str',
    line_items: lineItems,
  })
  return component('orderConsignment_Get', {
    pickups: list(pickup),
    shipping: list(shipping),
    downloads: list(digital, 1),
    email: component('orderConsignment_Get.email', { gift_certificates: list(gift) }),
  })
}

export function orderSchemas(c: Components) {
  const { component } = c
  const { formFields, orderProduct } = lineSchemas(c)
  const lineItems = either(list(link(c, 'products_Resource')), list(orderProduct))
  const shippingAddress = component('orderShippingAddress', {
    ...{ id: 'int', order_id: 'int', ...COUNTRY_ADDRESS, ...SHIPPING_COSTS('str') },
    form_fields: list(formFields),
    shipping_quotes: link(c, 'shippingQuotes_Resource'),
  })
  const coupon = component('orderCoupons_Base', {
    ...{ id: 'int', coupon_id: 'int', order_id: 'int', code: 'str?' },
    amount: either('str', 'num'),
    type: values(0, 1, 2, 3, 4, 5),
    discount: 'num',
  })
  const consignments = consignmentSchemas(c, formFields, lineItems)
  const order = component('order_Resp', {
    ...{ id: 'int', customer_id: 'num', status_id: 'int', status: 'str', cart_id: 'str' },
    ...{ date_created: 'str', date_modified: 'str', date_shipped: 'str' },
    ...{ subtotal_ex_tax: 'str', subtotal_inc_tax: 'str', subtotal_tax: 'str' },
    ...{ base_shipping_cost: 'str', shipping_cost_ex_tax: 'str', shipping_cost_inc_tax: 'str' },
    ...{ shipping_cost_tax: 'str', shipping_cost_tax_class_id: 'int' },
    ...{ base_handling_cost: 'str', handling_cost_ex_tax: 'str', handling_cost_inc_tax: 'str' },
    ...{ handling_cost_tax: 'str', handling_cost_tax_class_id: 'int' },
    ...{ base_wrapping_cost: 'str', wrapping_cost_ex_tax: 'str', wrapping_cost_inc_tax: 'str' },
    ...{ wrapping_cost_tax: 'str', wrapping_cost_tax_class_id: 'int' },
    ...{ total_ex_tax: 'str', total_inc_tax: 'str', total_tax: 'str' },
    ...{ items_total: 'num', items_shipped: 'num', payment_method: 'str' },
    payment_provider_id: either('str', 'num'),
    payment_status: PAYMENT_STATUSES,
    ...{ refunded_amount: 'str', order_is_digital: 'bool', store_credit_amount: 'str' },
    ...{ gift_certificate_amount: 'str', ip_address: 'str', ip_address_v6: 'str' },
    ...{ geoip_country: 'str', geoip_country_iso2: 'str' },
    ...{ currency_id: 'int', currency_code: 'str', currency_exchange_rate: 'str' },
    ...{ default_currency_id: 'int', default_currency_code: 'str' },
    ...{ store_default_currency_code: 'str', store_default_to_transactional_exchange_rate: 'str' },
    ...{ staff_notes: 'str', customer_message: 'str', discount_amount: 'str' },
    ...{ coupon_discount: 'str', shipping_address_count: 'num', is_deleted: 'bool' },
    ...{ ebay_order_id: 'str', is_tax_inclusive_pricing: 'bool', is_email_opt_in: 'bool' },
    ...{ order_source: 'str', channel_id: 'int', tax_provider_id: 'str', customer_locale: 'str' },
    ...{ external_source: 'str?', external_id: 'str?', external_merchant_id: 'str?' },
    external_order_id: 'str',
    billing_address: component(
      'billingAddress_Resp',
      { ...COUNTRY_ADDRESS, form_fields: list(formFields) },
      { required: ['zip'] },
    ),
    products: link(c, 'products_Resource'),
    shipping_addresses: link(c, 'shippingAddresses_Resource'),
    coupons: link(c, 'coupons_Resource'),
    consignments: either(link(c, 'orderConsignments_Resource'), consignments),
    fees: either(link(c, 'orderFees_Resource'), list('any')),
  })
  const status = component('ordersCountStatus', {
    ...{ id: 'int', name: 'str', system_label: 'str', custom_label: 'str' },
    ...{ system_description: 'str', count: 'int', sort_order: 'int' },
  })
  return {
    order,
    order_product: orderProduct,
    order_shipping_address: shippingAddress,
    order_coupon: coupon,
    order_consignments: consignments,
    orders_count: component('ordersCount_Full', { statuses: list(status), count: 'num' }),
  }
}
