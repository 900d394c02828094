// The four mirrored resources by name, and which one a webhook scope belongs to.
import { coupons } from './coupons.ts'
import { customers } from './customers.ts'
import { orders } from './orders.ts'
import { products } from './products.ts'
import type { ResourceDefinition, ResourceName } from './types.ts'

export type {
  IdAnswer,
  RangePage,
  RangeQuery,
  ResourceDefinition,
  ResourceName,
  ResourceRow,
} from './types.ts'

export const RESOURCES: Record<ResourceName, ResourceDefinition> = {
  coupons,
  customers,
  orders,
  products,
}

/** The resource a webhook scope refreshes (`store/sku/*` → products), or null for other scopes. */
export function resourceForScope(scope: string): ResourceDefinition | null {
  if (scope.startsWith('store/order/')) return orders
  if (scope.startsWith('store/product/') || scope.startsWith('store/sku/')) return products
  if (scope.startsWith('store/customer/')) return customers
  return null
}
