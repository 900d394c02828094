// What the v3 catalog lists without date_modified (categories, brands) share: listed whole by id
// every sweep, as coupons are, and read back by `id:in` 250 at a time. A resource file gives its
// path, its events and its row mapping; docs/architecture.md "Tables listed whole" tells the rest.
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import { idSchema, parseApiObject } from '../bigcommerce/validate.ts'
import { chunk, mapWithConcurrency } from '../util/collections.ts'
import { emptyAnswer, fileAnswer, getV3IdPage } from './by-id.ts'
import { countV3, listV3Range, widenedMaxId, widenedMinId } from './range.ts'
import type { ResourceDefinition, ResourceName, ResourceRow } from './types.ts'

export interface V3SnapshotSpec {
  name: ResourceName
  path: string
  /** The word for one object in messages (`category`). */
  singular: string
  /** Webhook scopes; empty when BigCommerce has no events for it (brands). */
  webhookScopes?: string[]
  deletionScope?: string
  targetOf?: ResourceDefinition['targetOf']
  /** The typed columns of the row, from the object (id and data are added). */
  columns(item: unknown): Omit<ResourceRow, 'id' | 'date_modified' | 'data'>
}

const idRange = (lo: number | undefined, hi: number | undefined) => ({
  'id:min': widenedMinId(lo),
  'id:max': widenedMaxId(hi),
})

/**
 * A resource listed whole by id. The list is asked in BigCommerce's default order, by id (no
 * `sort` is sent: whether these lists take one is not documented); a listing that falls short of
 * `meta.pagination.total` deletes nothing (docs/reliability.md).
 */
export function defineV3Snapshot(spec: V3SnapshotSpec): ResourceDefinition {
  const { path, singular } = spec
  return {
    name: spec.name,
    childTables: [],
    apiPaths: [path],
    idsPerRead: MAX_PAGE_SIZE,
    sweepKey: 'id',
    keyOf: (item) => parseApiObject(idSchema, item, singular).id,
    canOrderById: true,

    listRange(client, query) {
      const from = query.order === 'id' && query.minId !== undefined ? query.minId : query.lo
      const limit = query.limit ?? MAX_PAGE_SIZE
      return listV3Range(client, path, { ...idRange(from, query.hi), page: query.page, limit })
    },

    countRange(client, query) {
      return countV3(client, path, idRange(query.lo, query.hi))
    },

    async fetchByIds(client, ids) {
      const answer = emptyAnswer()
      await mapWithConcurrency(chunk([...new Set(ids)], MAX_PAGE_SIZE), 8, async (batch) => {
        const query = { 'id:in': batch, limit: MAX_PAGE_SIZE }
        fileAnswer(answer, batch, await getV3IdPage(client, path, query, singular))
      })
      return answer
    },

    webhookScopes: spec.webhookScopes ?? [],
    deletionScope: spec.deletionScope,
    targetOf: spec.targetOf ?? (() => null),

    listing: { path, version: 'v3', filters: () => ({}), idFields: 'id', sort: {} },

    toRow(item): ResourceRow {
      const { id } = parseApiObject(idSchema, item, singular)
      return { ...spec.columns(item), id, date_modified: null, data: item }
    },
  }
}
