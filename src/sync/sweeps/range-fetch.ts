// The requests of a range sweep: one list page (asked again when the answer is odd), with its
// count where a short page needs one, at a page size that halves when an answer is over the
// client's size limit. The decisions live in range-steps.ts; this file only talks to the API.
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import { BigCommerceResponseTooLargeError } from '../../bigcommerce/errors.ts'
import { BigCommerceListError } from '../../bigcommerce/list-answer.ts'
import { MAX_PAGE_SIZE } from '../../bigcommerce/paging.ts'
import type { RangePage, RangeQuery, ResourceDefinition } from '../../resources/types.ts'
import type { Limiter } from '../../util/collections.ts'
import {
  edgeOf,
  MIN_PAGE_SIZE,
  pageEnds,
  pageSizeAfter,
  shrinkPageSize,
  type PageSize,
  type PageView,
} from './range-steps.ts'

/** Keys are never below this; a range starting here has no lower bound. */
export const KEY_MIN = 0
/** A range ending here has no upper bound. */
export const KEY_MAX = Number.MAX_SAFE_INTEGER

/** A list answer that is not a list is asked this often in all before the sweep fails. */
export const LIST_ATTEMPTS = 3

export class SweepIncompleteError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SweepIncompleteError'
  }
}

/** A page with no rows although its own total (or the count) says the range holds some. */
export class EmptyPageError extends SweepIncompleteError {
  constructor(table: string, answer: RangePage, page: number) {
    super(
      `${table}: GET ${answer.path ?? 'the list'} answered no rows on page ${page} although the store counts ${answer.total ?? 0} in that range`,
    )
    this.name = 'EmptyPageError'
  }
}

/** The smallest page is over the client's size limit: the range cannot be read past it. */
export class ObjectTooLargeError extends SweepIncompleteError {
  constructor(resource: ResourceDefinition, key: number, error: BigCommerceResponseTooLargeError) {
    const where =
      resource.sweepKey === 'id'
        ? `with an id from ${key}`
        : `modified at or after ${new Date(key * 1000).toISOString()}`
    const mib = Math.round((error.limitBytes / 1024 / 1024) * 10) / 10
    super(
      `${resource.name}: GET ${error.path} answered more than ${mib} MiB (the client's limit for one answer) even at ${MIN_PAGE_SIZE} rows a page, the fewest a sweep asks for: an object ${where} is too large to read; the rows before it are mirrored and kept; report it with this line`,
    )
    this.name = 'ObjectTooLargeError'
  }
}

export interface PageSizeReduced {
  /** The page size refused, and the one asked next. */
  from: number
  to: number
  /** Where the refused page started (a sweep key). */
  key: number
}

/** Counts the answers a sweep refused as too large, for the table's summary and log. */
export function createPageSizeLog() {
  let refused = 0
  let smallest = Number.POSITIVE_INFINITY
  return {
    note(event: PageSizeReduced) {
      refused += 1
      smallest = Math.min(smallest, event.to)
    },
    /** One note for the summary when any answer was too large; none otherwise. */
    describe(): string[] {
      if (refused === 0) return []
      const answers = refused === 1 ? '1 answer was' : `${refused} answers were`
      return [
        `${answers} over the size limit for one answer: those ranges were read again with fewer rows a page (down to ${smallest})`,
      ]
    },
  }
}

export interface FetchSettings {
  resource: ResourceDefinition
  client: BigCommerceClient
  signal?: AbortSignal
  /** Pause before asking an odd list answer again (times the attempt). Default 250 ms. */
  listRetryMs?: number
  onPageSizeReduced?: (event: PageSizeReduced) => void
}

/** A range request: bounds are sweep keys, KEY_MIN / KEY_MAX meaning "none". */
export type RangeRequest = Omit<RangeQuery, 'lo' | 'hi'> & { lo: number; hi: number }

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const bound = (key: number, edge: number) => (key === edge ? undefined : key)

/** One list request, with the count of its query when a short page needs one. */
async function fetchOnce(
  settings: FetchSettings,
  limit: Limiter,
  request: RangeRequest,
  countShort: boolean,
): Promise<RangePage> {
  const { resource, client } = settings
  const pageSize = request.limit ?? MAX_PAGE_SIZE
  settings.signal?.throwIfAborted()
  const query = { ...request, lo: bound(request.lo, KEY_MIN), hi: bound(request.hi, KEY_MAX) }
  let answer = await limit(() => resource.listRange(client, query))
  // A short page without a total (v2 lists) gets the count of its query, so that the sweep can
  // tell whether rows follow; where the API cannot count the range, the sweep asks past it.
  if (countShort && answer.total === undefined && answer.items.length < pageSize) {
    const total = await limit(() => resource.countRange(client, query))
    if (total !== undefined) answer = { ...answer, total }
  }
  const view = { count: answer.items.length, total: answer.total }
  if (view.count === 0 && !pageEnds(view, request.page, pageSize)) {
    throw new EmptyPageError(resource.name, answer, request.page)
  }
  return answer
}

export function createRangeFetcher(settings: FetchSettings, limit: Limiter) {
  const { resource } = settings
  /** One list request; an answer that is not a list is asked again before the sweep fails. */
  async function fetchRange(request: RangeRequest, countShort = false): Promise<RangePage> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetchOnce(settings, limit, request, countShort)
      } catch (error) {
        const odd = error instanceof BigCommerceListError || error instanceof EmptyPageError
        if (!odd || attempt >= LIST_ATTEMPTS) throw error
        await sleep((settings.listRetryMs ?? 250) * attempt)
      }
    }
  }

  /**
   * fetchRange at the walk's page size (`size.limit`), halving it after an answer over the size
   * limit down to MIN_PAGE_SIZE rows; a page that small still too large stops the range
   * (ObjectTooLargeError).
   */
  async function fetchSized(
    request: Omit<RangeRequest, 'limit'>,
    size: { current: PageSize },
    countShort = false,
  ): Promise<{ answer: RangePage; pageSize: number }> {
    for (;;) {
      const asked = size.current.limit
      try {
        const answer = await fetchRange({ ...request, limit: asked }, countShort)
        size.current = pageSizeAfter(size.current, answer.items.length)
        return { answer, pageSize: asked }
      } catch (error) {
        size.current = shrinkAfter(settings, error, size.current, request.lo)
      }
    }
  }

  return {
    fetchRange,
    fetchSized,
    shrinkAfter: (error: unknown, size: PageSize, key: number) =>
      shrinkAfter(settings, error, size, key),
    viewOf: (answer: RangePage) => viewOf(resource, answer),
    requireEdges: (view: PageView, answer: RangePage) => requireEdges(resource, view, answer),
  }
}

/**
 * The page size after a failed request: halved (and reported) when the answer was too large;
 * any other failure, or a page of MIN_PAGE_SIZE rows too large, is thrown.
 */
function shrinkAfter(settings: FetchSettings, error: unknown, size: PageSize, key: number) {
  if (!(error instanceof BigCommerceResponseTooLargeError)) throw error
  const smaller = shrinkPageSize(size)
  if (!smaller) throw new ObjectTooLargeError(settings.resource, key, error)
  settings.onPageSizeReduced?.({ from: size.limit, to: smaller.limit, key })
  return smaller
}

/** The decision view of a page: its size, total and edge keys. */
function viewOf(resource: ResourceDefinition, answer: RangePage): PageView {
  const keys = answer.items.map((item) => keyOrUndefined(resource, item))
  return {
    count: answer.items.length,
    total: answer.total,
    firstKey: edgeOf(keys, 'first'),
    lastKey: edgeOf(keys, 'last'),
  }
}

/** Fails when a page the sweep must go on from has rows but none with a key. */
function requireEdges(resource: ResourceDefinition, view: PageView, answer: RangePage): void {
  if (view.count > 0 && view.lastKey === undefined) throw noKeyOnPage(resource, answer.items)
}

export type RangeFetcher = ReturnType<typeof createRangeFetcher>

export function idOrUndefined(item: unknown): number | undefined {
  const id = item && typeof item === 'object' && 'id' in item ? item.id : undefined
  return typeof id === 'number' ? id : undefined
}

export function keyOrUndefined(resource: ResourceDefinition, item: unknown): number | undefined {
  try {
    return resource.keyOf(item)
  } catch {
    return undefined
  }
}

/** A page full of objects without a key (or id) gives the sweep nowhere to go on from. */
export function noKeyOnPage(
  resource: ResourceDefinition,
  items: unknown[],
  what: string = resource.sweepKey,
): SweepIncompleteError {
  const found = `none of the ${items.length} objects on a page had a usable ${what}`
  return new SweepIncompleteError(
    `${resource.name}: ${found}, so the sweep cannot tell where the page ends; run the sync again, and if it recurs, check the store's data`,
  )
}
