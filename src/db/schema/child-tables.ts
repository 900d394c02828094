// Child tables: rows that belong to one row of a resource table (an order's line items, shipping
// addresses and coupons; a product's variants; a customer's addresses). They share one contract,
// which childTable() builds, and one registry (`childTables`) that the write path, status, the
// registry's purge and the resource declarations read: a new child table is one childTable() call
// and one registry line here (README, "Adding a child table").
import { getTableName } from 'drizzle-orm'
import {
  bigint,
  boolean,
  foreignKey,
  getTableConfig,
  index,
  integer,
  jsonb,
  numeric,
  primaryKey,
  text,
  type ExtraConfigColumn,
  type PgColumnBuilderBase,
  type PgTable,
  type PgTableExtraConfigValue,
} from 'drizzle-orm/pg-core'

import { bigcommerce, tz } from './common.ts'
import { customers, orders, products, resourceTables, type ResourceName } from './resources.ts'

/** A resource table, keyed (store_hash, id): what a child table hangs off. */
type ParentTable = (typeof resourceTables)[ResourceName]

const parentKeyColumn = <K extends string>(key: K) => bigint(key, { mode: 'number' }).notNull()

/**
 * The contract's columns: keyed (store_hash, <parentKey>, id) within the parent, `data` holding the
 * item exactly as the API returned it, and `synced_at` (when the mirror last wrote the row).
 */
function contractColumns<K extends string>(parentKey: K) {
  const parentColumn = { [parentKey]: parentKeyColumn(parentKey) } as Record<
    K,
    ReturnType<typeof parentKeyColumn<K>>
  >
  return {
    store_hash: text('store_hash').notNull(),
    ...parentColumn,
    id: bigint('id', { mode: 'number' }).notNull(),
    data: jsonb('data').notNull(),
    synced_at: tz('synced_at').notNull().defaultNow(),
  }
}

/** The columns a child table's indexes are built on: the contract's and its own. */
type IndexColumns<K extends string, TColumns> = Record<
  keyof ReturnType<typeof contractColumns<K>> | keyof TColumns,
  ExtraConfigColumn
>

export interface ChildTableSpec<K extends string, TColumns> {
  /** The resource table whose rows own these (deleting a parent row deletes its children). */
  parent: ParentTable
  /** The column naming the parent row (`order_id`). */
  parentKey: K
  /** Typed columns that apps filter on, besides the contract's (whose names are not theirs). */
  columns: TColumns
  indexes?(t: IndexColumns<K, TColumns>): PgTableExtraConfigValue[]
}

/**
 * A child table: the contract's columns, then `columns`; the primary key (store_hash, parentKey,
 * id); a foreign key to the parent that cascades, so a parent's deletion takes its children. Names
 * of tables, columns and constraints are drizzle's defaults, as the migrations created them.
 */
export function childTable<
  TName extends string,
  K extends string,
  TColumns extends Record<string, PgColumnBuilderBase>,
>(name: TName, spec: ChildTableSpec<K, TColumns>) {
  const { parent, parentKey, columns, indexes } = spec
  const contract = contractColumns(parentKey)
  const clash = Object.keys(columns).find((column) => Object.hasOwn(contract, column))
  if (clash) throw new Error(`child table ${name} redefines the contract's column ${clash}`)
  return bigcommerce.table(name, { ...contract, ...columns }, (self) => {
    const t = self as IndexColumns<K, TColumns>
    return [
      primaryKey({ columns: [t.store_hash, t[parentKey], t.id] }),
      foreignKey({
        columns: [t.store_hash, t[parentKey]],
        foreignColumns: [parent.store_hash, parent.id],
      }).onDelete('cascade'),
      ...(indexes?.(t) ?? []),
    ]
  })
}

// Generic in the name, so that each column's type keeps its SQL name as drizzle's own calls do.
const money = <N extends string>(name: N) => numeric(name, { precision: 20, scale: 4 })
const optionalId = <N extends string>(name: N) => bigint(name, { mode: 'number' })

/** The order's line items (`/orders/{id}/products` items, or the same embedded in consignments). */
export const orderProducts = childTable('order_products', {
  parent: orders,
  parentKey: 'order_id',
  columns: {
    product_id: optionalId('product_id'),
    variant_id: optionalId('variant_id'),
    sku: text('sku'),
    name: text('name'),
    quantity: integer('quantity'),
    price_inc_tax: money('price_inc_tax'),
    total_inc_tax: money('total_inc_tax'),
    order_address_id: optionalId('order_address_id'),
    type: text('type'),
  },
  indexes: (t) => [
    index('order_products_sku_idx').on(t.store_hash, t.sku),
    index('order_products_product_id_idx').on(t.store_hash, t.product_id),
  ],
})

/** Where the order ships: one row per shipping address (a shipping consignment). */
export const orderShippingAddresses = childTable('order_shipping_addresses', {
  parent: orders,
  parentKey: 'order_id',
  columns: {
    first_name: text('first_name'),
    last_name: text('last_name'),
    city: text('city'),
    state: text('state'),
    zip: text('zip'),
    country_iso2: text('country_iso2'),
    email: text('email'),
    shipping_method: text('shipping_method'),
    /** The consignment's id when the row came from one (null from /shipping_addresses). */
    consignment_id: optionalId('consignment_id'),
  },
  indexes: (t) => [index('order_shipping_addresses_country_idx').on(t.store_hash, t.country_iso2)],
})

/** Coupons applied to the order (`/orders/{id}/coupons`). */
export const orderCoupons = childTable('order_coupons', {
  parent: orders,
  parentKey: 'order_id',
  columns: {
    coupon_id: optionalId('coupon_id'),
    code: text('code'),
    type: integer('type'),
    amount: money('amount'),
    discount: money('discount'),
  },
  indexes: (t) => [index('order_coupons_code_idx').on(t.store_hash, t.code)],
})

/** A product's variants (SKUs) with their inventory; option values stay in `data`. */
export const productVariants = childTable('product_variants', {
  parent: products,
  parentKey: 'product_id',
  columns: {
    sku: text('sku'),
    price: money('price'),
    calculated_price: money('calculated_price'),
    inventory_level: integer('inventory_level'),
    purchasing_disabled: boolean('purchasing_disabled'),
  },
  indexes: (t) => [index('product_variants_sku_idx').on(t.store_hash, t.sku)],
})

/** A customer's address book (all of it, also past the 10 an embed holds). */
export const customerAddresses = childTable('customer_addresses', {
  parent: customers,
  parentKey: 'customer_id',
  columns: {
    first_name: text('first_name'),
    last_name: text('last_name'),
    city: text('city'),
    state_or_province: text('state_or_province'),
    postal_code: text('postal_code'),
    country_code: text('country_code'),
    address_type: text('address_type'),
  },
  indexes: (t) => [index('customer_addresses_country_idx').on(t.store_hash, t.country_code)],
})

/** Every child table by its name: the one list of them (a table built above joins it here). */
export const childTables = {
  order_products: orderProducts,
  order_shipping_addresses: orderShippingAddresses,
  order_coupons: orderCoupons,
  product_variants: productVariants,
  customer_addresses: customerAddresses,
} as const
export type ChildTable = keyof typeof childTables

/** A child table's parent resource and the column that names the parent row. */
export interface ChildParent {
  parent: ResourceName
  parentKey: string
}

/**
 * The parent a child table's foreign key points at (the key childTable() adds), so no resource is
 * named twice; a table without one is not a child table.
 */
export function childParentOf(table: PgTable): ChildParent {
  const { name, foreignKeys } = getTableConfig(table)
  const reference = foreignKeys[0]?.reference()
  const parent = reference ? getTableName(reference.foreignTable) : undefined
  const parentKey = reference?.columns.find((column) => column.name !== 'store_hash')?.name
  if (!parent || !Object.hasOwn(resourceTables, parent) || !parentKey)
    throw new Error(`child table ${name} has no foreign key to a resource table`)
  return { parent: parent as ResourceName, parentKey }
}

/** Each child table's parent resource and the column that names the parent row. */
export const CHILD_PARENTS = Object.fromEntries(
  Object.entries(childTables).map(([name, table]) => [name, childParentOf(table)]),
) as Readonly<Record<ChildTable, ChildParent>>
