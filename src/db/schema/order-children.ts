// The tables of an order's children (line items, shipping addresses, coupons), written with the order.
import {
  bigint,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  primaryKey,
  text,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core'

import { bigcommerce, tz } from './common.ts'
import { orders } from './resources.ts'

// An order's children: keyed (store_hash, order_id, id), `data` as the API returned the item.
// They are written in the order's transaction, and the foreign key deletes them with the order.
const childColumns = {
  store_hash: text('store_hash').notNull(),
  order_id: bigint('order_id', { mode: 'number' }).notNull(),
  id: bigint('id', { mode: 'number' }).notNull(),
  data: jsonb('data').notNull(),
  synced_at: tz('synced_at').notNull().defaultNow(),
}

const cascadeWithOrder = (t: { store_hash: AnyPgColumn; order_id: AnyPgColumn }) =>
  foreignKey({
    columns: [t.store_hash, t.order_id],
    foreignColumns: [orders.store_hash, orders.id],
  }).onDelete('cascade')

/** The order's line items (`/orders/{id}/products` items, or the same embedded in consignments). */
export const orderProducts = bigcommerce.table(
  'order_products',
  {
    ...childColumns,
    product_id: bigint('product_id', { mode: 'number' }),
    variant_id: bigint('variant_id', { mode: 'number' }),
    sku: text('sku'),
    name: text('name'),
    quantity: integer('quantity'),
    price_inc_tax: numeric('price_inc_tax', { precision: 20, scale: 4 }),
    total_inc_tax: numeric('total_inc_tax', { precision: 20, scale: 4 }),
    order_address_id: bigint('order_address_id', { mode: 'number' }),
    type: text('type'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.order_id, t.id] }),
    cascadeWithOrder(t),
    index('order_products_sku_idx').on(t.store_hash, t.sku),
    index('order_products_product_id_idx').on(t.store_hash, t.product_id),
  ],
)

/** Where the order ships: one row per shipping address (a shipping consignment). */
export const orderShippingAddresses = bigcommerce.table(
  'order_shipping_addresses',
  {
    ...childColumns,
    first_name: text('first_name'),
    last_name: text('last_name'),
    city: text('city'),
    state: text('state'),
    zip: text('zip'),
    country_iso2: text('country_iso2'),
    email: text('email'),
    shipping_method: text('shipping_method'),
    /** The consignment's id when the row came from one (null from /shipping_addresses). */
    consignment_id: bigint('consignment_id', { mode: 'number' }),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.order_id, t.id] }),
    cascadeWithOrder(t),
    index('order_shipping_addresses_country_idx').on(t.store_hash, t.country_iso2),
  ],
)

/** Coupons applied to the order (`/orders/{id}/coupons`). */
export const orderCoupons = bigcommerce.table(
  'order_coupons',
  {
    ...childColumns,
    coupon_id: bigint('coupon_id', { mode: 'number' }),
    code: text('code'),
    type: integer('type'),
    amount: numeric('amount', { precision: 20, scale: 4 }),
    discount: numeric('discount', { precision: 20, scale: 4 }),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.order_id, t.id] }),
    cascadeWithOrder(t),
    index('order_coupons_code_idx').on(t.store_hash, t.code),
  ],
)

export const orderChildTables = {
  order_products: orderProducts,
  order_shipping_addresses: orderShippingAddresses,
  order_coupons: orderCoupons,
} as const
export type OrderChildTable = keyof typeof orderChildTables
