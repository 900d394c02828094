// Many stores at a glance, for `/status`, `/metrics` and `status`: per store its rows, inbox depth,
// the API's state and what needs a person (with the command that fixes it), and the totals. A few
// grouped statements over every store, not one full status report per store, so a thousand stores
// cost what one does.
import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { resourceTables, syncState, webhookEvents } from '../../db/schema.ts'
import { SYNC_TABLES } from '../../resources/index.ts'
import { API_STATE_NAME } from '../api-health.ts'
import { deadJobsFix, deadJobsSaid, type Problem } from './problems.ts'

export interface StoreSummary {
  storeHash: string
  rows: number
  pending: number
  failed: number
  oldestPendingAt: string | null
  /** ok, refused, outage; null until serve has talked to the store. */
  api: string | null
  /** Tables whose last sweep failed. */
  failedTables: string[]
  /** The Worker's jobs that failed every retry (its dead-letter queue). */
  deadJobs: string[]
  problems: Problem[]
}

export interface StoresOverview {
  stores: StoreSummary[]
  total: { stores: number; rows: number; pending: number; failed: number; needingAttention: number }
}

const iso = (value: unknown) => (value ? new Date(String(value)).toISOString() : null)

/** The overview of these stores (the directory's active ones), in the order given. */
export async function readStoresOverview(
  db: Executor,
  storeHashes: readonly string[],
): Promise<StoresOverview> {
  if (storeHashes.length === 0) return { stores: [], total: emptyTotal() }
  const hashes = sql`(${sql.join(
    storeHashes.map((h) => sql`${h}`),
    sql`, `,
  )})`
  const counts = sql.join(
    SYNC_TABLES.map(
      (t) =>
        sql`select store_hash, count(*)::float8 as n from ${resourceTables[t]}
            where store_hash in ${hashes} group by store_hash`,
    ),
    sql` union all `,
  )
  const [rows, inbox, states] = await Promise.all([
    db.execute<{ store_hash: string; n: number }>(
      sql`select store_hash, sum(n)::float8 as n from (${counts}) c group by store_hash`,
    ),
    db.execute<{ store_hash: string; pending: number; failed: number; oldest: string | null }>(sql`
      select store_hash,
             count(*) filter (where status = 'pending')::float8 as pending,
             count(*) filter (where status = 'failed')::float8 as failed,
             min(received_at) filter (where status = 'pending') as oldest
      from ${webhookEvents} where store_hash in ${hashes} and status in ('pending', 'failed')
      group by store_hash`),
    db.execute<{ store_hash: string; table_name: string; last_status: string | null }>(sql`
      select store_hash, table_name, last_status from ${syncState}
      where store_hash in ${hashes}`),
  ])
  const rowsOf = new Map(rows.map((r) => [r.store_hash, Number(r.n)]))
  const inboxOf = new Map(inbox.map((r) => [r.store_hash, r]))
  const stores = storeHashes.map((storeHash) => {
    const mine = states.filter((s) => s.store_hash === storeHash)
    const api = mine.find((s) => s.table_name === API_STATE_NAME)?.last_status ?? null
    const failedTables = mine
      .filter(
        (s) =>
          (SYNC_TABLES as readonly string[]).includes(s.table_name) && s.last_status === 'failed',
      )
      .map((s) => s.table_name)
    const deadJobs = mine
      .filter((s) => s.table_name.startsWith('job:') && s.last_status === 'dead')
      .map((s) => s.table_name.slice('job:'.length))
    const box = inboxOf.get(storeHash)
    const summary = {
      storeHash,
      rows: rowsOf.get(storeHash) ?? 0,
      pending: Number(box?.pending ?? 0),
      failed: Number(box?.failed ?? 0),
      oldestPendingAt: iso(box?.oldest),
      api,
      failedTables,
      deadJobs,
    }
    return { ...summary, problems: storeProblems(summary) }
  })
  return { stores, total: totalOf(stores) }
}

/** What needs a person in one store, each with its fix (a refused token explains the rest). */
function storeProblems(s: Omit<StoreSummary, 'problems'>): Problem[] {
  const store = s.storeHash
  const dead = s.deadJobs.length > 0 ? `; ${deadJobsSaid(s.deadJobs)}` : ''
  if (s.api === 'refused')
    return [
      {
        what: `store ${store}: the store API refuses the access token (revoked, or the app was uninstalled)${dead}`,
        fix:
          `give it a valid token: printf %s "$TOKEN" | bc-mirror stores add --store-hash ${store}; ` +
          'for an app install, the merchant reinstalls the app',
      },
    ]
  const problems: Problem[] = []
  if (s.failedTables.length > 0)
    problems.push({
      what: `store ${store}: the last sweep of ${s.failedTables.join(', ')} failed`,
      fix: `bc-mirror sync --store ${store} --tables ${s.failedTables.join(',')}`,
    })
  if (s.deadJobs.length > 0)
    problems.push({
      what: `store ${store}: ${deadJobsSaid(s.deadJobs)}`,
      fix: deadJobsFix(store),
    })
  // Failed events are counted, not named: the next sweep covers their rows (the store's own
  // status tells which are still uncovered).
  return problems
}

function emptyTotal(): StoresOverview['total'] {
  return { stores: 0, rows: 0, pending: 0, failed: 0, needingAttention: 0 }
}

function totalOf(stores: StoreSummary[]): StoresOverview['total'] {
  const total = emptyTotal()
  for (const s of stores) {
    total.stores += 1
    total.rows += s.rows
    total.pending += s.pending
    total.failed += s.failed
    if (s.problems.length > 0) total.needingAttention += 1
  }
  return total
}
