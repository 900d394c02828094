// Categories: v3 catalog, no date_modified, so listed whole every sweep (as coupons are);
// `store/category/*` events keep them current between sweeps.
import { z } from 'zod'
import { parseApiObject, pick, toId } from '../bigcommerce/validate.ts'
import { defineV3Snapshot } from './v3-snapshot.ts'

const categorySchema = z.looseObject({
  parent_id: z.number().int().nullable().optional(),
  name: z.string().nullable().optional(),
  is_visible: z.boolean().nullable().optional(),
  sort_order: z.number().int().nullable().optional(),
})

export const categories = defineV3Snapshot({
  name: 'categories',
  path: '/v3/catalog/categories',
  singular: 'category',
  webhookScopes: ['store/category/*'],
  deletionScope: 'store/category/deleted',
  targetOf: (scope, data) => (scope.startsWith('store/category/') ? toId(pick(data, 'id')) : null),
  columns(item) {
    const category = parseApiObject(categorySchema, item, 'category')
    return {
      parent_id: category.parent_id ?? null,
      name: category.name ?? null,
      is_visible: category.is_visible ?? null,
      sort_order: category.sort_order ?? null,
    }
  },
})
