// The range sweep's pure steps one by one (the whole sweep under any interleaving of pages and
// changes: range-sweep-property.test.ts).
import { describe, expect, it } from 'vitest'
import {
  busyByIdStep,
  busySecondSettled,
  clampToWindow,
  decideEnd,
  decideWalk,
  edgeOf,
  firstPageCover,
  needsExactLo,
  pageEnds,
  pageSizeAfter,
  pageSizeOf,
  pastPageHasRows,
  pickSplit,
  probeCover,
  probePages,
  shrinkPageSize,
  walksWanted,
} from '../../src/sync/sweeps/range-steps.ts'

describe('page ends and edges', () => {
  it('a short page ends its range only when no total says more rows follow', () => {
    expect(pageEnds({ count: 4 }, 1, 5)).toBe(true)
    expect(pageEnds({ count: 5 }, 1, 5)).toBe(false)
    expect(pageEnds({ count: 4, total: 9 }, 1, 5)).toBe(false)
    expect(pageEnds({ count: 4, total: 9 }, 2, 5)).toBe(true)
    expect(pageEnds({ count: 0, total: 0 }, 1, 5)).toBe(true)
  })

  it('takes page edges from the nearest row that has a key', () => {
    expect(edgeOf([undefined, 3, 4, undefined], 'first')).toBe(3)
    expect(edgeOf([undefined, 3, 4, undefined], 'last')).toBe(4)
    expect(edgeOf([undefined, undefined], 'last')).toBeUndefined()
  })

  it('covers only what lies inside the window', () => {
    expect(clampToWindow(0, 20, 5, 10)).toEqual([5, 10])
    expect(clampToWindow(11, 20, 5, 10)).toBeNull()
  })

  it('asks again with the exact lower bound when the second below the cursor filled the page', () => {
    expect(needsExactLo({ count: 5, lastKey: 9 }, 10, 5)).toBe(true)
    expect(needsExactLo({ count: 5, lastKey: 10 }, 10, 5)).toBe(false)
    expect(needsExactLo({ count: 3, lastKey: 9 }, 10, 5)).toBe(false)
  })
})

describe('where a short page ends', () => {
  it('a total settles it', () => {
    expect(decideEnd({ count: 2, total: 2, lastKey: 7 }, 5, true, 20, 0)).toEqual({ kind: 'ends' })
    expect(decideEnd({ count: 5, total: 9, lastKey: 7 }, 5, false, 20, 0)).toEqual({
      kind: 'continues',
    })
  })

  it('without any count, an id-keyed list asks once more from past the last id', () => {
    expect(decideEnd({ count: 2, lastKey: 7 }, 5, true, 20, 0)).toEqual({
      kind: 'ask-past',
      after: 8,
    })
    expect(decideEnd({ count: 0 }, 5, true, 20, 3)).toEqual({ kind: 'ask-past', after: 3 })
    expect(decideEnd({ count: 2, lastKey: 20 }, 5, true, 20, 0)).toEqual({ kind: 'ends' })
    expect(pastPageHasRows([undefined, 8], 8, 20)).toBe(true)
    expect(pastPageHasRows([7, undefined], 8, 20)).toBe(false)
    // The upper bound is widened too: a row just past it belongs to the next range.
    expect(pastPageHasRows([7, 21], 8, 20)).toBe(false)
  })
})

describe('a keyset walk', () => {
  const walk = { cursor: 10, to: 30 }

  it('finishes at the end of its range, and advances to the last key of a full page', () => {
    expect(decideWalk(walk, { count: 3, lastKey: 14 }, true)).toEqual({
      kind: 'finish',
      cover: [10, 30],
    })
    expect(decideWalk(walk, { count: 5, lastKey: 14 }, false)).toEqual({
      kind: 'advance',
      cover: [10, 13],
      cursor: 14,
    })
  })

  it('pages the cursor second apart when a whole page is that second', () => {
    expect(decideWalk(walk, { count: 5, lastKey: 10 }, false)).toEqual({
      kind: 'busy-second',
      second: 10,
    })
  })

  it('asks again after an empty page that does not end the range', () => {
    expect(decideWalk(walk, { count: 0, total: 4 }, false)).toEqual({ kind: 'ask-again' })
  })
})

describe('first page and probes', () => {
  it('the first page covers everything below its last key, or the whole gap when it ends it', () => {
    expect(firstPageCover({ count: 5, lastKey: 12 }, 3, 40, false)).toEqual([3, 11])
    expect(firstPageCover({ count: 2, lastKey: 12 }, 3, 40, true)).toEqual([3, 40])
    expect(firstPageCover({ count: 0, total: 3 }, 3, 40, false)).toBeNull()
  })

  it('probes every stride-th page so that the walks share the rest', () => {
    expect(probePages(undefined, 250, 4)).toEqual([])
    expect(probePages(2500, 250, 4)).toEqual([4, 7, 10])
    expect(probePages(2500, 250, 100)).toEqual([3, 5, 7, 9])
  })

  it('a probe covers the keys strictly inside it, to the end of the range when it is the last', () => {
    expect(probeCover({ count: 5, firstKey: 20, lastKey: 25 }, 3, 5, 40, 99)).toEqual([21, 24])
    expect(probeCover({ count: 2, firstKey: 20, lastKey: 25 }, 3, 5, 12, 99)).toEqual([21, 99])
    // A v2 page without its own total: the first page's total stands in.
    expect(probeCover({ count: 2, firstKey: 20, lastKey: 25 }, 3, 5, 40, 99)).toEqual([21, 24])
    expect(probeCover({ count: 0 }, 3, 5, 40, 99)).toBeNull()
  })
})

describe('busy seconds', () => {
  it('by id: goes on from past the last id until a page ends the second', () => {
    expect(busyByIdStep({ count: 5 }, 5, 41)).toEqual({ kind: 'next', minId: 42 })
    expect(busyByIdStep({ count: 2 }, 5, 41)).toEqual({ kind: 'done' })
    expect(busyByIdStep({ count: 5 }, 5, undefined)).toEqual({ kind: 'no-id' })
  })

  it('by offset: complete only when the count held and every counted row was seen', () => {
    expect(busySecondSettled(7, 7, 6, 1)).toBe(true)
    expect(busySecondSettled(7, 6, 7, 0)).toBe(false)
    expect(busySecondSettled(7, 7, 6, 0)).toBe(false)
  })
})

describe('walks side by side', () => {
  it('splits the walk with the most rows ahead, in the middle of what it has left', () => {
    const slow = { start: 0, cursor: 10, to: 1000, rows: 2000 }
    const quick = { start: 0, cursor: 900, to: 1000, rows: 10 }
    expect(pickSplit([quick, slow], 250)).toEqual({ walk: slow, middle: 505 })
    expect(pickSplit([quick], 250)).toBeNull()
  })

  it('runs as many walks as the quota can keep busy', () => {
    expect(walksWanted({ quota: null, windowMs: null }, 200, 16, 1)).toBe(16)
    // 150 requests per 30 s, 400 ms round trips: 2 in flight, 3 with headroom.
    expect(walksWanted({ quota: 150, windowMs: 30_000 }, 400, 16, 1)).toBe(3)
    expect(walksWanted({ quota: 150, windowMs: 30_000 }, 400, 16, 4)).toBe(2)
  })
})

describe('page size after an answer that was too large', () => {
  it('halves down to two rows (a widened bound may add one row from before it), then refuses', () => {
    let size = pageSizeOf(250)
    const limits: number[] = []
    for (let next = shrinkPageSize(size); next; next = shrinkPageSize(size)) {
      size = next
      limits.push(size.limit)
    }
    expect(limits).toEqual([125, 62, 31, 15, 7, 3, 2])
  })

  it('keeps the smaller size for the rows the refused page would have held, then returns', () => {
    let size = shrinkPageSize(pageSizeOf(250))
    if (!size) throw new Error('250 rows halve')
    expect(size).toEqual({ normal: 250, limit: 125, owed: 250 })
    size = pageSizeAfter(size, 125)
    expect(size.limit).toBe(125)
    size = pageSizeAfter(size, 125)
    expect(size).toEqual(pageSizeOf(250))
  })

  it('a second refusal within the same rows halves again without owing more', () => {
    const once = shrinkPageSize(pageSizeOf(250))
    const twice = once && shrinkPageSize(pageSizeAfter(once, 100))
    expect(twice).toEqual({ normal: 250, limit: 62, owed: 150 })
  })
})
