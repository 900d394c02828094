// verify's store side: per table, where its list lives and how to count it and read its ids at
// the least cost (v3 pages of `include_fields=id,date_modified`; v2 pages in full). Orders are
// compared as the list shows them: without Incomplete orders, on both sides
// (docs/bigcommerce-api.md "The orders listing and its count").
import { sql, type SQL } from 'drizzle-orm'
import type { Query } from '../../bigcommerce/client.ts'
import { formatV2Date, formatV3Date, parseBcDate } from '../../bigcommerce/dates.ts'
import { getCount, getListPage } from '../../bigcommerce/list-answer.ts'
import { listV2Pages, listV3Pages } from '../../bigcommerce/paging.ts'
import { pick } from '../../bigcommerce/validate.ts'
import type { ResourceName } from '../../db/schema.ts'
import { INCOMPLETE_STATUS_ID, listedOrderCount } from '../../resources/orders.ts'
import type { VerifyContext } from './verify.ts'

export interface StoreSide {
  /** The list path, its count path (v2) and its filters. */
  path: string
  version: 'v2' | 'v3'
  countPath?: string
  filters(start: Date | undefined): Query
  /** Fields the id pages ask for (v3 only). */
  idFields?: string
  sort: Query
  /** How many rows the list shows, from the count's answer, when its `count` is not that. */
  countOf?: (answer: unknown) => number | undefined
  /** Which listed objects are compared, and the same rule for the mirror's rows, in SQL. */
  compared?: { object: (item: unknown) => boolean; row: SQL }
}

/** A v3 list: filtered by date_modified, its id pages asking for id and date_modified alone. */
const v3Side = (path: string, sort: Query): StoreSide => ({
  path,
  version: 'v3',
  filters: (start) => ({ 'date_modified:min': start ? formatV3Date(start) : undefined }),
  idFields: 'id,date_modified',
  sort,
})

export const SIDES: Record<ResourceName, StoreSide> = {
  coupons: {
    path: '/v2/coupons',
    version: 'v2',
    countPath: '/v2/coupons/count',
    filters: () => ({}),
    sort: {},
  },
  orders: {
    path: '/v2/orders',
    version: 'v2',
    countPath: '/v2/orders/count',
    filters: (start) => ({ min_date_modified: start ? formatV2Date(start) : undefined }),
    sort: { sort: 'id:asc' },
    countOf: listedOrderCount,
    compared: {
      object: (item) => pick(item, 'status_id') !== INCOMPLETE_STATUS_ID,
      row: sql`status_id <> ${INCOMPLETE_STATUS_ID}`,
    },
  },
  customers: v3Side('/v3/customers', { sort: 'date_created:asc' }),
  products: v3Side('/v3/catalog/products', { sort: 'id', direction: 'asc' }),
}

export async function countInStore(ctx: VerifyContext, side: StoreSide): Promise<number> {
  const filters = side.filters(ctx.startDate)
  if (side.version === 'v2' && side.countPath) {
    // A count that does not answer {count} throws (getCount); orders count what the list shows.
    return getCount(ctx.client, side.countPath, filters, ctx.signal, side.countOf)
  }
  // Read strictly: a 404 or an answer without data is an error, never a store with no rows.
  const query = { ...filters, include_fields: 'id', limit: 1, page: 1 }
  const total = (await getListPage(ctx.client, side.path, 'v3', query, ctx.signal)).totalRows
  if (total === undefined)
    throw new Error(`GET ${side.path} answered without meta.pagination.total`)
  return total
}

/** id → date_modified in whole seconds (null for coupons), as the store lists them. */
export async function idsInStore(
  ctx: VerifyContext,
  side: StoreSide,
): Promise<Map<number, number | null>> {
  const query: Query = { ...side.filters(ctx.startDate), ...side.sort }
  const pages =
    side.version === 'v3'
      ? listV3Pages(
          ctx.client,
          side.path,
          { ...query, include_fields: side.idFields },
          { signal: ctx.signal },
        )
      : listV2Pages(ctx.client, side.path, query, {
          countPath: side.countPath,
          countQuery: side.filters(ctx.startDate),
          countOf: side.countOf,
          signal: ctx.signal,
        })
  const found = new Map<number, number | null>()
  for await (const page of pages) {
    for (const item of page.items) {
      if (side.compared && !side.compared.object(item)) continue
      const id = pick(item, 'id')
      if (typeof id !== 'number' || !Number.isInteger(id)) continue
      const modified = pick(item, 'date_modified')
      found.set(
        id,
        typeof modified === 'string' ? Math.floor(parseBcDate(modified).getTime() / 1000) : null,
      )
    }
  }
  return found
}
