// Children that come embedded in their parent (a product's `variants` with include=variants, a
// customer's `addresses` with include=addresses) and, for parents whose embed may be cut or is
// missing, from one batched list for many parents (`/v3/catalog/variants?product_id:in=...`,
// `/v3/customers/addresses?customer_id:in=...`), paged and checked against its total. Absence is
// not deletion: a parent whose children cannot be read whole is set aside (row and children left
// as stored, read again later), never written with a partial set. A store that ignores the batched
// list's filter (undocumented for variants) is read per parent instead. See
// docs/bigcommerce-api.md, "Variants and addresses".
import { BigCommerceDataError } from '../bigcommerce/errors.ts'
import { BigCommerceListError, getListPage } from '../bigcommerce/list-answer.ts'
import { MAX_PAGE_SIZE } from '../bigcommerce/paging.ts'
import type { BigCommerceClient, Query } from '../bigcommerce/client.ts'
import { pick, toId } from '../bigcommerce/validate.ts'
import type { ChildTable } from '../db/schema.ts'
import type { ChildRow } from '../db/rows.ts'
import { chunk, mapWithConcurrency } from '../util/collections.ts'
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
  /**
   * The documented list of one parent's children (`/v3/catalog/products/{id}/variants`), read when
   * the store ignores the batched list's filter; without it such an answer is odd.
   */
  perParentPath?(parentId: number): string
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
  /** Requests to the per-parent lists (the store ignored the batched list's filter). */
  perParentRequests: number
  /** Parents set aside: an answer about their children was odd. */
  unreadable: number
}

export const emptyEmbeddedChildStats = (): EmbeddedChildStats => ({
  completedParents: 0,
  listRequests: 0,
  perParentRequests: 0,
  unreadable: 0,
})

/**
 * Parents per request to the batched list: ids stay a short query string, and a page of 250
 * children still holds whole sets for most parents.
 */
export const PARENTS_PER_LIST = 50

/** Parents read at once through their per-parent lists. */
const PER_PARENT_CONCURRENCY = 4

/**
 * Batched lists whose filter a client's store ignored, by client: later batches go per parent at
 * once instead of spending a request to learn it again.
 */
const filterIgnoredBy = new WeakMap<BigCommerceClient, Set<string>>()

/** The batched list answered with children of parents nobody asked for: its filter is ignored. */
class ParentFilterIgnored extends BigCommerceDataError {}

const isOddAnswer = (error: unknown): error is Error =>
  error instanceof BigCommerceDataError || error instanceof BigCommerceListError

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
  for (const batch of chunk(toComplete, PARENTS_PER_LIST))
    await completeBatch(ctx.client, spec, batch, stats)
  return stats
}

/** Reads one batch's children through the batched list, or per parent if its filter is ignored. */
async function completeBatch(
  client: BigCommerceClient,
  spec: EmbeddedChildSpec,
  batch: ResourceRow[],
  stats: EmbeddedChildStats,
) {
  const perParent = spec.perParentPath
  if (perParent && filterIgnoredBy.get(client)?.has(spec.listPath))
    return completePerParent(client, spec, perParent, batch, stats)
  let sets: Map<number, unknown[]>
  try {
    sets = await readChildList(client, spec, batch, stats)
  } catch (error) {
    if (error instanceof ParentFilterIgnored && perParent) {
      const ignored = filterIgnoredBy.get(client) ?? new Set<string>()
      filterIgnoredBy.set(client, ignored.add(spec.listPath))
      return completePerParent(client, spec, perParent, batch, stats)
    }
    // An odd answer sets this batch's parents aside; a failed request fails the whole call, so
    // that it is retried.
    if (!isOddAnswer(error)) throw error
    for (const row of batch) setAside(row, error.message, stats)
    return
  }
  for (const row of batch) attachWhole(spec, row, sets.get(row.id) ?? [], spec.listPath, stats)
}

/** Reads each parent's children through its own list; an odd answer sets only that parent aside. */
async function completePerParent(
  client: BigCommerceClient,
  spec: EmbeddedChildSpec,
  pathOf: (parentId: number) => string,
  batch: ResourceRow[],
  stats: EmbeddedChildStats,
) {
  await mapWithConcurrency(batch, PER_PARENT_CONCURRENCY, async (row) => {
    const path = pathOf(row.id)
    let children: unknown[]
    try {
      children = await readWholeList(client, spec, path, {}, stats, 'perParentRequests', (item) => {
        const parent = pick(item, spec.parentKey)
        // The parent is in the path; a child naming another one is an odd answer.
        if (parent !== undefined && toId(parent) !== row.id)
          throw oddAnswer(spec, path, `a ${spec.noun} of ${spec.parentKey} ${String(parent)}`)
      })
    } catch (error) {
      if (!isOddAnswer(error)) throw error
      setAside(row, error.message, stats)
      return
    }
    attachWhole(spec, row, children, path, stats)
  })
}

/** Attaches a parent's children read whole from a list, unless the set itself is odd. */
function attachWhole(
  spec: EmbeddedChildSpec,
  row: ResourceRow,
  children: unknown[],
  path: string,
  stats: EmbeddedChildStats,
) {
  const odd = spec.oddnessOf(row.data, children)
  if (odd === null) attach(spec, row, children, stats)
  else setAside(row, `GET ${path} gave ${odd}`, stats)
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

const oddAnswer = (spec: EmbeddedChildSpec, path: string, what: string) =>
  new BigCommerceDataError(`BigCommerce GET ${path} answered ${what}`, {
    resource: spec.noun,
    id: null,
  })

/**
 * Every child of the batch's parents, by parent id. A child of a parent nobody asked for means the
 * store ignored the filter (ParentFilterIgnored), noticed on the first page that shows it.
 */
async function readChildList(
  client: BigCommerceClient,
  spec: EmbeddedChildSpec,
  batch: ResourceRow[],
  stats: EmbeddedChildStats,
): Promise<Map<number, unknown[]>> {
  const asked = new Set(batch.map((row) => row.id))
  const query = { [`${spec.parentKey}:in`]: [...asked] }
  const children = await readWholeList(
    client,
    spec,
    spec.listPath,
    query,
    stats,
    'listRequests',
    (item) => {
      const parent = toId(pick(item, spec.parentKey))
      if (parent === null)
        throw oddAnswer(spec, spec.listPath, `a ${spec.noun} without ${spec.parentKey}`)
      if (!asked.has(parent)) {
        const what = `a ${spec.noun} of ${spec.parentKey} ${parent}, which was not asked for`
        throw new ParentFilterIgnored(`BigCommerce GET ${spec.listPath} answered ${what}`, {
          resource: spec.noun,
          id: null,
        })
      }
    },
  )
  const sets = new Map<number, unknown[]>()
  for (const item of children) {
    const parent = toId(pick(item, spec.parentKey))
    if (parent === null) continue // refused by the check above
    const set = sets.get(parent) ?? []
    sets.set(parent, set)
    set.push(item)
  }
  return sets
}

/**
 * A list read page by page until its own total is reached, children deduplicated; `check`
 * throws for a child that does not belong. A total that is missing or not reached, or a page that
 * adds nothing, is an odd answer (BigCommerceDataError), never a smaller set.
 */
async function readWholeList(
  client: BigCommerceClient,
  spec: EmbeddedChildSpec,
  path: string,
  filter: Query,
  stats: EmbeddedChildStats,
  counter: 'listRequests' | 'perParentRequests',
  check: (item: unknown) => void,
): Promise<unknown[]> {
  const byId = new Map<string, unknown>()
  for (let page = 1; ; page++) {
    const answer = await getListPage(client, path, 'v3', { ...filter, page, limit: MAX_PAGE_SIZE })
    stats[counter] += 1
    const total = answer.totalRows
    if (total === undefined) throw oddAnswer(spec, path, 'without meta.pagination.total')
    const before = byId.size
    for (const item of answer.items) {
      check(item)
      // Keyed by parent too: a child's id is taken to be unique only within its parent.
      byId.set(`${String(pick(item, spec.parentKey))}:${String(pick(item, 'id'))}`, item)
    }
    if (byId.size >= total) break
    if (byId.size === before)
      throw oddAnswer(
        spec,
        path,
        `page ${page} with nothing new, ${byId.size} of the ${total} it counts read`,
      )
  }
  return [...byId.values()]
}
