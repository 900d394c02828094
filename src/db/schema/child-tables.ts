// Every child table and its parent: one registry that the write path, status, the registry's purge
// and the resource declarations read, so a new child table is its table plus one line here.
import { orderChildTables } from './order-children.ts'
import { customerAddresses, productVariants } from './resource-children.ts'
import type { ResourceName } from './resources.ts'

export const childTables = {
  ...orderChildTables,
  product_variants: productVariants,
  customer_addresses: customerAddresses,
} as const
export type ChildTable = keyof typeof childTables

/** Each child table's parent resource and the column that names the parent row. */
export const CHILD_PARENTS: Readonly<
  Record<ChildTable, { parent: ResourceName; parentKey: string }>
> = {
  order_products: { parent: 'orders', parentKey: 'order_id' },
  order_shipping_addresses: { parent: 'orders', parentKey: 'order_id' },
  order_coupons: { parent: 'orders', parentKey: 'order_id' },
  product_variants: { parent: 'products', parentKey: 'product_id' },
  customer_addresses: { parent: 'customers', parentKey: 'customer_id' },
}
