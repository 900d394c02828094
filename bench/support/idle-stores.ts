// Idle stores for the fleet benchmarks: every serve job of each store recorded as run some time
// ago: a minute (nothing is due, a lane per store is all that serve holds for them), or hours (a
// restart after a long stop: every job overdue, which the stores' slots spread out).
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/database.ts'
import { jobStateName } from '../../src/sync/job-state.ts'
import { SERVE_JOBS } from '../../src/sync/jobs.ts'

export async function markJobsRan(
  db: Database,
  storeHashes: string[],
  minutesAgo: number,
): Promise<void> {
  for (const storeHash of storeHashes)
    for (const job of SERVE_JOBS)
      await db.execute(sql`insert into bigcommerce.sync_state (store_hash, table_name, last_started_at,
        last_finished_at, last_status) values (${storeHash}, ${jobStateName(job.name)},
        now() - make_interval(mins => ${minutesAgo}), now() - make_interval(mins => ${minutesAgo}), 'done')`)
}

export const markJobsRecentlyRun = (db: Database, storeHashes: string[]) =>
  markJobsRan(db, storeHashes, 1)
