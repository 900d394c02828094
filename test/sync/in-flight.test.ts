// A run's list requests in flight are bounded, its tables together: each answer is a page of up
// to 250 objects held until its rows are committed, so this bound is what keeps a backfill's
// memory flat in the store's size (bench/memory.ts measures it; no test times or sizes memory).
import { expect, it } from 'vitest'
import { SYNC_TABLES } from '../../src/resources/index.ts'
import {
  SYNC_LIST_REQUESTS_IN_FLIGHT,
  SYNC_PARALLEL_TABLES,
  tableConcurrency,
} from '../../src/sync/sweeps/sweep.ts'

it('the tables of one run share one bound on list requests in flight', () => {
  expect(SYNC_LIST_REQUESTS_IN_FLIGHT).toBeLessThanOrEqual(16)
  // More tables than SYNC_PARALLEL_TABLES wait their turn (runSync), so at most that many share it.
  expect(SYNC_TABLES.length).toBeGreaterThan(SYNC_PARALLEL_TABLES)
  for (let tables = 1; tables <= SYNC_TABLES.length; tables++) {
    const parallel = Math.min(tables, SYNC_PARALLEL_TABLES)
    expect(tableConcurrency(parallel) * parallel).toBeLessThanOrEqual(SYNC_LIST_REQUESTS_IN_FLIGHT)
    // A keyset walk and an offset probe can still run side by side in every table.
    expect(tableConcurrency(parallel)).toBeGreaterThanOrEqual(2)
  }
})
