// What `bc-mirror status` reports: per table its rows, cursor and last sweep; the inbox's depth.
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { HOOKS_STATE_NAME } from './hooks.ts'
import {
  RESOURCE_NAMES,
  rejectedRows,
  resourceTables,
  syncState,
  webhookEvents,
  type ResourceName,
} from '../db/schema.ts'

export interface TableStatus {
  rows: number
  /** Objects the API returned that the mirror could not store (bigcommerce.rejected_rows). */
  rejected: number
  cursor: string | null
  lastSuccessAt: string | null
  lastStatus: string | null
  lastError: string | null
}

export interface InboxStatus {
  pending: number
  failed: number
  oldestPendingAt: string | null
  lastReceivedAt: string | null
}

/** The last webhook check by `serve` (or `webhooks ensure`); null when none has run. */
export interface HooksStatus {
  status: string
  destination: string | null
  repaired: string[]
  checkedAt: string | null
  lastOkAt: string | null
  error: string | null
}

export interface MirrorStatus {
  storeHash: string
  tables: Record<ResourceName, TableStatus>
  inbox: InboxStatus
  hooks: HooksStatus | null
}

const iso = (value: unknown): string | null => (value ? new Date(String(value)).toISOString() : null)

export async function readStatus(db: Executor, storeHash: string): Promise<MirrorStatus> {
  const states = await db.execute<{
    table_name: string
    cursor: string | null
    last_success_at: string | null
    last_status: string | null
    last_error: string | null
  }>(sql`select table_name, cursor, last_success_at, last_status, last_error from ${syncState}
         where store_hash = ${storeHash}`)
  const rejected = await db.execute<{ resource: string; n: number }>(
    sql`select resource, count(*)::int as n from ${rejectedRows} where store_hash = ${storeHash} group by resource`,
  )
  const tables = {} as Record<ResourceName, TableStatus>
  for (const name of RESOURCE_NAMES) {
    const [count] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${resourceTables[name]} where store_hash = ${storeHash}`,
    )
    const state = states.find((s) => s.table_name === name)
    tables[name] = {
      rows: count?.n ?? 0,
      rejected: rejected.find((r) => r.resource === name)?.n ?? 0,
      cursor: iso(state?.cursor),
      lastSuccessAt: iso(state?.last_success_at),
      lastStatus: state?.last_status ?? null,
      lastError: state?.last_error ?? null,
    }
  }
  const [inbox] = await db.execute<{
    pending: number
    failed: number
    oldest_pending: string | null
    last_received: string | null
  }>(sql`
    select count(*) filter (where status = 'pending')::int as pending,
           count(*) filter (where status = 'failed')::int as failed,
           min(received_at) filter (where status = 'pending') as oldest_pending,
           max(received_at) as last_received
    from ${webhookEvents} where store_hash = ${storeHash}`)
  const [hookRow] = await db.execute<{
    last_status: string
    last_error: string | null
    last_finished_at: string | null
    last_success_at: string | null
    last_summary: { destination?: string | null; repaired?: string[] } | null
  }>(sql`select last_status, last_error, last_finished_at, last_success_at, last_summary from ${syncState}
         where store_hash = ${storeHash} and table_name = ${HOOKS_STATE_NAME}`)
  const hooks: HooksStatus | null = hookRow
    ? {
        status: hookRow.last_status,
        destination: hookRow.last_summary?.destination ?? null,
        repaired: hookRow.last_summary?.repaired ?? [],
        checkedAt: iso(hookRow.last_finished_at),
        lastOkAt: iso(hookRow.last_success_at),
        error: hookRow.last_error,
      }
    : null
  return {
    storeHash,
    tables,
    inbox: {
      pending: inbox?.pending ?? 0,
      failed: inbox?.failed ?? 0,
      oldestPendingAt: iso(inbox?.oldest_pending),
      lastReceivedAt: iso(inbox?.last_received),
    },
    hooks,
  }
}
