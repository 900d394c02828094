// `bigcommerce-mirror/schema`: the mirror's tables as drizzle declares them, for an app's typed
// queries, and each row's TypeScript type. The tables the mirror alone uses (the webhook inbox,
// leases) are left out: an app reads them at its own risk, through `bigcommerce.<name>` in SQL.
import type * as tables from '../db/schema.ts'

export {
  bigcommerce,
  brands,
  categories,
  coupons,
  customerAddresses,
  customers,
  deletions,
  orderCoupons,
  orderProducts,
  orders,
  orderShippingAddresses,
  products,
  productVariants,
  rejectedRows,
  syncRuns,
  syncState,
} from '../db/schema.ts'

export type Coupon = typeof tables.coupons.$inferSelect
export type Customer = typeof tables.customers.$inferSelect
export type Order = typeof tables.orders.$inferSelect
export type Product = typeof tables.products.$inferSelect
export type Category = typeof tables.categories.$inferSelect
export type Brand = typeof tables.brands.$inferSelect
export type OrderProduct = typeof tables.orderProducts.$inferSelect
export type OrderShippingAddress = typeof tables.orderShippingAddresses.$inferSelect
export type OrderCoupon = typeof tables.orderCoupons.$inferSelect
export type ProductVariant = typeof tables.productVariants.$inferSelect
export type CustomerAddress = typeof tables.customerAddresses.$inferSelect
export type Deletion = typeof tables.deletions.$inferSelect
export type RejectedRow = typeof tables.rejectedRows.$inferSelect
export type SyncStateRow = typeof tables.syncState.$inferSelect
export type SyncRun = typeof tables.syncRuns.$inferSelect
