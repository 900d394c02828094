// Seeded, deterministic test data for the simulated store: realistic field values for orders,
// products, customers and coupons, written from BigCommerce's documented shapes. Rows are cheap to
// hold (id and two timestamps) and their fields are generated on demand from (seed, id), so a
// million-row store costs little memory and builds in well under a second per resource.

export type SimResourceName = 'coupons' | 'customers' | 'orders' | 'products'

/** mulberry32: small, fast and good enough for test data. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Mix a seed with an id and a salt into a new 32-bit seed (so each row has its own stream). */
export function mixSeed(seed: number, id: number, salt: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (const part of [id, salt]) {
    h = Math.imul(h ^ part, 0x85ebca6b) >>> 0
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
    h = (h ^ (h >>> 16)) >>> 0
  }
  return h
}

const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Nils',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tomas',
]
const LAST_NAMES = [
  'Abbott',
  'Bauer',
  'Costa',
  'Diaz',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Novak',
  "O'Brien",
  'Patel',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Urban',
]
const CITIES: Array<[string, string, string]> = [
  ['Austin', 'Texas', '78701'],
  ['Portland', 'Oregon', '97205'],
  ['Denver', 'Colorado', '80202'],
  ['Boston', 'Massachusetts', '02108'],
  ['Madison', 'Wisconsin', '53703'],
  ['Raleigh', 'North Carolina', '27601'],
]
const STREETS = ['Maple Ave', 'Oak St', 'Market St', 'Elm Rd', 'Harbor Blvd', 'Cedar Ln']
const ADJECTIVES = [
  'Classic',
  'Everyday',
  'Rugged',
  'Organic',
  'Compact',
  'Deluxe',
  'Vintage',
  'Modern',
]
const MATERIALS = ['Cotton', 'Walnut', 'Steel', 'Linen', 'Ceramic', 'Leather', 'Bamboo', 'Wool']
const NOUNS = ['Tote', 'Mug', 'Lamp', 'Scarf', 'Notebook', 'Backpack', 'Planter', 'Blanket', 'Cap']
const PAYMENT_METHODS = [
  'Credit Card',
  'PayPal',
  'Cash on Delivery',
  'Bank Deposit',
  'Test Payment Gateway',
]
const COUPON_TYPES = [
  'per_item_discount',
  'percentage_discount',
  'per_total_discount',
  'shipping_discount',
  'free_shipping',
  'promotion',
]

/** Order status ids 0-14 and their labels (bigcommerce-api.md §2.1). */
export const ORDER_STATUSES = [
  'Incomplete',
  'Pending',
  'Shipped',
  'Partially Shipped',
  'Refunded',
  'Cancelled',
  'Declined',
  'Awaiting Payment',
  'Awaiting Pickup',
  'Awaiting Shipment',
  'Completed',
  'Awaiting Fulfillment',
  'Manual Verification Required',
  'Disputed',
  'Partially Refunded',
]

const pickFrom = <T>(rng: () => number, list: readonly T[]): T =>
  list[Math.floor(rng() * list.length)] as T
const money = (value: number) => value.toFixed(4)
const int = (rng: () => number, min: number, max: number) =>
  min + Math.floor(rng() * (max - min + 1))

export interface GenerateContext {
  seed: number
  /** Base of links in the data, e.g. `http://127.0.0.1:1234/stores/abc`. */
  storeUrl: string
  /** Customers that orders may point at (0 = guests only). */
  customerCount: number
}

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

/** Fields of a product other than id and dates, with every includable sub-resource present. */
export function generateProductFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 2))
  const name = `${pickFrom(rng, ADJECTIVES)} ${pickFrom(rng, MATERIALS)} ${pickFrom(rng, NOUNS)} ${id}`
  const sku = `SKU-${String(id).padStart(6, '0')}`
  const price = Math.round(rng() * 20000 + 199) / 100
  const variantCount = int(rng, 1, 3)
  const variants = Array.from({ length: variantCount }, (_, k) => ({
    id: id * 10 + k,
    product_id: id,
    sku: variantCount === 1 ? sku : `${sku}-${['S', 'M', 'L'][k]}`,
    sku_id: id * 10 + k,
    price: variantCount === 1 ? null : price,
    calculated_price: price,
    inventory_level: int(rng, 0, 200),
    is_free_shipping: false,
    purchasing_disabled: false,
    option_values:
      variantCount === 1
        ? []
        : [{ id: 70 + k, label: ['S', 'M', 'L'][k], option_id: 7, option_display_name: 'Size' }],
  }))
  const imageCount = int(rng, 0, 2)
  const images = Array.from({ length: imageCount }, (_, k) => ({
    id: id * 10 + k,
    product_id: id,
    is_thumbnail: k === 0,
    sort_order: k,
    description: '',
    url_standard: `https://cdn.example.com/products/${id}/${k}.jpg`,
    url_thumbnail: `https://cdn.example.com/products/${id}/${k}-thumb.jpg`,
  }))
  return {
    name,
    type: rng() < 0.9 ? 'physical' : 'digital',
    sku,
    description: `<p>${name}: made to last.</p>`,
    weight: Math.round(rng() * 500) / 100,
    width: 0,
    depth: 0,
    height: 0,
    price,
    cost_price: Math.round(price * 45) / 100,
    retail_price: 0,
    sale_price: 0,
    map_price: 0,
    tax_class_id: 0,
    product_tax_code: '',
    calculated_price: price,
    categories: [int(rng, 18, 40), ...(rng() < 0.3 ? [int(rng, 41, 60)] : [])],
    brand_id: int(rng, 0, 12),
    option_set_id: null,
    option_set_display: 'right',
    inventory_level: variants.reduce((sum, v) => sum + v.inventory_level, 0),
    inventory_warning_level: 5,
    inventory_tracking: variantCount === 1 ? 'product' : 'variant',
    fixed_cost_shipping_price: 0,
    is_free_shipping: false,
    is_visible: rng() < 0.9,
    is_featured: rng() < 0.05,
    related_products: [-1],
    warranty: '',
    bin_picking_number: '',
    layout_file: 'product.html',
    upc: '',
    search_keywords: '',
    availability: 'available',
    availability_description: '',
    gift_wrapping_options_type: 'any',
    gift_wrapping_options_list: [],
    sort_order: 0,
    condition: 'New',
    is_condition_shown: false,
    order_quantity_minimum: 0,
    order_quantity_maximum: 0,
    page_title: '',
    meta_keywords: [],
    meta_description: '',
    view_count: int(rng, 0, 5000),
    preorder_release_date: null,
    preorder_message: '',
    is_preorder_only: false,
    is_price_hidden: false,
    price_hidden_label: '',
    custom_url: {
      url: `/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/`,
      is_customized: false,
    },
    base_variant_id: variantCount === 1 ? id * 10 : null,
    open_graph_type: 'product',
    open_graph_title: '',
    open_graph_description: '',
    open_graph_use_meta_description: true,
    open_graph_use_product_name: true,
    open_graph_use_image: true,
    gtin: '',
    mpn: '',
    date_last_imported: null,
    reviews_rating_sum: 0,
    reviews_count: 0,
    total_sold: int(rng, 0, 300),
    variants,
    images,
    custom_fields: rng() < 0.3 ? [{ id: id * 10, name: 'Origin', value: 'Portugal' }] : [],
    bulk_pricing_rules: [],
  }
}

/** Fields of a customer other than id and dates, with every includable sub-resource present. */
export function generateCustomerFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 3))
  const first = pickFrom(rng, FIRST_NAMES)
  const last = pickFrom(rng, LAST_NAMES)
  const addressCount = int(rng, 0, 2)
  const addresses = Array.from({ length: addressCount }, (_, k) => {
    const [city, state, zip] = pickFrom(rng, CITIES)
    return {
      id: id * 10 + k,
      customer_id: id,
      first_name: first,
      last_name: last,
      company: '',
      address1: `${int(rng, 1, 9999)} ${pickFrom(rng, STREETS)}`,
      address2: '',
      city,
      state_or_province: state,
      postal_code: zip,
      country: 'United States',
      country_code: 'US',
      phone: '',
      address_type: k === 0 ? 'residential' : 'commercial',
    }
  })
  return {
    email: `${first}.${last}.${id}@example.com`.toLowerCase().replace(/'/g, ''),
    first_name: first,
    last_name: last,
    company: rng() < 0.15 ? `${last} Ltd` : '',
    phone: rng() < 0.6 ? `555-02${String(int(rng, 0, 99)).padStart(2, '0')}` : '',
    registration_ip_address: `198.51.100.${int(rng, 1, 254)}`,
    notes: '',
    tax_exempt_category: '',
    customer_group_id: rng() < 0.7 ? 0 : int(rng, 1, 3),
    address_count: addressCount,
    attribute_count: 0,
    authentication: { force_password_reset: false },
    accepts_product_review_abandoned_cart_emails: rng() < 0.5,
    origin_channel_id: 1,
    channel_ids: null,
    addresses,
    store_credit_amounts: [{ amount: rng() < 0.1 ? 25 : 0 }],
    attributes: [],
    form_fields: [],
  }
}

/** Fields of a coupon other than id and date_created (coupons have no date_modified). */
export function generateCouponFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 4))
  const type = pickFrom(rng, COUPON_TYPES)
  const isPromotion = type === 'promotion'
  return {
    name: `Coupon ${id}`,
    type,
    amount: money(
      isPromotion ? 0 : type === 'percentage_discount' ? int(rng, 5, 30) : int(rng, 5, 50),
    ),
    min_purchase: money(isPromotion ? 0 : int(rng, 0, 3) * 25),
    expires: '',
    enabled: rng() < 0.8,
    code: `SAVE-${id.toString(36).toUpperCase()}-${int(rng, 100, 999)}`,
    applies_to: isPromotion
      ? { entity: 'categories', ids: [] }
      : { entity: 'categories', ids: [0] },
    num_uses: int(rng, 0, 500),
    max_uses: rng() < 0.5 ? 0 : int(rng, 100, 1000),
    max_uses_per_customer: rng() < 0.7 ? 0 : 1,
    restricted_to: isPromotion ? [] : {},
    shipping_methods: null,
  }
}

export const FIELD_GENERATORS: Record<
  SimResourceName,
  (ctx: GenerateContext, id: number) => Record<string, unknown>
> = {
  coupons: generateCouponFields,
  customers: generateCustomerFields,
  orders: generateOrderFields,
  products: generateProductFields,
}

/** Internal row of the simulated store: times in whole Unix seconds, fields when materialised. */
export interface SimRecord {
  id: number
  created: number
  modified: number
  /** Null until a mutation materialises the row; then the full field set. */
  fields: Record<string, unknown> | null
}

export interface TimelineOptions {
  count: number
  seed: number
  /** Creation times spread evenly (by id) over [from, to]. */
  from: Date
  to: Date
  /** Share of rows modified after creation (at a random later time up to `to`). Default 0.5. */
  modifiedShare?: number
  /** A bulk import: `share` of the rows all get date_modified = `at` (the same second). */
  bulkImport?: { at: Date; share: number }
}

/** Rows 1..count with creation and modification times (whole seconds), ids ascending. */
export function generateTimeline(options: TimelineOptions): SimRecord[] {
  const rng = createRng(mixSeed(options.seed, options.count, 5))
  const from = Math.floor(options.from.getTime() / 1000)
  const to = Math.floor(options.to.getTime() / 1000)
  const span = Math.max(0, to - from)
  const modifiedShare = options.modifiedShare ?? 0.5
  const bulkAt = options.bulkImport ? Math.floor(options.bulkImport.at.getTime() / 1000) : 0
  const bulkShare = options.bulkImport?.share ?? 0
  const records = new Array<SimRecord>(options.count)
  for (let i = 0; i < options.count; i += 1) {
    const created = from + Math.floor((span * i) / Math.max(1, options.count))
    let modified = created
    if (rng() < bulkShare) modified = Math.max(created, bulkAt)
    else if (rng() < modifiedShare) modified = created + Math.floor(rng() * (to - created + 1))
    records[i] = { id: i + 1, created, modified, fields: null }
  }
  return records
}
