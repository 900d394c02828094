// Orders: v2 only (there is no v3 order list). Swept by date_modified ascending; one request per
// order on refetch, since v2 has no id:in. `data` is the order object alone: its products,
// shipping addresses and coupons are links that would cost three more requests per order.
import { z } from 'zod'
import { formatV2Date, parseBcDate, parseBcDateOrNull } from '../bigcommerce/dates.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import {
  bcDateSchema,
  mapWithConcurrency,
  optionalBcDateSchema,
  parseApiObject,
  pick,
  toId,
} from '../bigcommerce/validate.ts'
import { countV2, listV2Range, modifiedSecondsOf, widenedDates, widenedMinId } from './range.ts'
import { emptyAnswer, fileAnswer } from './by-id.ts'
import type { RangeQuery, ResourceDefinition, ResourceRow } from './types.ts'

const orderSchema = z.looseObject({
  id: z.number().int().positive(),
  date_modified: bcDateSchema,
  date_created: optionalBcDateSchema,
  customer_id: z.number().int().nonnegative().nullable().optional(),
  status_id: z.number().int(),
  is_deleted: z.boolean().optional(),
  total_inc_tax: z.union([z.string(), z.number()]).nullable().optional(),
  currency_code: z.string().nullable().optional(),
})

const COUNT_PATH = '/v2/orders/count'

function dateFilters(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>) {
  const { from, to } = widenedDates(query)
  return {
    min_date_modified: from ? formatV2Date(from) : undefined,
    max_date_modified: to ? formatV2Date(to) : undefined,
  }
}

export const orders: ResourceDefinition = {
  name: 'orders',
  sweepKey: 'date_modified',
  keyOf: modifiedSecondsOf,
  canOrderById: true,

  listRange(client, query) {
    const byId = query.order === 'id'
    const filters = {
      ...dateFilters(query),
      min_id: byId ? widenedMinId(query.minId) : undefined,
    }
    const sort = byId ? 'id:asc' : 'date_modified:asc'
    const list = { ...filters, sort, page: query.page, limit: MAX_PAGE_SIZE }
    // v2 lists carry no total; the count endpoint takes the same filters.
    const count = query.withTotal ? { path: COUNT_PATH, query: filters } : undefined
    return listV2Range(client, '/v2/orders', list, count)
  },

  countRange(client, query) {
    return countV2(client, COUNT_PATH, dateFilters(query))
  },

  async fetchByIds(client, ids) {
    const answer = emptyAnswer()
    const unique = [...new Set(ids)]
    // The pacer spaces these out; the limit only bounds how many promises wait at once.
    await mapWithConcurrency(unique, 32, async (id) => {
      const order = await client.get(`/v2/orders/${id}`)
      // An order under another id is no answer about this one (and is not written as it).
      if (order !== null) fileAnswer(answer, [id], [order])
    })
    return answer
  },

  // The nested families too: whether store/order/* covers them is unconfirmed.
  webhookScopes: [
    'store/order/*',
    'store/order/message/*',
    'store/order/refund/*',
    'store/order/transaction/*',
    'store/order/metafield/*',
  ],

  targetOf(scope, data) {
    if (!scope.startsWith('store/order/')) return null
    // Transaction events carry the order id as a string in order_id; metafield events in
    // resource_id; every other order event in id.
    if (scope.startsWith('store/order/transaction/')) return toId(pick(data, 'order_id'))
    if (scope.startsWith('store/order/metafield/')) return toId(pick(data, 'resource_id'))
    return toId(pick(data, 'id'))
  },

  toRow(item): ResourceRow {
    const order = parseApiObject(orderSchema, item, 'order')
    const total = order.total_inc_tax
    return {
      id: order.id,
      date_modified: parseBcDate(order.date_modified),
      data: item,
      customer_id: order.customer_id ?? null,
      status_id: order.status_id,
      is_deleted: order.is_deleted ?? false,
      total_inc_tax: total === null || total === undefined || total === '' ? null : String(total),
      currency_code: order.currency_code ?? null,
      date_created: parseBcDateOrNull(order.date_created),
    }
  },
}
