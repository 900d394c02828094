// An in-memory model of a BigCommerce list for the range sweep's property test: rows with an id
// and a sweep key, listed the way the API lists them (bounds widened by one, sorted by key then
// id or by id, offset pages of `limit`), each answer an atomic snapshot of that moment. Rows move
// (a later date_modified), appear and disappear between answers. A row of `weight` > 1 stands for
// a large object: an answer heavier than `maxWeight` is refused as the client refuses an answer
// over maxResponseBytes.
import type { BigCommerceClient } from '../../src/bigcommerce/client.ts'
import { BigCommerceResponseTooLargeError } from '../../src/bigcommerce/errors.ts'
import type { RangePage, RangeQuery, ResourceDefinition } from '../../src/resources/types.ts'

export interface ModelRow {
  id: number
  key: number
  /** An odd object: listed in its place, but without a readable key. */
  odd?: boolean
  weight?: number
}

/** How the modelled list answers: v3 (a total on every page), v2 (a count on request), or coupons. */
export type ModelApi = 'v3' | 'v2' | 'by-id'

export interface ModelSettings {
  api: ModelApi
  canOrderById: boolean
  /** Heaviest answer (sum of row weights) the client accepts. */
  maxWeight: number
}

export function createModelStore(initial: ModelRow[], settings: ModelSettings) {
  const rows = new Map(initial.map((row) => [row.id, { ...row }]))
  let nextId = Math.max(0, ...initial.map((r) => r.id)) + 1
  let requests = 0

  function matching(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo' | 'order' | 'minId'>) {
    const lo = query.lo === undefined ? -Infinity : query.lo - (query.exactLo ? 0 : 1)
    const hi = query.hi === undefined ? Infinity : query.hi + 1
    const minId = query.order === 'id' && query.minId !== undefined ? query.minId - 1 : -Infinity
    const found = [...rows.values()].filter((r) => r.key >= lo && r.key <= hi && r.id >= minId)
    const byId = query.order === 'id' || settings.api === 'by-id'
    return found.sort((a, b) => (byId ? a.id - b.id : a.key - b.key || a.id - b.id))
  }

  const bounded = (query: Pick<RangeQuery, 'lo' | 'hi'>) =>
    query.lo !== undefined || query.hi !== undefined

  /** "The sweep finishes": a sweep of a few dozen rows that asks this often is running away. */
  const countRequest = () => {
    requests += 1
    if (requests > 5000) throw new Error('runaway: over 5,000 requests')
  }

  function list(query: RangeQuery): RangePage {
    countRequest()
    const limit = query.limit ?? 250
    const all = matching(query)
    const page = all.slice((query.page - 1) * limit, query.page * limit)
    if (page.reduce((sum, r) => sum + (r.weight ?? 1), 0) > settings.maxWeight) {
      const details = { method: 'GET', path: '/model', status: 200, limitBytes: 1024 }
      throw new BigCommerceResponseTooLargeError(details)
    }
    const items = page.map((r) => (r.odd ? { id: r.id } : { id: r.id, key: r.key }))
    const counted = settings.api === 'v3' || (query.withTotal && settings.api === 'v2')
    const countable = settings.api !== 'by-id' || !bounded(query)
    const total = counted || (query.withTotal && countable) ? all.length : undefined
    return { items, total, path: '/model' }
  }

  function count(query: Pick<RangeQuery, 'lo' | 'hi' | 'exactLo'>): number | undefined {
    countRequest()
    if (settings.api === 'by-id' && bounded(query)) return undefined
    return matching(query).length
  }

  return {
    rows,
    list,
    count,
    get requests() {
      return requests
    },
    /** The row's key moves later by `by` (it was modified); a coupon's id never moves. */
    move(id: number, by: number) {
      const row = rows.get(id)
      if (row && settings.api !== 'by-id') row.key += by
    },
    insert(key: number): number {
      const id = nextId++
      rows.set(id, { id, key: settings.api === 'by-id' ? id : key })
      return id
    },
    remove(id: number) {
      rows.delete(id)
    },
  }
}

export type ModelStore = ReturnType<typeof createModelStore>

/** A resource whose list is the model, its answers let through `gate` (the test's scheduler). */
export function modelResource(
  store: ModelStore,
  settings: ModelSettings,
  gate: () => Promise<void>,
): ResourceDefinition {
  const keyOf = (item: unknown) => {
    const key = (item as { key?: unknown }).key
    if (typeof key !== 'number') throw new TypeError('no key')
    return key
  }
  const unused = () => {
    throw new Error('not used by sweepRange')
  }
  return {
    name: 'products',
    childTables: [],
    apiPaths: ['/model'],
    idsPerRead: 250,
    sweepKey: settings.api === 'by-id' ? 'id' : 'date_modified',
    keyOf,
    canOrderById: settings.canOrderById,
    listing: { path: '/model', version: 'v3', filters: () => ({}), sort: {} },
    async listRange(_client, query) {
      await gate()
      return store.list(query)
    },
    async countRange(_client, query) {
      await gate()
      return store.count(query)
    },
    fetchByIds: unused,
    webhookScopes: [],
    targetOf: () => null,
    toRow: unused,
  }
}

/** sweepRange asks the client only for the pacer's view of the quota (none here: no quota). */
export const clientWithoutQuota = {
  pacer: { snapshot: () => ({ quota: null, windowMs: null }) },
} as unknown as BigCommerceClient
