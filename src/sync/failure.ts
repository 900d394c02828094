// Failure texts for sweeps and the event processor, stored (sync_state.last_error, the inbox's
// last_error) and logged: one short line without row data. An API failure is explained the way
// every command explains it (status, meaning, what to do: bigcommerce/explain.ts); a database
// failure gives PostgreSQL's own message, never drizzle's SQL and parameters (db/errors.ts).
import { BigCommerceApiError, BigCommerceDataError } from '../bigcommerce/errors.ts'
import { describeFailure as explainApiFailure } from '../bigcommerce/explain.ts'
import { describeCause, shorten } from '../db/errors.ts'

/** Why an operation failed, in one short line. */
export function describeProblem(error: unknown): string {
  if (error instanceof BigCommerceApiError || error instanceof BigCommerceDataError) {
    return shorten(explainApiFailure(error))
  }
  return describeCause(error)
}

/** describeProblem, naming the table and the id where known: "customers id 17: ...". */
export function describeFailureAt(table: string, error: unknown, id?: number | null): string {
  const where = id === undefined || id === null ? table : `${table} id ${id}`
  return shorten(`${where}: ${describeProblem(error)}`)
}
