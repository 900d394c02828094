// What the last hook check (or `webhooks ensure`) found, kept in `sync_state` for `status`: the
// repairs it made, scopes the store refused, hooks BigCommerce had switched off and why, and
// destinations BigCommerce blocks (docs/bigcommerce-api.md, "Webhooks: scopes, hook creation and
// deliveries").
import { sql } from 'drizzle-orm'
import type { BlockedDomain, Hook } from '../../bigcommerce/hooks.ts'
import type { Executor } from '../../db/database.ts'
import { syncState } from '../../db/schema.ts'
import { recordRun } from '../status/runs.ts'

/** A scope the store would not take (or not change), and its answer. */
export interface RefusedScope {
  scope: string
  reason: string
}

/** A hook BigCommerce had switched off: after 48 hours of failed deliveries, or 90 idle days. */
export interface DeactivatedHook {
  scope: string
  cause: 'inactivity' | 'failures'
  reactivated: boolean
}

const NINETY_DAYS_S = 90 * 86_400

/**
 * Why BigCommerce switched `hook` off. It does not say; the mirror reads it from the hook's own
 * times (store clock): one that stood 90 days between its last change and being switched off was
 * idle; a younger one was switched off because its deliveries failed for 48 hours.
 */
export function causeOfDeactivation(hook: Hook): DeactivatedHook['cause'] {
  const stood = (hook.updated_at ?? 0) - (hook.created_at ?? 0)
  return stood >= NINETY_DAYS_S ? 'inactivity' : 'failures'
}

/** The `sync_state` row (beside the tables' rows) where the last hook check is kept for `status`. */
export const HOOKS_STATE_NAME = 'webhooks'

export interface HookState {
  /**
   * 'ok': every scope delivers to the destination; 'partial': the store refused some scopes;
   * 'missing': no hooks; 'failed': the check failed.
   */
  status: 'ok' | 'partial' | 'missing' | 'failed'
  destination: string | null
  /** What the check had to repair, e.g. "store/order/*: was deactivated". */
  repaired: string[]
  refused?: RefusedScope[]
  deactivated?: DeactivatedHook[]
  /** Blocked destinations and when each block ends (ISO time). */
  blocked?: Array<{ destination: string; until: string; reasons: string[] }>
  error?: string
}

type RepairAction =
  { kind: 'create' | 'keep'; scope: string } | { kind: 'update'; scope: string; reasons: string[] }

/** What an ensure found, as the state `status` shows. */
export function hookStateOf(
  destination: string,
  result: {
    actions: RepairAction[]
    refused: RefusedScope[]
    deactivated: DeactivatedHook[]
    blocked: BlockedDomain[] | null
  },
  now = Date.now(),
): HookState {
  return {
    status: result.refused.length > 0 ? 'partial' : 'ok',
    destination,
    repaired: describeRepairs(result),
    refused: result.refused,
    deactivated: result.deactivated,
    blocked: (result.blocked ?? []).map((b) => ({
      destination: b.destination,
      until: new Date(now + b.timeLeftSeconds * 1000).toISOString(),
      reasons: b.reasons,
    })),
  }
}

/** What a check or an ensure found, in words for logs and `status`. */
export function describeRepairs(result: { actions: RepairAction[] } | null): string[] {
  return (result?.actions ?? []).flatMap((a) =>
    a.kind === 'update'
      ? [`${a.scope}: ${a.reasons.join(', ')}`]
      : a.kind === 'create'
        ? [`${a.scope}: created`]
        : [],
  )
}

/** Keeps the outcome of a hook check (or ensure) for `status`, and in the run history. */
export async function recordHookState(
  db: Executor,
  storeHash: string,
  state: HookState,
  startedAt?: Date,
): Promise<void> {
  const finishedAt = new Date()
  await recordRun(db, storeHash, {
    kind: 'hooks',
    startedAt: startedAt ?? finishedAt,
    finishedAt,
    outcome: state.status,
    tables: {},
    requests: 0,
    throttled: 0,
    error:
      state.error ?? (state.status === 'missing' ? 'the store has no hooks for this mirror' : null),
  })
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, last_finished_at, last_success_at, last_status, last_error, last_summary)
    values (${storeHash}, ${HOOKS_STATE_NAME}, now(), case when ${state.status} = 'ok' then now() end,
            ${state.status}, ${state.error ?? null}, ${JSON.stringify(state)}::jsonb)
    on conflict (store_hash, table_name) do update set
      last_finished_at = excluded.last_finished_at,
      last_success_at = coalesce(excluded.last_success_at, ${syncState.last_success_at}),
      last_status = excluded.last_status, last_error = excluded.last_error,
      last_summary = excluded.last_summary`)
}
