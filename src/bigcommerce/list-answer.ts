// Reading one list answer (one page of a v2 or v3 list) strictly. A list that answers 404, or a v3
// answer without its data array ({}, {"data": null}, an empty body), is an error, never "the store
// has no rows": read as empty, it once made a full sweep delete whole tables. v2 answers an empty
// result with 204, so there a 204 means "no rows on this page", and nothing more. A v2 `/count`
// always answers `{count}`: anything else (a 204 included) is an error, never "no rows".
import type { BigCommerceClient, Query } from './client.ts'

export type ListFormat = 'v2' | 'v3'

export interface ListAnswer {
  items: unknown[]
  /** v3 meta.pagination.total: rows the whole query holds. */
  totalRows?: number
  /** v3 meta.pagination.total_pages. */
  totalPages?: number
}

/** A list answer that is not a list. The message names the path and what came back, no row data. */
export class BigCommerceListError extends Error {
  override readonly name: string = 'BigCommerceListError'
  readonly path: string
  readonly status: number

  constructor(path: string, status: number, what: string, kind: 'list' | 'count' = 'list') {
    super(`GET ${path} ${what}; a ${kind} that does not answer is an error, not an empty store`)
    this.path = path
    this.status = status
  }
}

/** The shape of a body in a few words (never its content: bodies hold customers' data). */
function describeBody(body: unknown): string {
  if (body === null) return 'an empty body'
  if (Array.isArray(body)) return 'an array'
  if (typeof body !== 'object') return `a JSON ${typeof body}`
  if (!('data' in body)) return Object.keys(body).length === 0 ? '{}' : 'an object without data'
  return body.data === null ? '{"data": null}' : `data that is not an array (${typeof body.data})`
}

function readPagination(body: object): Pick<ListAnswer, 'totalRows' | 'totalPages'> {
  const meta = 'meta' in body ? body.meta : undefined
  const pagination =
    meta && typeof meta === 'object' && 'pagination' in meta ? meta.pagination : undefined
  if (!pagination || typeof pagination !== 'object') return {}
  const total = 'total' in pagination ? pagination.total : undefined
  const pages = 'total_pages' in pagination ? pagination.total_pages : undefined
  return {
    ...(typeof total === 'number' ? { totalRows: total } : {}),
    ...(typeof pages === 'number' ? { totalPages: pages } : {}),
  }
}

/** Interprets one list response; throws BigCommerceListError for anything that is not a list. */
export function readListAnswer(
  path: string,
  format: ListFormat,
  response: { status: number; body: unknown },
): ListAnswer {
  const { status, body } = response
  if (status === 404) throw new BigCommerceListError(path, status, 'answered 404 Not Found')
  if (format === 'v2') {
    if (status === 204) return { items: [] }
    if (Array.isArray(body)) return { items: body }
    throw new BigCommerceListError(path, status, `answered ${status} with ${describeBody(body)}`)
  }
  if (body && typeof body === 'object' && 'data' in body && Array.isArray(body.data)) {
    return { items: body.data, ...readPagination(body) }
  }
  throw new BigCommerceListError(path, status, `answered ${status} with ${describeBody(body)}`)
}

/** GET one page of a list and read it strictly. */
export async function getListPage(
  client: BigCommerceClient,
  path: string,
  format: ListFormat,
  query: Query,
  signal?: AbortSignal,
): Promise<ListAnswer> {
  return readListAnswer(path, format, await client.request(path, { query, signal }))
}

/**
 * GET a v2 `/count` and read `{count}` strictly: a count that does not answer (204, an empty body,
 * no number) throws BigCommerceListError, so that a list's 204 is never confirmed by silence.
 */
export async function getCount(
  client: BigCommerceClient,
  path: string,
  query: Query,
  signal?: AbortSignal,
  countOf: (body: unknown) => unknown = (body) =>
    body && typeof body === 'object' && 'count' in body ? body.count : undefined,
): Promise<number> {
  const { status, body } = await client.request(path, { query, signal })
  const fail = (what: string) => new BigCommerceListError(path, status, what, 'count')
  if (status === 404) throw fail('answered 404 Not Found')
  const count = countOf(body)
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count
  const what = status === 204 ? 'no content' : describeBody(body)
  throw fail(`answered ${status} with ${what} instead of a count`)
}
