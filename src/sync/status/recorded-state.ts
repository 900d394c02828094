// The hooks' and the store API's state as recorded in sync_state under names of their own.
import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { syncState } from '../../db/schema.ts'
import { API_STATE_NAME } from '../api-health.ts'
import { HOOKS_STATE_NAME, type HookState } from '../hooks/hook-state.ts'

/** The last webhook check by `serve` (or `webhooks ensure`); null when none has run. */
export interface HooksStatus {
  status: string
  destination: string | null
  repaired: string[]
  checkedAt: string | null
  lastOkAt: string | null
  error: string | null
  /** Scopes the store refused: their changes reach the mirror only through sweeps. */
  refused: NonNullable<HookState['refused']>
  /** Hooks BigCommerce had switched off, and why. */
  deactivated: NonNullable<HookState['deactivated']>
  /** Destinations BigCommerce still blocks (their block had not ended when status was read). */
  blocked: NonNullable<HookState['blocked']>
}

/** The store API as `serve` or the Worker last saw it; null when neither has recorded it yet. */
export interface ApiStatus {
  /** 'ok', 'refused' (the access token is refused) or 'outage' (5xx, timeouts). */
  state: string
  since: string | null
  lastError: string | null
  lastOkAt: string | null
  recordedAt: string | null
}

export const iso = (value: unknown): string | null =>
  value ? new Date(String(value)).toISOString() : null

/** A sync_state row used as a record of something other than a table's sweeps. */
interface StateRow {
  last_status: string
  last_error: string | null
  last_started_at: string | null
  last_finished_at: string | null
  last_success_at: string | null
  last_summary: Partial<HookState> | null
}

async function readStateRow(
  db: Executor,
  storeHash: string,
  name: string,
): Promise<StateRow | undefined> {
  const [row] = await db.execute<StateRow>(sql`
    select last_status, last_error, last_started_at, last_finished_at, last_success_at, last_summary
    from ${syncState} where store_hash = ${storeHash} and table_name = ${name}`)
  return row
}

/** The last webhook check (hooks/mirror-hooks.ts). */
export async function readHooks(
  db: Executor,
  storeHash: string,
  now = Date.now(),
): Promise<HooksStatus | null> {
  const hookRow = await readStateRow(db, storeHash, HOOKS_STATE_NAME)
  return hookRow
    ? {
        status: hookRow.last_status,
        destination: hookRow.last_summary?.destination ?? null,
        repaired: hookRow.last_summary?.repaired ?? [],
        checkedAt: iso(hookRow.last_finished_at),
        lastOkAt: iso(hookRow.last_success_at),
        error: hookRow.last_error,
        refused: hookRow.last_summary?.refused ?? [],
        deactivated: hookRow.last_summary?.deactivated ?? [],
        blocked: (hookRow.last_summary?.blocked ?? []).filter((b) => Date.parse(b.until) > now),
      }
    : null
}

/** The store API as the last `serve` recorded it (sync/api-health.ts). */
export async function readApi(db: Executor, storeHash: string): Promise<ApiStatus | null> {
  const apiRow = await readStateRow(db, storeHash, API_STATE_NAME)
  return apiRow
    ? {
        state: apiRow.last_status,
        since: iso(apiRow.last_started_at),
        lastError: apiRow.last_error,
        lastOkAt: iso(apiRow.last_success_at),
        recordedAt: iso(apiRow.last_finished_at),
      }
    : null
}
