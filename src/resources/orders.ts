// Orders: v2 only (there is no v3 order list). Swept by date_modified ascending. Every read asks
// for the consignments with their line items embedded (`data` keeps them, as the API returned the
// order), so line items and shipping addresses cost no request of their own; see
// order-children-read.ts for the fallback and for coupons. v2 has no id:in: refetches read ids
// that lie close together as one id range (see planOrderReads), the rest one request each.
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import type { BigCommerceClient, Query } from '../bigcommerce/client.ts'
import { formatV2Date, parseBcDate, parseBcDateOrNull } from '../bigcommerce/dates.ts'
import { getCount } from '../bigcommerce/list-answer.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import {
  bcDateSchema,
  optionalBcDateSchema,
  parseApiObject,
  pick,
  toId,
} from '../bigcommerce/validate.ts'
import { mapWithConcurrency } from '../util/collections.ts'
import { emptyAnswer, fileAnswer, getV2IdPage, readOneById } from './by-id.ts'
import { attachOrderChildren, emptyOrderChildStats } from './order-children-read.ts'
import {
  listV2Range,
  modifiedSecondsOf,
  widenedDates,
  widenedMaxId,
  widenedMinId,
} from './range.ts'
import type { IdAnswer, RangeQuery, ResourceDefinition, ResourceRow } from './types.ts'

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

/** Embeds every line item and shipping address in the order (docs/bigcommerce-api.md). */
export const ORDER_INCLUDE = { include: 'consignments.line_items', consignment_structure: 'object' }

/**
 * Ids whose widened range ([lo - 1, hi + 1], in case min_id/max_id are exclusive) fits one page of
 * 250 lie within this span of each other.
 */
export const RANGE_SPAN = MAX_PAGE_SIZE - 3

/**
 * How to read a set of order ids: ids within RANGE_SPAN of the first id of a group are one range
 * request (one page holds every order of the range); a group of one is a single read, which is
 * never more costly and returns only that order.
 */
export function planOrderReads(ids: readonly number[]): { ranges: number[][]; singles: number[] } {
  const sorted = [...new Set(ids)].sort((a, b) => a - b)
  const ranges: number[][] = []
  const singles: number[] = []
  let group: number[] = []
  const close = () => {
    if (group.length >= 2) ranges.push(group)
    else singles.push(...group)
    group = []
  }
  for (const id of sorted) {
    const first = group[0]
    if (first !== undefined && id - first > RANGE_SPAN) close()
    group.push(id)
  }
  close()
  return { ranges, singles }
}

async function readOrderRange(client: BigCommerceClient, ids: number[], answer: IdAnswer) {
  const min = widenedMinId(ids[0]) ?? 0
  const max = widenedMaxId(ids[ids.length - 1]) ?? min
  const query = { min_id: min, max_id: max, sort: 'id:asc', limit: MAX_PAGE_SIZE, ...ORDER_INCLUDE }
  const items = await getV2IdPage(client, '/v2/orders', query, 'order')
  // Every id of the range may be in the answer: only an id outside it makes the answer suspect.
  fileAnswer(answer, ids, items, { min, max })
}

const COUNT_PATH = '/v2/orders/count'

/** Incomplete orders: `/count` counts them, the list may leave them out. */
export const INCOMPLETE_STATUS_ID = 0

/**
 * How many orders `GET /v2/orders` shows, from a `/v2/orders/count` answer: its `count` less the
 * Incomplete status's count, since the list shows Incomplete orders only when asked for them
 * (docs/bigcommerce-api.md "The orders listing and its count"). Undefined without a count.
 */
export function listedOrderCount(answer: unknown): number | undefined {
  const count = pick(answer, 'count')
  if (typeof count !== 'number') return undefined
  const statuses = pick(answer, 'statuses')
  const incomplete = Array.isArray(statuses)
    ? statuses.find((s) => pick(s, 'id') === INCOMPLETE_STATUS_ID)
    : undefined
  const hidden = pick(incomplete, 'count')
  return typeof hidden === 'number' && hidden >= 0 && hidden <= count ? count - hidden : count
}

/** The orders `GET /v2/orders` shows for these filters (see listedOrderCount). */
export async function countListedOrders(
  client: BigCommerceClient,
  filters: Query,
  signal?: AbortSignal,
): Promise<number> {
  // A count that does not answer is an error, never "no rows" (getCount).
  return getCount(client, COUNT_PATH, filters, signal, listedOrderCount)
}

function dateFilters(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>) {
  const { from, to } = widenedDates(query)
  return {
    min_date_modified: from ? formatV2Date(from) : undefined,
    max_date_modified: to ? formatV2Date(to) : undefined,
  }
}

export const orders: ResourceDefinition = {
  name: 'orders',
  childTables: ['order_products', 'order_shipping_addresses', 'order_coupons'],
  apiPaths: ['/v2/orders'],
  // A whole batch at once, sorted, so that ids lying close together are read as id ranges.
  idsPerRead: 1000,
  sweepKey: 'date_modified',
  keyOf: modifiedSecondsOf,
  canOrderById: true,

  async listRange(client, query) {
    const byId = query.order === 'id'
    const filters = {
      ...dateFilters(query),
      min_id: byId ? widenedMinId(query.minId) : undefined,
    }
    const sort = byId ? 'id:asc' : 'date_modified:asc'
    const limit = query.limit ?? MAX_PAGE_SIZE
    const list = { ...filters, sort, page: query.page, limit, ...ORDER_INCLUDE }
    // v2 lists carry no total; the count endpoint takes the same filters. Both are awaited, so a
    // failed count never leaves a rejection unhandled behind a failed list.
    const [page, total] = await Promise.all([
      listV2Range(client, '/v2/orders', list),
      query.withTotal ? countListedOrders(client, filters) : undefined,
    ])
    return { ...page, total }
  },

  countRange(client, query) {
    return countListedOrders(client, dateFilters(query))
  },

  countedInTotal: (item) => pick(item, 'status_id') !== INCOMPLETE_STATUS_ID,

  async fetchByIds(client, ids) {
    const answer = emptyAnswer()
    const { ranges, singles } = planOrderReads(ids)
    // The pacer spaces these out; the limits only bound how many promises wait at once.
    await mapWithConcurrency(ranges, 8, (range) => readOrderRange(client, range, answer))
    // An id a clean range answer left out is no evidence about that order (a list may lag or
    // leave out archived orders): it is read on its own, like any single id. (After a suspect
    // answer it is already unanswered: read again later, never deleted.)
    const missed = ranges.flat().filter((id) => !answer.found.has(id) && !answer.unanswered.has(id))
    // An order under another id, or no object at all (204, an empty 200), is no answer about
    // this one: read again later, never "not found".
    await mapWithConcurrency([...singles, ...missed], 32, (id) =>
      readOneById(client, `/v2/orders/${id}`, ORDER_INCLUDE, id, answer),
    )
    return answer
  },

  prepareRows: attachOrderChildren,
  emptyChildStats: emptyOrderChildStats,

  // Only scopes the events page lists: whether store/order/* covers the nested events is
  // unconfirmed and they have no wildcard of their own, so each is named. Shipments change
  // quantity_shipped and items_shipped (docs/bigcommerce-api.md, "Webhooks: scopes, ...").
  webhookScopes: [
    'store/order/*',
    'store/order/message/created',
    'store/order/refund/created',
    'store/order/transaction/created',
    'store/order/transaction/updated',
    'store/order/metafield/created',
    'store/order/metafield/updated',
    'store/order/metafield/deleted',
    'store/shipment/*',
  ],

  targetOf(scope, data) {
    if (scope.startsWith('store/shipment/')) return toId(pick(data, 'orderId'))
    if (!scope.startsWith('store/order/')) return null
    // Transaction events carry the order id as a string in order_id; metafield events in
    // resource_id; every other order event in id.
    if (scope.startsWith('store/order/transaction/')) return toId(pick(data, 'order_id'))
    if (scope.startsWith('store/order/metafield/')) return toId(pick(data, 'resource_id'))
    return toId(pick(data, 'id'))
  },

  // Compared as the list shows them: without Incomplete orders, on both sides
  // (docs/bigcommerce-api.md "The orders listing and its count").
  listing: {
    path: '/v2/orders',
    version: 'v2',
    countPath: COUNT_PATH,
    filters: (start) => ({ min_date_modified: start ? formatV2Date(start) : undefined }),
    sort: { sort: 'id:asc' },
    countOf: listedOrderCount,
    compared: {
      object: (item) => pick(item, 'status_id') !== INCOMPLETE_STATUS_ID,
      row: sql`status_id <> ${INCOMPLETE_STATUS_ID}`,
    },
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
