// Children of products and customers: a product's variants (`product_variants`) and a customer's
// addresses (`customer_addresses`). Same contract as an order's children (order-children.ts):
// keyed (store_hash, <parent>_id, id), `data` as the API returned the item, written in the
// parent's transaction, deleted with the parent by the cascading foreign key.
import {
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core'

import { bigcommerce, tz } from './common.ts'
import { customers, products } from './resources.ts'

const keyAndData = {
  store_hash: text('store_hash').notNull(),
  id: bigint('id', { mode: 'number' }).notNull(),
  data: jsonb('data').notNull(),
  synced_at: tz('synced_at').notNull().defaultNow(),
}

/** A product's variants (SKUs) with their inventory; option values stay in `data`. */
export const productVariants = bigcommerce.table(
  'product_variants',
  {
    ...keyAndData,
    product_id: bigint('product_id', { mode: 'number' }).notNull(),
    sku: text('sku'),
    price: numeric('price', { precision: 20, scale: 4 }),
    calculated_price: numeric('calculated_price', { precision: 20, scale: 4 }),
    inventory_level: integer('inventory_level'),
    purchasing_disabled: boolean('purchasing_disabled'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.product_id, t.id] }),
    foreignKey({
      columns: [t.store_hash, t.product_id],
      foreignColumns: [products.store_hash, products.id],
    }).onDelete('cascade'),
    index('product_variants_sku_idx').on(t.store_hash, t.sku),
  ],
)

/** A customer's address book (all of it, also past the 10 an embed holds). */
export const customerAddresses = bigcommerce.table(
  'customer_addresses',
  {
    ...keyAndData,
    customer_id: bigint('customer_id', { mode: 'number' }).notNull(),
    first_name: text('first_name'),
    last_name: text('last_name'),
    city: text('city'),
    state_or_province: text('state_or_province'),
    postal_code: text('postal_code'),
    country_code: text('country_code'),
    address_type: text('address_type'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.customer_id, t.id] }),
    foreignKey({
      columns: [t.store_hash, t.customer_id],
      foreignColumns: [customers.store_hash, customers.id],
    }).onDelete('cascade'),
    index('customer_addresses_country_idx').on(t.store_hash, t.country_code),
  ],
)
