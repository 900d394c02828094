// The resource tables. They share one shape: `(store_hash, id)` key, `date_modified` (null for
// the tables listed whole, which have none), `data` holding the resource exactly as the API returned it, a few
// typed columns apps filter on, and `synced_at` (when the mirror last wrote the row).
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core'

import { bigcommerce, tz } from './common.ts'

const resourceColumns = {
  store_hash: text('store_hash').notNull(),
  id: bigint('id', { mode: 'number' }).notNull(),
  date_modified: tz('date_modified'),
  data: jsonb('data').notNull(),
  synced_at: tz('synced_at').notNull().defaultNow(),
}

export const coupons = bigcommerce.table(
  'coupons',
  {
    ...resourceColumns,
    code: text('code'),
    name: text('name'),
    type: text('type'),
    enabled: boolean('enabled'),
    date_created: tz('date_created'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.id] }),
    index('coupons_code_idx').on(t.store_hash, t.code),
  ],
)

export const customers = bigcommerce.table(
  'customers',
  {
    ...resourceColumns,
    email: text('email'),
    first_name: text('first_name'),
    last_name: text('last_name'),
    customer_group_id: integer('customer_group_id'),
    date_created: tz('date_created'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.id] }),
    index('customers_date_modified_idx').on(t.store_hash, t.date_modified),
    index('customers_email_idx').on(t.store_hash, t.email),
  ],
)

export const orders = bigcommerce.table(
  'orders',
  {
    ...resourceColumns,
    customer_id: bigint('customer_id', { mode: 'number' }),
    status_id: integer('status_id'),
    is_deleted: boolean('is_deleted'),
    total_inc_tax: numeric('total_inc_tax', { precision: 20, scale: 4 }),
    currency_code: text('currency_code'),
    date_created: tz('date_created'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.id] }),
    index('orders_date_modified_idx').on(t.store_hash, t.date_modified),
    index('orders_customer_id_idx').on(t.store_hash, t.customer_id),
    index('orders_status_id_idx').on(t.store_hash, t.status_id),
    index('orders_date_created_idx').on(t.store_hash, t.date_created),
  ],
)

export const products = bigcommerce.table(
  'products',
  {
    ...resourceColumns,
    sku: text('sku'),
    name: text('name'),
    is_visible: boolean('is_visible'),
    price: numeric('price', { precision: 20, scale: 4 }),
    inventory_level: integer('inventory_level'),
    date_created: tz('date_created'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.id] }),
    index('products_date_modified_idx').on(t.store_hash, t.date_modified),
    index('products_sku_idx').on(t.store_hash, t.sku),
  ],
)

export const categories = bigcommerce.table(
  'categories',
  {
    ...resourceColumns,
    parent_id: bigint('parent_id', { mode: 'number' }),
    name: text('name'),
    is_visible: boolean('is_visible'),
    sort_order: integer('sort_order'),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.id] }),
    index('categories_parent_id_idx').on(t.store_hash, t.parent_id),
  ],
)

export const brands = bigcommerce.table(
  'brands',
  {
    ...resourceColumns,
    name: text('name'),
  },
  (t) => [primaryKey({ columns: [t.store_hash, t.id] })],
)

/** Every resource table by its name: the one list of them (a table added above joins it here). */
export const resourceTables = {
  coupons,
  customers,
  orders,
  products,
  categories,
  brands,
} as const
export type ResourceName = keyof typeof resourceTables
/** The names, derived from the tables: src/resources/index.ts declares one resource per name. */
export const RESOURCE_NAMES = Object.keys(resourceTables) as readonly ResourceName[]
