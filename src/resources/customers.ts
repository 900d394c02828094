// Customers: v3, swept by date_modified ascending with addresses, store credit, attributes and
// form fields embedded. v3 has no GET by id, so refetches use `id:in`. Addresses are also the
// child table customer_addresses (customer-addresses.ts).
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
import { countV3, listV3Range, modifiedSecondsOf, v3DatedListing, widenedDates } from './range.ts'
import { emptyAnswer, fileAnswer, getV3IdPage } from './by-id.ts'
import { ADDRESSES } from './customer-addresses.ts'
import { attachEmbeddedChildren, emptyEmbeddedChildStats } from './embedded-children.ts'
import type { RangeQuery, ResourceDefinition, ResourceRow } from './types.ts'

export const CUSTOMER_INCLUDE = 'addresses,storecredit,attributes,formfields'
const PATH = '/v3/customers'

const customerSchema = z.looseObject({
  id: z.number().int().positive(),
  date_modified: bcDateSchema,
  date_created: optionalBcDateSchema,
  email: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  customer_group_id: z.number().int().nullable().optional(),
})

function dateFilters(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>) {
  const { from, to } = widenedDates(query)
  return {
    'date_modified:min': from ? formatV3Date(from) : undefined,
    'date_modified:max': to ? formatV3Date(to) : undefined,
  }
}

export const customers: ResourceDefinition = {
  name: 'customers',
  childTables: [ADDRESSES.table],
  apiPaths: [PATH],
  idsPerRead: MAX_PAGE_SIZE,
  sweepKey: 'date_modified',
  keyOf: modifiedSecondsOf,
  // v3 customers filter ids only with id:in, so a busy second is paged by offset (and verified).
  canOrderById: false,

  listRange(client, query) {
    return listV3Range(client, PATH, {
      include: CUSTOMER_INCLUDE,
      sort: 'date_modified:asc',
      ...dateFilters(query),
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
      const query = { 'id:in': batch, include: CUSTOMER_INCLUDE, limit: MAX_PAGE_SIZE }
      fileAnswer(answer, batch, await getV3IdPage(client, PATH, query, 'customer'))
    })
    return answer
  },

  // The documented nested wildcard too: whether store/customer/* covers address events is
  // unconfirmed (docs/bigcommerce-api.md, "Webhooks: scopes, ...").
  webhookScopes: ['store/customer/*', 'store/customer/address/*'],
  deletionScope: 'store/customer/deleted',

  targetOf(scope, data) {
    if (!scope.startsWith('store/customer/')) return null
    // Address events say type "customer" but their id is the address id.
    if (scope.startsWith('store/customer/address/')) {
      return toId(pick(data, 'address', 'customer_id'))
    }
    return toId(pick(data, 'id'))
  },

  prepareRows: (ctx, rows) => attachEmbeddedChildren(ADDRESSES, ctx, rows),
  emptyChildStats: emptyEmbeddedChildStats,
  listing: v3DatedListing(PATH, { sort: 'date_created:asc' }),

  toRow(item): ResourceRow {
    const customer = parseApiObject(customerSchema, item, 'customer')
    return {
      id: customer.id,
      date_modified: parseBcDate(customer.date_modified),
      data: item,
      email: customer.email ?? null,
      first_name: customer.first_name ?? null,
      last_name: customer.last_name ?? null,
      customer_group_id: customer.customer_group_id ?? null,
      date_created: parseBcDateOrNull(customer.date_created),
    }
  },
}
