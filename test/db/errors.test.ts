// Error texts that are safe to store and log: PostgreSQL's own message from a drizzle error's
// cause (never the SQL and its parameters), API failures explained, short, naming the table and
// the id where known.
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { describe, expect, it } from 'vitest'
import { describeCause, isRowError, MAX_ERROR_LENGTH } from '../../src/db/errors.ts'
import { describeFailureAt as describeFailure, describeProblem } from '../../src/sync/failure.ts'
import { BigCommerceApiError } from '../../src/bigcommerce/errors.ts'

const EMAIL = 'ada.lovelace@example.com'

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' })
}

function failedQuery(cause?: Error): DrizzleQueryError {
  const params = [JSON.stringify([{ id: 1, email: EMAIL, notes: 'x'.repeat(100_000) }])]
  return new DrizzleQueryError('insert into bigcommerce.customers ...', params, cause)
}

describe('error texts', () => {
  it("a failed query gives PostgreSQL's message, not the statement or its parameters", () => {
    const error = failedQuery(
      pgError('22003', 'value "3000000000" is out of range for type integer'),
    )
    expect(error.message).toContain(EMAIL)
    const text = describeFailure('products', error, 17)
    expect(text).toBe(
      'products id 17: PostgreSQL: value "3000000000" is out of range for type integer',
    )
    expect(isRowError(error)).toBe(true)
  })

  it('a failed query without a PostgreSQL cause says so, still without its parameters', () => {
    const refused = failedQuery(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    )
    expect(describeFailure('customers', refused)).toBe(
      'customers: connect ECONNREFUSED 127.0.0.1:5432',
    )
    expect(isRowError(refused)).toBe(false)
    expect(describeCause(failedQuery())).toBe('a database query failed')
  })

  it('only data errors are blamed on a row', () => {
    for (const code of ['22P05', '22003', '23502', '54000'])
      expect(isRowError(pgError(code, 'x'))).toBe(true)
    for (const code of ['57014', '40001', '08006', 'P0001', '53300'])
      expect(isRowError(pgError(code, 'x'))).toBe(false)
    expect(isRowError(new Error('plain'))).toBe(false)
  })

  it('an API failure is explained as every command explains it', () => {
    const error = new BigCommerceApiError('BigCommerce GET /v3/customers answered 500', {
      method: 'GET',
      path: '/v3/customers',
      status: 500,
      attempts: 4,
    })
    expect(describeProblem(error)).toMatch(
      /^500 Internal Server Error on GET \/v3\/customers after 4 attempts/,
    )
    expect(describeFailure('customers', error, 9)).toMatch(
      /^customers id 9: 500 Internal Server Error/,
    )
  })

  it('texts stay short and on one line', () => {
    const text = describeFailure('orders', new Error(`line one\nline two ${'y'.repeat(5000)}`))
    expect(text.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH)
    expect(text).not.toContain('\n')
    expect(text.startsWith('orders: line one line two')).toBe(true)
  })
})
