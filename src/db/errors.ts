// Which database failures a row is to blame for. Describing a failure safely (PostgreSQL's message
// rather than drizzle's, which quotes every parameter) is src/util/errors.ts, re-exported here.
import { findPgError } from '../util/errors.ts'

export {
  describeCause,
  findPgError,
  MAX_ERROR_LENGTH,
  shorten,
  type PgErrorInfo,
} from '../util/errors.ts'

/**
 * Whether PostgreSQL refused the data itself (data exceptions, constraint violations, a value too
 * large for an index): splitting the batch isolates the row. Anything else (a lost connection, a
 * lock timeout) is about the database, and no row is to blame.
 */
export function isRowError(error: unknown): boolean {
  const pg = findPgError(error)
  return pg !== null && /^(22|23|54)/.test(pg.code)
}
