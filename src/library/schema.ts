// `bigcommerce-mirror/schema`: the mirror's tables as drizzle declares them, for an app's typed
// queries, and each row's TypeScript type. The tables the mirror alone uses (the webhook inbox,
// leases) are left out: an app reads them at its own risk, through `bigcommerce.<name>` in SQL.
import {
  coupons,
  customers,
  deletions,
  orderCoupons,
  orderProducts,
  orders,
  orderShippingAddresses,
  products,
  rejectedRows,
  syncRuns,
  syncState,
} from '../db/schema.ts'

export { bigcommerce } from '../db/schema.ts'
export {
  coupons,
  customers,
  deletions,
  orderCoupons,
  orderProducts,
  orders,
  orderShippingAddresses,
  products,
  rejectedRows,
  syncRuns,
  syncState,
}

export type Coupon = typeof coupons.$inferSelect
export type Customer = typeof customers.$inferSelect
export type Order = typeof orders.$inferSelect
export type Product = typeof products.$inferSelect
export type OrderProduct = typeof orderProducts.$inferSelect
export type OrderShippingAddress = typeof orderShippingAddresses.$inferSelect
export type OrderCoupon = typeof orderCoupons.$inferSelect
export type Deletion = typeof deletions.$inferSelect
export type RejectedRow = typeof rejectedRows.$inferSelect
export type SyncStateRow = typeof syncState.$inferSelect
export type SyncRun = typeof syncRuns.$inferSelect
