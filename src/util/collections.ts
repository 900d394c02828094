// Small generic helpers for working through lists; nothing here knows about BigCommerce. The one
// concurrency limiter of the project is p-limit, behind these two functions.
import pLimit from 'p-limit'

/** `fn` over `items`, at most `limit` at a time, results in input order. */
export function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const run = pLimit(Math.max(1, limit))
  return Promise.all(items.map((item) => run(() => fn(item))))
}

/** A gate that runs at most `limit` tasks at once, the rest in the order they came. */
export function createLimiter(limit: number): Limiter {
  return pLimit(Math.max(1, limit))
}

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>

/** Split into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}
