// Children that come embedded in their parent (a product's `variants` with include=variants, a
// customer's `addresses` with include=addresses) and, for parents whose embed may be cut or is
// missing, from one batched list for many parents (`/v3/catalog/variants?product_id:in=...`,
// `/v3/customers/addresses?customer_id:in=...`), paged and checked against its total. Absence is
// not deletion: a parent whose children cannot be read whole is set aside (row and children left
// as stored, read again later), never written with a partial set. See docs/bigcommerce-api.md,
// "Variants and addresses".
import { BigCommerceDataError } from '../bigcommerce/errors.ts'
import { BigCommerceListError, getListPage } from '../bigcommerce/list-answer.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import { pick, toId } from '../bigcommerce/validate.ts'
import type { ChildTable } from '../db/schema.ts'
import type { ChildRow } from '../db/rows.ts'
import { chunk } from '../util/collections.ts'
import type { ResourceRow, RowContext } from './types.ts'

/** How one resource's children are embedded and where the batched list is. */
export interface EmbeddedChildSpec {
  table: ChildTable
  /** The parent's field that holds the embedded list (`variants`). */
  field: string
  /** The child's field naming its parent; the batched list filters on `<parentKey>:in`. */
  parentKey: string
  /** The batched list of children across parents (`/v3/catalog/variants`). */
  listPath: string
  /** What one child is called in messages (`product variant`). */
  noun: string
  toRow(item: unknown): ChildRow
  /** Why an embedded list may not be the whole set (read it through the list), or null. */
  doubtOf(parent: unknown, embedded: unknown[]): string | null
  /** Why a parent's set as the whole list gave it cannot be right (an odd answer), or null. */
  oddnessOf(parent: unknown, children: unknown[]): string | null
}

/** Counters of one prepareRows call (a ChildReadStats). */
export type EmbeddedChildStats = {
  /** Parents whose embed was doubtful or missing: their children were read through the list. */
  completedParents: number
  /** Requests to the batched list. */
  listRequests: number
  /** Parents set aside: an answer about their children was odd. */
  unreadable: number
}

export const emptyEmbeddedChildStats = (): EmbeddedChildStats => ({
  completedParents: 0,
  listRequests: 0,
  unreadable: 0,
})

/**
 * Parents per request to the batched list: ids stay a short query string, and a page of 250
 * children still holds whole sets for most parents.
 */
export const PARENTS_PER_LIST = 50

/** Attaches each row's children (embedded, or read through the batched list), or sets it aside. */
export async function attachEmbeddedChildren(
  spec: EmbeddedChildSpec,
  ctx: RowContext,
  rows: ResourceRow[],
): Promise<EmbeddedChildStats> {
  const stats = emptyEmbeddedChildStats()
  const toComplete: ResourceRow[] = []
  for (const row of rows) {
    const embedded = pick(row.data, spec.field)
    if (!Array.isArray(embedded) || spec.doubtOf(row.data, embedded) !== null) {
      toComplete.push(row)
      continue
    }
    attach(spec, row, embedded, stats)
  }
  stats.completedParents += toComplete.length
  for (const batch of chunk(toComplete, PARENTS_PER_LIST)) {
    let sets: Map<number, unknown[]>
    try {
      sets = await readChildList(ctx.client, spec, batch, stats)
    } catch (error) {
      // An odd answer sets this batch's parents aside; a failed request fails the whole call, so
      // that it is retried.
      if (!(error instanceof BigCommerceDataError || error instanceof BigCommerceListError))
        throw error
      for (const row of batch) setAside(row, error.message, stats)
      continue
    }
    for (const row of batch) {
      const children = sets.get(row.id) ?? []
      const odd = spec.oddnessOf(row.data, children)
      if (odd === null) attach(spec, row, children, stats)
      else setAside(row, `GET ${spec.listPath} gave ${odd}`, stats)
    }
  }
  return stats
}

function attach(
  spec: EmbeddedChildSpec,
  row: ResourceRow,
  items: unknown[],
  stats: EmbeddedChildStats,
) {
  try {
    row.children = { ...row.children, [spec.table]: items.map((item) => spec.toRow(item)) }
  } catch (error) {
    // One malformed child makes the set unknown: the parent waits, the others go on.
    if (!(error instanceof BigCommerceDataError)) throw error
    setAside(row, error.message, stats)
  }
}

function setAside(row: ResourceRow, reason: string, stats: EmbeddedChildStats) {
  stats.unreadable += 1
  row.setAside = `its children could not be read: ${reason}`
}

/**
 * Every child of the batch's parents, by parent id, read page by page until the list's own total
 * is reached. A child of a parent nobody asked for, a total that is missing or not reached, or a
 * page that adds nothing is an odd answer (BigCommerceDataError), never a smaller set.
 */
async function readChildList(
  client: BigCommerceClient,
  spec: EmbeddedChildSpec,
  batch: ResourceRow[],
  stats: EmbeddedChildStats,
): Promise<Map<number, unknown[]>> {
  const asked = new Set(batch.map((row) => row.id))
  const sets = new Map<number, Map<unknown, unknown>>()
  const odd = (what: string) =>
    new BigCommerceDataError(`BigCommerce GET ${spec.listPath} answered ${what}`, {
      resource: spec.noun,
      id: null,
    })
  let read = 0
  for (let page = 1; ; page++) {
    const query = {
      [`${spec.parentKey}:in`]: [...asked],
      page,
      limit: MAX_PAGE_SIZE,
    }
    const answer = await getListPage(client, spec.listPath, 'v3', query)
    stats.listRequests += 1
    const total = answer.totalRows
    if (total === undefined) throw odd('without meta.pagination.total')
    let fresh = 0
    for (const item of answer.items) {
      const parent = toId(pick(item, spec.parentKey))
      if (parent === null || !asked.has(parent))
        throw odd(`a ${spec.noun} of ${spec.parentKey} ${String(parent)}, which was not asked for`)
      const set = sets.get(parent) ?? new Map<unknown, unknown>()
      sets.set(parent, set)
      const id = pick(item, 'id')
      if (!set.has(id)) fresh += 1
      set.set(id, item)
    }
    read += fresh
    if (read >= total) break
    if (fresh === 0)
      throw odd(`page ${page} with nothing new, ${read} of the ${total} it counts read`)
  }
  return new Map([...sets].map(([parent, set]) => [parent, [...set.values()]]))
}
