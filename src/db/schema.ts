// The mirror's tables, all in the PostgreSQL schema `bigcommerce`. This file is the source of
// truth: `npm run db:generate` turns changes into a new migration under drizzle/.
//
// The four resource tables share one shape: `(store_hash, id)` key, `date_modified` (null for
// coupons, which have none), `data` holding the resource exactly as the API returned it, a few
// typed columns apps filter on, and `synced_at` (when the mirror last wrote the row).
// Column keys are the SQL names so that the write path can map rows to columns directly.
import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core'

export const bigcommerce = pgSchema('bigcommerce')

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

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

/** Rows deleted in the store. Also the guard that stops a stale read resurrecting a row. */
export const deletions = bigcommerce.table(
  'deletions',
  {
    store_hash: text('store_hash').notNull(),
    resource: text('resource').notNull(),
    id: bigint('id', { mode: 'number' }).notNull(),
    deleted_at: tz('deleted_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.resource, t.id] }),
    index('deletions_deleted_at_idx').on(t.store_hash, t.deleted_at),
  ],
)

/**
 * Objects the API returned that the mirror could not store (no id, no date_modified, a date far in
 * the future, a value PostgreSQL refuses), with the reason. One entry per id (or, for an object
 * without an id, per distinct raw text); the next read of the id retries it, and a stored row
 * clears its entry. `raw` is the JSON text as received: text, because jsonb refuses some of what
 * lands here (a NUL in a string).
 */
export const rejectedRows = bigcommerce.table(
  'rejected_rows',
  {
    store_hash: text('store_hash').notNull(),
    resource: text('resource').notNull(),
    id: bigint('id', { mode: 'number' }),
    reason: text('reason').notNull(),
    raw: text('raw').notNull(),
    fingerprint: text('fingerprint')
      .notNull()
      .generatedAlwaysAs(sql`coalesce(id::text, 'md5:' || md5(raw))`),
    first_seen_at: tz('first_seen_at').notNull().defaultNow(),
    last_seen_at: tz('last_seen_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('rejected_rows_key').on(t.store_hash, t.resource, t.fingerprint)],
)

/** Per store and table: the sweep cursor, a resumable checkpoint, and the last run's outcome. */
export const syncState = bigcommerce.table(
  'sync_state',
  {
    store_hash: text('store_hash').notNull(),
    table_name: text('table_name').notNull(),
    cursor: tz('cursor'),
    checkpoint: jsonb('checkpoint'),
    last_started_at: tz('last_started_at'),
    last_finished_at: tz('last_finished_at'),
    last_success_at: tz('last_success_at'),
    last_status: text('last_status'),
    last_error: text('last_error'),
    last_summary: jsonb('last_summary'),
  },
  (t) => [primaryKey({ columns: [t.store_hash, t.table_name] })],
)

/** The durable webhook inbox, deduplicated per store on BigCommerce's payload hash. */
export const webhookEvents = bigcommerce.table(
  'webhook_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    store_hash: text('store_hash').notNull(),
    hash: text('hash').notNull(),
    scope: text('scope').notNull(),
    resource: text('resource'),
    resource_id: bigint('resource_id', { mode: 'number' }),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    received_at: tz('received_at').notNull().defaultNow(),
    available_at: tz('available_at').notNull().defaultNow(),
    locked_until: tz('locked_until'),
    processed_at: tz('processed_at'),
    last_error: text('last_error'),
    /** Later reads made to confirm a not-found (or a deleted event the store still answered). */
    rechecks: integer('rechecks').notNull().default(0),
  },
  (t) => [
    // What the event targets, not the hash alone: BigCommerce's hash is of the payload's data,
    // which two events on different scopes or ids could share.
    unique('webhook_events_target_key')
      .on(t.store_hash, t.hash, t.scope, t.resource_id)
      .nullsNotDistinct(),
    index('webhook_events_pending_idx')
      .on(t.available_at)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_events_received_at_idx').on(t.store_hash, t.received_at),
  ],
)

/**
 * Run history: one row per sweep (incremental, full, coupons, since) and per hook check, with
 * per-table counts in `tables`. Pruned by age when a run is recorded (see src/sync/status/runs.ts).
 */
export const syncRuns = bigcommerce.table(
  'sync_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    store_hash: text('store_hash').notNull(),
    kind: text('kind').notNull(),
    started_at: tz('started_at').notNull(),
    finished_at: tz('finished_at').notNull(),
    outcome: text('outcome').notNull(),
    tables: jsonb('tables').notNull().default({}),
    requests: integer('requests').notNull().default(0),
    throttled: integer('throttled').notNull().default(0),
    error: text('error'),
  },
  (t) => [index('sync_runs_started_at_idx').on(t.store_hash, t.started_at)],
)

/**
 * Leases: named locks that any number of processes can take through any connection pooler
 * (a session advisory lock is lost or leaked behind PgBouncer or Hyperdrive in transaction
 * mode). A holder renews `expires_at` while it works; a crashed holder's lease simply expires.
 */
export const leases = bigcommerce.table('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  acquired_at: tz('acquired_at').notNull().defaultNow(),
  expires_at: tz('expires_at').notNull(),
})

export const resourceTables = { coupons, customers, orders, products } as const
export type ResourceName = keyof typeof resourceTables
export const RESOURCE_NAMES = [
  'coupons',
  'customers',
  'orders',
  'products',
] as const satisfies readonly ResourceName[]
