import { describe, expect, it } from 'vitest'
import { chunk, createLimiter, mapWithConcurrency } from '../../src/util/collections.ts'

/** A task that records how many run at once, finishing after `ms`. */
function tracker() {
  let running = 0
  let most = 0
  const task = async <T>(value: T, ms: number): Promise<T> => {
    running += 1
    most = Math.max(most, running)
    await new Promise((resolve) => setTimeout(resolve, ms))
    running -= 1
    return value
  }
  return { task, most: () => most }
}

describe('collections', () => {
  it('maps with at most `limit` tasks at once, results in input order', async () => {
    const t = tracker()
    const out = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, (n) => t.task(n * 10, n * 3))
    expect(out).toEqual([50, 10, 40, 20, 30, 0])
    expect(t.most()).toBe(2)
  })

  it('a limiter shared by callers holds them all to one limit', async () => {
    const t = tracker()
    const limit = createLimiter(3)
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => limit(() => t.task(i, 5))),
    )
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(t.most()).toBe(3)
  })

  it('a failing task rejects its caller and frees its slot for the others', async () => {
    const limit = createLimiter(1)
    const failed = limit(async () => {
      throw new Error('boom')
    })
    await expect(failed).rejects.toThrow('boom')
    await expect(limit(async () => 'next')).resolves.toBe('next')
  })

  it('chunks keep every item once, in order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(chunk([], 3)).toEqual([])
  })
})
