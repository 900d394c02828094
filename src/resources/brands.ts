// Brands: v3 catalog, no date_modified and no webhook events of their own (BigCommerce has only
// `store/brand/metafield/*`), so only sweeps keep them: listed whole every time, as coupons are.
import { z } from 'zod'
import { parseApiObject } from '../bigcommerce/validate.ts'
import { defineV3Snapshot } from './v3-snapshot.ts'

const brandSchema = z.looseObject({ name: z.string().nullable().optional() })

export const brands = defineV3Snapshot({
  name: 'brands',
  path: '/v3/catalog/brands',
  singular: 'brand',
  columns: (item) => ({ name: parseApiObject(brandSchema, item, 'brand').name ?? null }),
})
