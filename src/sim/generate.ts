// Seeded, deterministic test data for the simulated store: realistic field values for every
// resource, written from BigCommerce's documented shapes. Rows are cheap to hold (id and two
// timestamps) and their fields are generated on demand from (seed, id), so a million-row store
// costs little memory and builds in well under a second per resource.
//
// The generators live in ./generate/, one module per resource, each with the resource's spec
// (resource-spec.ts: its API, dates and events), and random.ts (the seeded generator), words.ts
// (word lists) and timeline.ts (the rows and their times).
import { brandSim } from './generate/brands.ts'
import { categorySim } from './generate/categories.ts'
import { couponSim } from './generate/coupons.ts'
import { customerSim } from './generate/customers.ts'
import { orderSim } from './generate/orders.ts'
import { productSim } from './generate/products.ts'
import type { GenerateContext } from './generate/context.ts'
import type { SimResourceSpec } from './generate/resource-spec.ts'

export { generateCouponFields } from './generate/coupons.ts'
export { generateCustomerFields } from './generate/customers.ts'
export { generateOrderFields } from './generate/orders.ts'
export { generateProductFields } from './generate/products.ts'
export { createRng, mixSeed } from './generate/random.ts'
export { generateTimeline, type SimRecord, type TimelineOptions } from './generate/timeline.ts'
export { ORDER_STATUSES } from './generate/words.ts'

export type { SimChildList, SimResourceSpec, SimV3Listing } from './generate/resource-spec.ts'
export { generateContext, type GenerateContext } from './generate/context.ts'

/**
 * Every resource of the store, in the order that gives each its data seed (seed + index): a new
 * one goes last, so a seeded store's rows do not change when a resource is added.
 */
export const SIM_RESOURCES = [
  couponSim,
  customerSim,
  orderSim,
  productSim,
  categorySim,
  brandSim,
] as const
export type SimResourceName = (typeof SIM_RESOURCES)[number]['name']

export const SIM_RESOURCE_NAMES: readonly SimResourceName[] = SIM_RESOURCES.map((spec) => spec.name)

const specs = new Map<string, SimResourceSpec<SimResourceName>>(
  SIM_RESOURCES.map((spec) => [spec.name, spec]),
)

/** The spec of a resource of the store. */
export function specOf(name: SimResourceName): SimResourceSpec<SimResourceName> {
  const spec = specs.get(name)
  if (!spec) throw new Error(`sim: no resource ${name}`)
  return spec
}

export const FIELD_GENERATORS = Object.fromEntries(
  SIM_RESOURCES.map((spec) => [spec.name, spec.generate]),
) as Record<SimResourceName, (ctx: GenerateContext, id: number) => Record<string, unknown>>
