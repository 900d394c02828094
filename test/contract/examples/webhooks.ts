// Webhook deliveries for the scopes the mirror subscribes (and one it does not), in the project's
// own values, shaped as the payload forms of `docs/integrations/webhooks/events/index.mdx` say
// (docs/bigcommerce-api.md, "Contract fixtures").
import { from, type Source } from './source.ts'

export interface Delivery {
  source: Source
  body: { scope: string; data: Record<string, unknown> } & Record<string, unknown>
  /** The mirrored row the delivery refreshes, or null when its scope refreshes none. */
  refreshes: { table: 'orders' | 'customers' | 'products' | 'categories'; id: number } | null
}

const EVENTS = 'docs/integrations/webhooks/events/index.mdx'
let serial = 0

function delivery(
  section: string,
  scope: string,
  data: Record<string, unknown>,
  refreshes: Delivery['refreshes'],
): Delivery {
  serial += 1
  const body = {
    ...{ scope, store_id: '4410927', data },
    hash: `${serial.toString(16).padStart(8, '0')}c0ntract${'0'.repeat(24)}`,
    ...{ created_at: 1741262400 + serial, producer: 'stores/q7w2e9' },
  }
  return { source: from(EVENTS, section), body, refreshes }
}

const order = (id: number, extra: Record<string, unknown> = {}) => ({ type: 'order', id, ...extra })
const product = (id: number, extra: Record<string, unknown> = {}) => ({
  ...{ type: 'product', id },
  ...extra,
})
const sku = (id: number, productId: number, key: 'sku' | 'inventory', extra = {}) => ({
  ...{ type: 'sku', id },
  [key]: { product_id: productId, variant_id: id + 500, ...extra },
})

export const DELIVERIES: Delivery[] = [
  delivery('Orders', 'store/order/created', order(1207), { table: 'orders', id: 1207 }),
  delivery('Orders', 'store/order/updated', order(1207), { table: 'orders', id: 1207 }),
  delivery('Orders', 'store/order/archived', order(1190), { table: 'orders', id: 1190 }),
  delivery(
    'Orders',
    'store/order/statusUpdated',
    order(1208, { status: { previous_status_id: 11, new_status_id: 2 } }),
    { table: 'orders', id: 1208 },
  ),
  delivery(
    'Orders',
    'store/order/message/created',
    order(1209, { message: { order_message_id: 6 } }),
    { table: 'orders', id: 1209 },
  ),
  delivery('Orders', 'store/order/refund/created', order(1210, { refund: { refund_id: 2 } }), {
    table: 'orders',
    id: 1210,
  }),
  // The order id is a string in order_id here, not `id`.
  delivery(
    'Orders (transaction payload)',
    'store/order/transaction/created',
    {
      ...{ type: 'transaction', order_id: '1211', transaction_id: 'tx-5510' },
      ...{ transaction_status: 'complete', transaction_type: 'capture' },
      result: { code: 'captured', message: 'Captured', type: 'success' },
    },
    { table: 'orders', id: 1211 },
  ),
  delivery(
    'Orders (metafield payload)',
    'store/order/metafield/updated',
    { metafield_id: 31, resource_id: '1212' },
    { table: 'orders', id: 1212 },
  ),
  // A shipment names its order as data.orderId; shipping changes the order's lines.
  delivery(
    'Shipments',
    'store/shipment/created',
    { type: 'shipment', id: 41, orderId: 1213 },
    {
      table: 'orders',
      id: 1213,
    },
  ),
  delivery(
    'Customers',
    'store/customer/created',
    { type: 'customer', id: 31 },
    {
      table: 'customers',
      id: 31,
    },
  ),
  delivery(
    'Customers',
    'store/customer/updated',
    { type: 'customer', id: 32 },
    {
      table: 'customers',
      id: 32,
    },
  ),
  delivery(
    'Customers',
    'store/customer/deleted',
    { type: 'customer', id: 33 },
    {
      table: 'customers',
      id: 33,
    },
  ),
  // Category events carry the category in `id` (data.type 'category').
  delivery(
    'Categories',
    'store/category/created',
    { type: 'category', id: 18 },
    {
      table: 'categories',
      id: 18,
    },
  ),
  delivery(
    'Categories',
    'store/category/deleted',
    { type: 'category', id: 19 },
    {
      table: 'categories',
      id: 19,
    },
  ),
  // Address events carry the address in `id` and its customer in address.customer_id.
  delivery(
    'Customers',
    'store/customer/address/updated',
    { type: 'customer', id: 77, address: { customer_id: 31 } },
    { table: 'customers', id: 31 },
  ),
  delivery('Products', 'store/product/created', product(412), { table: 'products', id: 412 }),
  delivery('Products', 'store/product/updated', product(413), { table: 'products', id: 413 }),
  delivery('Products', 'store/product/deleted', product(414), { table: 'products', id: 414 }),
  delivery(
    'Products',
    'store/product/inventory/order/updated',
    product(415, { inventory: { product_id: 415, method: 'relative', value: -2 } }),
    { table: 'products', id: 415 },
  ),
  delivery(
    'Products',
    'store/product/inventory/updated',
    product(417, { inventory: { product_id: 417, method: 'absolute', value: 40 } }),
    { table: 'products', id: 417 },
  ),
  // Metafield events name the product, as a string, in resource_id.
  delivery(
    'Products (product metafield payload)',
    'store/product/metafield/created',
    { metafield_id: 9, resource_id: '418', resource_type: 'product' },
    { table: 'products', id: 418 },
  ),
  // SKU events carry the variant in `id`; the product is in sku (or inventory).product_id.
  delivery('SKUs', 'store/sku/updated', sku(988, 412, 'sku'), { table: 'products', id: 412 }),
  delivery(
    'SKUs',
    'store/sku/inventory/updated',
    sku(989, 416, 'inventory', { method: 'absolute', value: 12 }),
    { table: 'products', id: 416 },
  ),
  delivery(
    'SKUs',
    'store/sku/inventory/order/updated',
    sku(990, 419, 'inventory', { method: 'relative', value: -1 }),
    { table: 'products', id: 419 },
  ),
  delivery('Carts', 'store/cart/created', { type: 'cart', id: 'c0ffee00-cart-0001' }, null),
]
