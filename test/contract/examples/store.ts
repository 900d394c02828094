// Coupons, customers, products, hooks and the app token exchange in the project's own values,
// shaped as the published specs say (docs/bigcommerce-api.md, "Contract fixtures").
import { from, type Example } from './source.ts'

const MARKETING = 'reference/marketing.v2.yml'
const CUSTOMERS = 'reference/customers.v3.yml'
const CATALOG = 'reference/catalog/products_catalog.v3.yml'
const WEBHOOKS = 'reference/webhooks.v3.yml'

const percentOff = {
  ...{ id: 12, name: 'Spring ten', type: 'percentage_discount', amount: '10.0000' },
  ...{ min_purchase: '25.0000', expires: 'Mon, 30 Jun 2025 23:59:59 +0000', enabled: true },
  ...{ code: 'SPRING10', applies_to: { entity: 'categories', ids: [0] }, num_uses: 41 },
  ...{ max_uses: 500, max_uses_per_customer: 1, restricted_to: { countries: 'US' } },
  ...{ shipping_methods: ['shipping_flatrate'], date_created: 'Sat, 01 Mar 2025 10:00:00 +0000' },
}

const pagination = (total: number, count: number) => ({
  ...{ total, count, per_page: 50, current_page: 1, total_pages: 1 },
  links: { current: '?page=1&limit=50' },
})

const customer = {
  ...{ id: 31, email: 'maren@example.org', first_name: 'Maren', last_name: 'Holt' },
  ...{ company: 'Holt Ceramics', phone: '503-555-0142', registration_ip_address: '' },
  ...{ notes: '', tax_exempt_category: '', customer_group_id: 0 },
  ...{ date_created: '2024-11-02T15:20:11Z', date_modified: '2025-03-06T17:45:03Z' },
  ...{ address_count: 1, attribute_count: 1, authentication: { force_password_reset: false } },
  addresses: [
    {
      ...{ id: 77, customer_id: 31, first_name: 'Maren', last_name: 'Holt', company: '' },
      ...{ address1: '48 Quarry Lane', address2: 'Unit 3', city: 'Portland' },
      ...{ state_or_province: 'Oregon', postal_code: '97205', country: 'United States' },
      ...{ country_code: 'US', phone: '', address_type: 'residential', form_fields: [] },
    },
  ],
  attributes: [
    {
      ...{ id: 4, attribute_id: 2, attribute_value: 'wholesale', customer_id: 31 },
      ...{ date_created: '2024-11-02T15:20:11Z', date_modified: '2024-11-02T15:20:11Z' },
    },
  ],
  form_fields: [{ name: 'Studio size', value: 3, customer_id: 31 }],
  store_credit_amounts: [{ amount: 12.5 }],
  ...{ accepts_product_review_abandoned_cart_emails: true, origin_channel_id: 1 },
  channel_ids: [1],
}

const product = {
  ...{ id: 412, name: 'Stoneware mug', type: 'physical', sku: 'MUG-350' },
  ...{ description: '<p>Thrown by hand.</p>', weight: 0.4, width: 9, depth: 9, height: 10 },
  ...{ price: 16, cost_price: 6.5, retail_price: 18, sale_price: 0, map_price: 0 },
  ...{ tax_class_id: 0, product_tax_code: '', calculated_price: 16, categories: [23, 31] },
  ...{ brand_id: 7, option_set_id: 14, option_set_display: 'right', inventory_level: 0 },
  ...{ inventory_warning_level: 0, inventory_tracking: 'variant', fixed_cost_shipping_price: 0 },
  ...{ is_free_shipping: false, is_visible: true, is_featured: false, related_products: [-1] },
  ...{ warranty: '', bin_picking_number: '', layout_file: 'product.html', upc: '' },
  ...{ search_keywords: 'mug, cup', availability: 'available', availability_description: '' },
  ...{ gift_wrapping_options_type: 'any', gift_wrapping_options_list: [], sort_order: 0 },
  ...{ condition: 'New', is_condition_shown: false, order_quantity_minimum: 0 },
  ...{ order_quantity_maximum: 0, page_title: '', meta_keywords: [], meta_description: '' },
  ...{ view_count: 214, preorder_release_date: null, preorder_message: '' },
  ...{ is_preorder_only: false, is_price_hidden: false, price_hidden_label: '' },
  custom_url: { url: '/stoneware-mug/', is_customized: false, create_redirect: false },
  ...{ base_variant_id: 988, open_graph_type: 'product', open_graph_title: '' },
  ...{ open_graph_description: '', open_graph_use_meta_description: true },
  ...{ open_graph_use_product_name: true, open_graph_use_image: true, gtin: '', mpn: '' },
  ...{ date_last_imported: '', reviews_rating_sum: 9, reviews_count: 2, total_sold: 57 },
  ...{ date_created: '2024-09-12T08:00:00+00:00', date_modified: '2025-02-27T19:31:05+00:00' },
  custom_fields: [{ id: 3, name: 'Clay', value: 'Stoneware' }],
  bulk_pricing_rules: [{ id: 2, quantity_min: 6, quantity_max: 0, type: 'percent', amount: 5 }],
  images: [
    {
      ...{ id: 90, product_id: 412, is_thumbnail: true, sort_order: 1, description: '' },
      ...{ image_url: '', url_zoom: 'https://cdn.example.org/mug-zoom.jpg', url_tiny: '' },
      ...{ url_standard: 'https://cdn.example.org/mug.jpg', url_thumbnail: '' },
      date_modified: '2025-01-10T12:00:00+00:00',
    },
  ],
  variants: [
    {
      ...{ id: 988, product_id: 412, sku: 'MUG-350-SLT', sku_id: 131, price: null },
      ...{ calculated_price: 16, inventory_level: 8, is_free_shipping: false },
      ...{ purchasing_disabled: false, upc: '', mpn: '', gtin: '' },
      option_values: [{ id: 64, label: 'Slate', option_id: 21, option_display_name: 'Glaze' }],
    },
  ],
  channels: [1],
}

export const STORE_EXAMPLES: Example[] = [
  {
    name: 'coupons-list',
    source: from(MARKETING, 'coupon_Full (getCoupons)'),
    endpoint: 'GET /v2/coupons',
    body: [
      percentOff,
      // A promotion's coupon: "restricted_to: []" and "shipping_methods : null" (getCoupons,
      // Usage Notes), and no date_created.
      {
        ...{ id: 13, name: 'Second mug half price', type: 'promotion', amount: '0.0000' },
        ...{ min_purchase: '0.0000', expires: '', enabled: true, code: 'HALFMUG' },
        ...{ applies_to: { entity: 'products', ids: [412] }, num_uses: 0, max_uses: 0 },
        ...{ max_uses_per_customer: 0, restricted_to: [], shipping_methods: null },
      },
    ],
  },
  {
    name: 'coupons-count',
    source: from(MARKETING, 'getCouponsCount, 200'),
    endpoint: 'GET /v2/coupons/count',
    body: { count: 2 },
  },
  {
    name: 'customers-list',
    source: from(CUSTOMERS, 'customer_Full in GetCustomerCollectionResponse'),
    endpoint: 'GET /v3/customers',
    body: {
      data: [
        customer,
        // Nothing in customer_Full is required: one without id or date_modified.
        { email: 'walk-in@example.net', first_name: 'Teo', last_name: 'Ruiz', channel_ids: [] },
      ],
      meta: { pagination: pagination(2, 2) },
    },
  },
  {
    name: 'products-list',
    source: from(CATALOG, 'product_Full in getProducts, 200'),
    endpoint: 'GET /v3/catalog/products',
    body: {
      data: [
        product,
        // `id` is read-only and not required: a product answer without one.
        (({ id: _dropped, ...rest }) => ({ ...rest, sku: 'JUG-1L' }))(product),
      ],
      meta: { pagination: pagination(2, 2) },
    },
  },
  {
    name: 'product-single',
    source: from(CATALOG, 'product_Full in getProductById, 200'),
    endpoint: 'GET /v3/catalog/products/{product_id}',
    body: { data: { ...product, id: 413, sku: 'BOWL-S', variants: [] }, meta: {} },
  },
  {
    name: 'hooks-list',
    source: from(WEBHOOKS, 'webhooks_Resp'),
    endpoint: 'GET /v3/hooks',
    body: {
      data: [
        {
          ...{ id: 24001, client_id: 'k3v9mirror', store_hash: 'q7w2e9', scope: 'store/order/*' },
          ...{ destination: 'https://mirror.example.org/webhooks/bigcommerce', is_active: true },
          ...{ headers: { 'X-Webhook-Secret': 'example-secret' }, created_at: 1741250000 },
          updated_at: 1741250000,
        },
      ],
      meta: { pagination: pagination(1, 1) },
    },
  },
  {
    name: 'hook-created',
    source: from(WEBHOOKS, 'webhook_Resp (createWebhooks, 200)'),
    endpoint: 'POST /v3/hooks',
    body: {
      data: {
        ...{ id: 24002, client_id: 'k3v9mirror', store_hash: 'q7w2e9', scope: 'store/sku/*' },
        ...{ destination: 'https://mirror.example.org/webhooks/bigcommerce', is_active: true },
        ...{ headers: null, created_at: 1741250100, updated_at: 1741250100 },
      },
      meta: {},
    },
  },
  {
    // The answer's fields as the guide lists them; `context` is "stores/{store_hash}".
    name: 'token-exchange',
    source: from('docs/integrations/apps/guide/auth.mdx', 'Receiving the access_token response'),
    endpoint: 'POST https://login.bigcommerce.com/oauth2/token',
    body: {
      ...{ access_token: 'tok-4f8a2c9e1b7d', context: 'stores/q7w2e9' },
      scope: [
        ...['store_v2_orders_read_only', 'store_v2_products_read_only'],
        ...['store_v2_customers_read_only', 'store_v2_marketing_read_only'],
      ].join(' '),
      user: { id: 90210, username: 'owner@example.org', email: 'owner@example.org' },
      owner: { id: 90210, username: 'owner@example.org', email: 'owner@example.org' },
      account_uuid: '0d5b6c1e-2f3a-4b5c-8d7e-9f0a1b2c3d4e',
    },
  },
]
