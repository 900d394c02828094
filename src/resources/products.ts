// Products: v3 catalog, swept by date_modified ascending. Variants, images, custom fields and
// bulk pricing come embedded; options and modifiers are left out because including them caps
// pages at 10 rows. Variants are also the child table product_variants (product-variants.ts).
import { z } from 'zod'
import { formatV3Date, parseBcDate, parseBcDateOrNull } from '../bigcommerce/dates.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import {
  bcDateSchema,
  optionalBcDateSchema,
  parseApiObject,
  pick,
  toId,
} from '../bigcommerce/validate.ts'
import { chunk, mapWithConcurrency } from '../util/collections.ts'
import {
  countV3,
  listV3Range,
  modifiedSecondsOf,
  v3DatedListing,
  widenedDates,
  widenedMinId,
} from './range.ts'
import { emptyAnswer, fileAnswer, getV3IdPage } from './by-id.ts'
import { attachEmbeddedChildren, emptyEmbeddedChildStats } from './embedded-children.ts'
import { VARIANTS } from './product-variants.ts'
import type { RangeQuery, ResourceDefinition, ResourceRow } from './types.ts'

export const PRODUCT_INCLUDE = 'variants,images,custom_fields,bulk_pricing_rules'
const PATH = '/v3/catalog/products'

const productSchema = z.looseObject({
  id: z.number().int().positive(),
  date_modified: bcDateSchema,
  date_created: optionalBcDateSchema,
  name: z.string().nullable().optional(),
  sku: z.string().nullable().optional(),
  is_visible: z.boolean().nullable().optional(),
  price: z.union([z.number(), z.string()]).nullable().optional(),
  inventory_level: z.number().int().nullable().optional(),
})

function dateFilters(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>) {
  const { from, to } = widenedDates(query)
  return {
    'date_modified:min': from ? formatV3Date(from) : undefined,
    'date_modified:max': to ? formatV3Date(to) : undefined,
  }
}

export const products: ResourceDefinition = {
  name: 'products',
  childTables: [VARIANTS.table],
  apiPaths: [PATH, VARIANTS.listPath],
  idsPerRead: MAX_PAGE_SIZE,
  sweepKey: 'date_modified',
  keyOf: modifiedSecondsOf,
  canOrderById: true,

  listRange(client, query) {
    const byId = query.order === 'id'
    return listV3Range(client, PATH, {
      include: PRODUCT_INCLUDE,
      sort: byId ? 'id' : 'date_modified',
      direction: 'asc',
      ...dateFilters(query),
      'id:min': byId ? widenedMinId(query.minId) : undefined,
      page: query.page,
      limit: query.limit ?? MAX_PAGE_SIZE,
    })
  },

  countRange(client, query) {
    return countV3(client, PATH, dateFilters(query))
  },

  async fetchByIds(client, ids) {
    const answer = emptyAnswer()
    const batches = chunk([...new Set(ids)], MAX_PAGE_SIZE)
    await mapWithConcurrency(batches, 8, async (batch) => {
      const query = { 'id:in': batch, include: PRODUCT_INCLUDE, limit: MAX_PAGE_SIZE }
      fileAnswer(answer, batch, await getV3IdPage(client, PATH, query, 'product'))
    })
    return answer
  },

  // Whether a wildcard covers nested events is unconfirmed (docs/bigcommerce-api.md, "Webhooks:
  // scopes, ..."): nested events are subscribed through the documented nested wildcard or by
  // name (inventory has no wildcard), and a delivery that comes twice is one inbox row.
  webhookScopes: [
    'store/product/*',
    'store/product/inventory/updated',
    'store/product/inventory/order/updated',
    'store/product/metafield/*',
    'store/sku/*',
    'store/sku/inventory/updated',
    'store/sku/inventory/order/updated',
  ],
  deletionScope: 'store/product/deleted',

  targetOf(scope, data) {
    if (scope.startsWith('store/sku/')) {
      // SKU events carry the variant in id; the product is in sku (or inventory) .product_id.
      return toId(pick(data, 'sku', 'product_id') ?? pick(data, 'inventory', 'product_id'))
    }
    if (!scope.startsWith('store/product/')) return null
    // A variant metafield's resource_id is the variant, which does not name its product.
    if (scope.startsWith('store/product/variant/')) return null
    if (scope.startsWith('store/product/metafield/')) return toId(pick(data, 'resource_id'))
    return toId(pick(data, 'id'))
  },

  prepareRows: (ctx, rows) => attachEmbeddedChildren(VARIANTS, ctx, rows),
  emptyChildStats: emptyEmbeddedChildStats,
  listing: v3DatedListing(PATH, { sort: 'id', direction: 'asc' }),

  toRow(item): ResourceRow {
    const product = parseApiObject(productSchema, item, 'product')
    return {
      id: product.id,
      date_modified: parseBcDate(product.date_modified),
      data: item,
      sku: product.sku ?? null,
      name: product.name ?? null,
      is_visible: product.is_visible ?? null,
      price: product.price ?? null,
      inventory_level: product.inventory_level ?? null,
      date_created: parseBcDateOrNull(product.date_created),
    }
  },
}
