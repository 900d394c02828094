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
import { modifiedSecondsOf, readV2Count, readV2List, widenedDates, widenedMinId } from './range.ts'
import { emptyAnswer, fileAnswer } from './by-id.ts'
import type { ResourceDefinition, ResourceRow } from './types.ts'

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

export const orders: ResourceDefinition = {
  name: 'orders',
  sweepKey: 'date_modified',
  keyOf: modifiedSecondsOf,
  canOrderById: true,

  async listRange(client, query) {
    const { from, to } = widenedDates(query)
    const byId = query.order === 'id'
    const filters = {
      min_date_modified: from ? formatV2Date(from) : undefined,
      max_date_modified: to ? formatV2Date(to) : undefined,
      min_id: byId ? widenedMinId(query.minId) : undefined,
    }
    const list = client.get('/v2/orders', {
      ...filters,
      sort: byId ? 'id:asc' : 'date_modified:asc',
      page: query.page,
      limit: MAX_PAGE_SIZE,
    })
    // v2 lists carry no total; the count endpoint takes the same filters.
    const count = query.withTotal ? client.get('/v2/orders/count', filters) : undefined
    // Both settle before either is read: awaiting the list first left a failed count (a 401 on
    // the second request) rejected with no handler, which crashed the whole process.
    const [listBody, countBody] = await Promise.all([list, count])
    return { items: readV2List(listBody), total: count ? readV2Count(countBody) : undefined }
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
