// Light validation of objects the API returns, so that a malformed one stops with a clear error
// instead of being written as garbage; and a bounded parallel map for per-id requests.
import { z } from 'zod'
import { parseBcDate } from './dates.ts'
import { BigCommerceDataError } from './errors.ts'

const isBcDate = (value: string) => {
  try {
    parseBcDate(value)
    return true
  } catch {
    return false
  }
}

/** A BigCommerce date string (RFC 2822 or ISO 8601). */
export const bcDateSchema = z.string().refine(isBcDate, { message: 'not a BigCommerce date' })
/** A date string, or "" / null for "not set". */
/** Any API object with a positive integer id (the rest is kept as it came). */
export const idSchema = z.looseObject({ id: z.number().int().positive() })

export const optionalBcDateSchema = z.union([z.literal(''), z.null(), bcDateSchema]).optional()

/** Parse `value` with `schema`, or throw a BigCommerceDataError naming resource, id and field. */
export function parseApiObject<T extends z.ZodType>(
  schema: T,
  value: unknown,
  resource: string,
): z.infer<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const id = value && typeof value === 'object' && 'id' in value ? value.id : null
  const issue = parsed.error.issues[0]
  const where = issue ? `${issue.path.join('.') || '(object)'}: ${issue.message}` : 'invalid'
  throw new BigCommerceDataError(
    `BigCommerce returned a malformed ${resource} object (id ${JSON.stringify(id)}); ${where}`,
    { resource, id },
  )
}

/** An integer id from a number or a numeric string (webhook payloads use both); else null. */
export function toId(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null
}

/** A nested property, or undefined when any step is not an object. */
export function pick(value: unknown, ...path: string[]): unknown {
  let current = value
  for (const key of path) {
    if (!current || typeof current !== 'object' || !(key in current)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}
