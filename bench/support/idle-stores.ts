// Idle stores for the fleet benchmarks: every serve job of each store recorded as run a minute
// ago, so that nothing is due and a lane per store is all that serve holds for them.
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/database.ts'
import { jobStateName } from '../../src/sync/job-state.ts'
import { SERVE_JOBS } from '../../src/sync/jobs.ts'

export async function markJobsRecentlyRun(db: Database, storeHashes: string[]): Promise<void> {
  for (const storeHash of storeHashes)
    for (const job of SERVE_JOBS)
      await db.execute(sql`insert into bigcommerce.sync_state (store_hash, table_name, last_started_at,
        last_finished_at, last_status) values (${storeHash}, ${jobStateName(job.name)},
        now() - interval '1 minute', now() - interval '1 minute', 'done')`)
}
