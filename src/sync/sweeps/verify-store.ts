// verify's store side: counting a table's rows in the store and reading their ids, through the
// listing each resource declares (src/resources, `listing`) at the least cost.
import type { Query } from '../../bigcommerce/client.ts'
import { parseBcDate } from '../../bigcommerce/dates.ts'
import { getCount, getListPage } from '../../bigcommerce/list-answer.ts'
import { listV2Pages, listV3Pages } from '../../bigcommerce/paging.ts'
import { pick } from '../../bigcommerce/validate.ts'
import type { StoreListing } from '../../resources/index.ts'
import type { VerifyContext } from './verify.ts'

/** verify's view of a table's store side: the listing its declaration gives. */
export type StoreSide = StoreListing

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

/** id → date_modified in whole seconds (null for tables without one), as the store lists them. */
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
