// Reading answers to reads by id (`id:in` pages, v2 id ranges, single GETs) without trusting them
// blindly: an object nobody asked for is ignored, never written under its neighbour's id, and it
// makes the answer's silence about the asked ids worthless (see IdAnswer); a single read that
// answers no object at all (204, an empty 200) is no answer either.
import { BigCommerceApiError, BigCommerceDataError } from '../bigcommerce/errors.ts'
import type { BigCommerceClient, Query } from '../bigcommerce/client.ts'
import { pick, toId } from '../bigcommerce/validate.ts'
import type { IdAnswer } from './types.ts'

export const emptyAnswer = (): IdAnswer => ({
  found: new Map(),
  unanswered: new Set(),
  unidentified: [],
})

/**
 * Files the objects of one answer to the ids it was asked for. `inRange` accepts any id in
 * [min, max] without suspicion (a v2 id-range query answers every id in its range).
 */
export function fileAnswer(
  answer: IdAnswer,
  asked: readonly number[],
  items: readonly unknown[],
  inRange?: { min: number; max: number },
): void {
  const wanted = new Set(asked)
  let suspect = false
  for (const item of items) {
    const id = toId(pick(item, 'id'))
    if (id === null || typeof pick(item, 'id') !== 'number') {
      answer.unidentified.push(item)
      suspect = true
    } else if (wanted.has(id)) answer.found.set(id, item)
    else if (!inRange || id < inRange.min || id > inRange.max) suspect = true
  }
  if (!suspect) return
  for (const id of asked) if (!answer.found.has(id)) answer.unanswered.add(id)
}

/**
 * One object read by id (`GET /v2/orders/{id}`), filed into `answer`. A 404 is "not found this
 * time"; an object is the answer; anything else (204, an empty 200, a list) says nothing about
 * the id: unanswered, read again later, never "not found" (docs/bigcommerce-api.md, "Reads by id").
 */
export async function readOneById(
  client: BigCommerceClient,
  path: string,
  query: Query,
  id: number,
  answer: IdAnswer,
): Promise<void> {
  const response = await client.request(path, { query })
  if (response.status === 404) return
  const body = response.body
  if (body !== null && typeof body === 'object' && !Array.isArray(body))
    fileAnswer(answer, [id], [body])
  else answer.unanswered.add(id)
}

/** A 404 on a list path says nothing about rows (a wrong URL, a retired endpoint): an error. */
async function getListBody(
  client: BigCommerceClient,
  path: string,
  query: Query,
): Promise<unknown> {
  const response = await client.request(path, { query })
  if (response.status === 404) {
    throw new BigCommerceApiError(
      `BigCommerce GET ${path} answered 404 for a list: not an empty list, and no evidence ` +
        'about any id',
      { method: 'GET', path, status: 404, attempts: 1 },
    )
  }
  return response.body
}

/** The rows of a v3 `id:in` page; an answer without its data array is an error, never "none". */
export async function getV3IdPage(
  client: BigCommerceClient,
  path: string,
  query: Query,
  resource: string,
): Promise<unknown[]> {
  const data = pick(await getListBody(client, path, query), 'data')
  if (!Array.isArray(data)) {
    throw new BigCommerceDataError(`BigCommerce GET ${path} answered without a data array`, {
      resource,
      id: null,
    })
  }
  return data
}

/** The rows of a v2 list read by id; 204 (or an empty body) is v2's "no rows". */
export async function getV2IdPage(
  client: BigCommerceClient,
  path: string,
  query: Query,
  resource: string,
): Promise<unknown[]> {
  const body = await getListBody(client, path, query)
  if (body === null) return []
  if (!Array.isArray(body)) {
    throw new BigCommerceDataError(`BigCommerce GET ${path} answered with something not a list`, {
      resource,
      id: null,
    })
  }
  return body
}
