// Query parameters as BigCommerce reads them: integers, paging (50 by default, 413 above 250),
// v2 and v3 date filters and `id:in` lists. A malformed one is a BadRequest.
import type { Context } from 'hono'
import type { SimClock } from '../state.ts'
import { BadRequest } from './context.ts'

export const int = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined || value === '') return undefined
  if (!/^-?\d+$/.test(value)) throw new BadRequest(400, `${name} must be an integer`)
  return Number(value)
}

export function readPaging(c: Context, maxLimit = 250) {
  const limit = int(c.req.query('limit'), 'limit') ?? 50
  const page = int(c.req.query('page'), 'page') ?? 1
  if (limit > 250) throw new BadRequest(413, 'The limit may not exceed 250')
  if (limit < 1 || page < 1) throw new BadRequest(400, 'page and limit must be positive')
  return { limit: Math.min(limit, maxLimit), page }
}

/** v2 date filters: RFC 2822 or ISO 8601. Whole seconds, as BigCommerce stores them. */
export function v2Date(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new BadRequest(400, `${name} is not a date`)
  return Math.floor(ms / 1000)
}

/** v3 date filters: a date without a time gets the current time of day (as the spec warns). */
export function v3Date(clock: SimClock, value: string | undefined, name: string) {
  if (value === undefined) return undefined
  let text = value
  if (/^\d{4}-\d{2}-\d{2}$/.test(text))
    text = `${text}T${new Date(clock.now()).toISOString().slice(11)}`
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) text = `${text}Z`
  // An unencoded `+` arrives as a space: "2025-01-01T00:00:00 00:00" fails here, as it should.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text)
  if (Number.isNaN(ms) || !/^\d{4}-|^\d+$/.test(text))
    throw new BadRequest(422, `${name} is not a valid date-time`)
  return Math.floor(ms / 1000)
}

/** The v3 `date_modified:min` and `date_modified:max` filters, in whole seconds. */
export function v3ModifiedRange(clock: SimClock, c: Context) {
  return {
    minModified: v3Date(clock, c.req.query('date_modified:min'), 'date_modified:min'),
    maxModified: v3Date(clock, c.req.query('date_modified:max'), 'date_modified:max'),
  }
}

export const idList = (value: string | undefined): number[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .filter(Boolean)
        .map((v) => int(v.trim(), 'id:in') ?? 0)

/**
 * `include_fields` keeps only the named fields (and id, and any included sub-resource);
 * `exclude_fields` drops the named ones (never id).
 */
export function trimFields(c: Context, object: Record<string, unknown>) {
  const includeFields = c.req.query('include_fields')
  const excludeFields = c.req.query('exclude_fields')
  if (!includeFields && !excludeFields) return object
  const keep = includeFields ? new Set(['id', ...includeFields.split(',')]) : null
  const drop = new Set((excludeFields ?? '').split(','))
  const include = new Set((c.req.query('include') ?? '').split(','))
  return Object.fromEntries(
    Object.entries(object).filter(
      ([key]) =>
        (keep === null || keep.has(key) || include.has(key)) && (key === 'id' || !drop.has(key)),
    ),
  )
}
