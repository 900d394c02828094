// Seeded, deterministic test data for the simulated store: realistic field values for orders,
// products, customers and the resources listed whole (coupons, categories, ...), written from BigCommerce's documented shapes. Rows are cheap to
// hold (id and two timestamps) and their fields are generated on demand from (seed, id), so a
// million-row store costs little memory and builds in well under a second per resource.
//
// The generators live in ./generate/, one module per resource, with random.ts (the seeded
// generator), words.ts (word lists) and timeline.ts (the rows and their times).
import { brandSim } from './generate/brands.ts'
import { categorySim } from './generate/categories.ts'
import { couponSim } from './generate/coupons.ts'
import { generateCustomerFields } from './generate/customers.ts'
import { generateOrderFields } from './generate/orders.ts'
import { generateProductFields } from './generate/products.ts'
import type { GenerateContext } from './generate/context.ts'

export { generateCouponFields } from './generate/coupons.ts'
export { generateCustomerFields } from './generate/customers.ts'
export { generateOrderFields } from './generate/orders.ts'
export { generateProductFields } from './generate/products.ts'
export { createRng, mixSeed } from './generate/random.ts'
export { generateTimeline, type SimRecord, type TimelineOptions } from './generate/timeline.ts'
export { ORDER_STATUSES } from './generate/words.ts'

export type { SimSnapshotSpec } from './generate/snapshot-spec.ts'
export type { GenerateContext } from './generate/context.ts'

/** Resources the store lists whole, without date_modified: served by one generic route template. */
export const SIM_SNAPSHOTS = [couponSim, categorySim, brandSim] as const
export type SimSnapshotName = (typeof SIM_SNAPSHOTS)[number]['name']

/** Resources with date_modified, each with routes of its own. */
const DATED = ['customers', 'orders', 'products'] as const
export type SimResourceName = (typeof DATED)[number] | SimSnapshotName

/**
 * Every resource, in the order that gives each its data seed (seed + index): the first four keep
 * the offsets they always had, so a seeded store's rows do not change when a resource is added.
 */
export const SIM_RESOURCE_NAMES: readonly SimResourceName[] = [
  couponSim.name,
  ...DATED,
  ...SIM_SNAPSHOTS.filter((spec) => spec !== couponSim).map((spec) => spec.name),
]

const snapshotSpecs = new Map<string, (typeof SIM_SNAPSHOTS)[number]>(
  SIM_SNAPSHOTS.map((spec) => [spec.name, spec]),
)

/** The spec of a resource listed whole, or undefined for one with date_modified. */
export const snapshotSpecOf = (name: SimResourceName) => snapshotSpecs.get(name)

export const FIELD_GENERATORS: Record<
  SimResourceName,
  (ctx: GenerateContext, id: number) => Record<string, unknown>
> = {
  customers: generateCustomerFields,
  orders: generateOrderFields,
  products: generateProductFields,
  ...(Object.fromEntries(SIM_SNAPSHOTS.map((spec) => [spec.name, spec.generate])) as Record<
    SimSnapshotName,
    (ctx: GenerateContext, id: number) => Record<string, unknown>
  >),
}
