// Coupons: v2 marketing. They have no date_modified and no webhooks, so every sync lists them all
// by id and removes the ones that are gone. v2 has no documented GET /coupons/{id}; refetches ask
// for id ranges with min_id/max_id instead, one request per run of nearby ids.
import { z } from 'zod'
import { parseBcDateOrNull } from '../bigcommerce/dates.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import { idSchema, optionalBcDateSchema, parseApiObject } from '../bigcommerce/validate.ts'
import { mapWithConcurrency } from '../util/collections.ts'
import { countV2, listV2Range, widenedMaxId, widenedMinId } from './range.ts'
import { emptyAnswer, fileAnswer, getV2IdPage } from './by-id.ts'
import type { ResourceDefinition, ResourceRow } from './types.ts'

const PATH = '/v2/coupons'

const couponSchema = z.looseObject({
  id: z.number().int().positive(),
  date_created: optionalBcDateSchema,
  code: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  enabled: z.boolean().nullable().optional(),
})

/** Sorted ids grouped so that each group spans fewer than 250 ids (one page covers it). */
function groupIdRanges(ids: number[]): Array<{ min: number; max: number }> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b)
  const ranges: Array<{ min: number; max: number }> = []
  for (const id of sorted) {
    const last = ranges[ranges.length - 1]
    if (last && id - last.min < MAX_PAGE_SIZE) last.max = id
    else ranges.push({ min: id, max: id })
  }
  return ranges
}

export const coupons: ResourceDefinition = {
  name: 'coupons',
  childTables: [],
  apiPaths: [PATH],
  idsPerRead: MAX_PAGE_SIZE,
  // No date_modified: sweeps page through coupon ids, which are their own sort order.
  sweepKey: 'id',
  keyOf: (item) => parseApiObject(idSchema, item, 'coupon').id,
  canOrderById: true,

  listRange(client, query) {
    const filters = { min_id: widenedMinId(query.lo), max_id: widenedMaxId(query.hi) }
    // The count endpoint is documented without filters: only an unbounded range can use it.
    const unbounded = query.lo === undefined && query.hi === undefined
    const count = query.withTotal && unbounded ? { path: `${PATH}/count`, query: {} } : undefined
    const limit = query.limit ?? MAX_PAGE_SIZE
    return listV2Range(client, PATH, { ...filters, page: query.page, limit }, count)
  },

  async countRange(client, query) {
    if (query.lo !== undefined || query.hi !== undefined) return undefined
    return countV2(client, `${PATH}/count`, {})
  },

  async fetchByIds(client, ids) {
    const answer = emptyAnswer()
    const unique = [...new Set(ids)]
    await mapWithConcurrency(groupIdRanges(unique), 8, async ({ min, max }) => {
      const query = min === max ? { id: min } : { min_id: min, max_id: max, limit: MAX_PAGE_SIZE }
      const asked = unique.filter((id) => id >= min && id <= max)
      fileAnswer(answer, asked, await getV2IdPage(client, PATH, query, 'coupon'), { min, max })
    })
    return answer
  },

  webhookScopes: [],

  targetOf() {
    return null
  },

  listing: {
    path: PATH,
    version: 'v2',
    countPath: `${PATH}/count`,
    filters: () => ({}),
    sort: {},
  },

  toRow(item): ResourceRow {
    const coupon = parseApiObject(couponSchema, item, 'coupon')
    return {
      id: coupon.id,
      date_modified: null,
      data: item,
      code: coupon.code ?? null,
      name: coupon.name ?? null,
      type: coupon.type ?? null,
      enabled: coupon.enabled ?? null,
      date_created: parseBcDateOrNull(coupon.date_created),
    }
  },
}
