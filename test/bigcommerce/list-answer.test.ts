// Reading list answers strictly (no HTTP: the pure steps), and when a page ends its range.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BigCommerceListError, readListAnswer } from '../../src/bigcommerce/list-answer.ts'
import { endsRange } from '../../src/sync/sweeps/range-sweep.ts'

describe('readListAnswer', () => {
  it.each([
    ['v3', 404, { status: 404, title: 'Not Found' }, 'answered 404 Not Found'],
    [
      'v2',
      404,
      [{ status: 404, message: 'The requested resource was not found.' }],
      'answered 404 Not Found',
    ],
    ['v3', 200, {}, 'answered 200 with {}'],
    ['v3', 200, { data: null, meta: {} }, 'answered 200 with {"data": null}'],
    ['v3', 200, null, 'answered 200 with an empty body'],
    ['v3', 204, null, 'answered 204 with an empty body'],
    ['v3', 200, { data: { id: 1 } }, 'answered 200 with data that is not an array (object)'],
    ['v3', 200, { errors: { email: 'x@example.com' } }, 'answered 200 with an object without data'],
    ['v3', 200, [], 'answered 200 with an array'],
    ['v2', 200, null, 'answered 200 with an empty body'],
    ['v2', 200, {}, 'answered 200 with {}'],
    ['v2', 200, 'text', 'answered 200 with a JSON string'],
  ] as const)('%s %i %j is an error naming what came back', (format, status, body, what) => {
    const read = () => readListAnswer('/v3/customers', format, { status, body })
    expect(read).toThrow(BigCommerceListError)
    expect(read).toThrow(
      `GET /v3/customers ${what}; a list that does not answer is an error, not an empty store`,
    )
  })

  it('never puts the body in the message', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          readListAnswer('/v3/customers', 'v3', { status: 200, body })
        } catch (error) {
          const text = JSON.stringify(body)
          const message = (error as Error).message
          // Only the fixed descriptions appear: no string of the body longer than a word.
          if (text.length > 12) expect(message).not.toContain(text)
          expect(message.length).toBeLessThan(160)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('a v2 204 is a page without rows; lists with data are read with their totals', () => {
    expect(readListAnswer('/v2/orders', 'v2', { status: 204, body: null })).toEqual({ items: [] })
    expect(readListAnswer('/v2/orders', 'v2', { status: 200, body: [{ id: 1 }] })).toEqual({
      items: [{ id: 1 }],
    })
    const v3 = { data: [{ id: 2 }], meta: { pagination: { total: 30, total_pages: 3 } } }
    expect(readListAnswer('/v3/customers', 'v3', { status: 200, body: v3 })).toEqual({
      items: [{ id: 2 }],
      totalRows: 30,
      totalPages: 3,
    })
    expect(readListAnswer('/v3/customers', 'v3', { status: 200, body: { data: [] } })).toEqual({
      items: [],
    })
  })
})

describe('endsRange', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i }))

  it('a full page never ends a range; a short one does unless its total says more rows follow', () => {
    expect(endsRange({ items: rows(250) }, 1)).toBe(false)
    expect(endsRange({ items: rows(250), total: 250 }, 1)).toBe(false)
    expect(endsRange({ items: rows(60) }, 1)).toBe(true)
    expect(endsRange({ items: rows(60), total: 60 }, 1)).toBe(true)
    expect(endsRange({ items: rows(60), total: 900 }, 1)).toBe(false)
    expect(endsRange({ items: rows(0), total: 0 }, 1)).toBe(true)
    expect(endsRange({ items: rows(0), total: 5 }, 1)).toBe(false)
    // Page 3 of 510 rows holds the last 10.
    expect(endsRange({ items: rows(10), total: 510 }, 3)).toBe(true)
    expect(endsRange({ items: rows(10), total: 511 }, 3)).toBe(false)
  })

  it('with a total, a page ends its range exactly when no row is counted beyond it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 250 }),
        fc.integer({ min: 0, max: 20_000 }),
        (page, count, total) => {
          const ends = endsRange({ items: rows(count), total }, page)
          const beyond = total - ((page - 1) * 250 + count)
          expect(ends).toBe(count < 250 && beyond <= 0)
        },
      ),
      { numRuns: 1000 },
    )
  })
})
