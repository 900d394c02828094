// Seeded, deterministic test data for the simulated store: realistic field values for orders,
// products, customers and coupons, written from BigCommerce's documented shapes. Rows are cheap to
// hold (id and two timestamps) and their fields are generated on demand from (seed, id), so a
// million-row store costs little memory and builds in well under a second per resource.
//
// The generators live in ./generate/, one module per resource, with random.ts (the seeded
// generator), words.ts (word lists) and timeline.ts (the rows and their times).
import { generateCouponFields } from './generate/coupons.ts'
import { generateCustomerFields } from './generate/customers.ts'
import { generateOrderFields } from './generate/orders.ts'
import { generateProductFields } from './generate/products.ts'

export { generateCouponFields } from './generate/coupons.ts'
export { generateCustomerFields } from './generate/customers.ts'
export { generateOrderFields } from './generate/orders.ts'
export { generateProductFields } from './generate/products.ts'
export { createRng, mixSeed } from './generate/random.ts'
export { generateTimeline, type SimRecord, type TimelineOptions } from './generate/timeline.ts'
export { ORDER_STATUSES } from './generate/words.ts'

export type SimResourceName = 'coupons' | 'customers' | 'orders' | 'products'

export interface GenerateContext {
  seed: number
  /** Base of links in the data, e.g. `http://127.0.0.1:1234/stores/abc`. */
  storeUrl: string
  /** Customers that orders may point at (0 = guests only). */
  customerCount: number
}

export const FIELD_GENERATORS: Record<
  SimResourceName,
  (ctx: GenerateContext, id: number) => Record<string, unknown>
> = {
  coupons: generateCouponFields,
  customers: generateCustomerFields,
  orders: generateOrderFields,
  products: generateProductFields,
}
