// Keeping the store's webhooks the way the mirror needs them: one hook per scope family
// (`store/order/*`, `store/product/*`, `store/sku/*`, `store/customer/*`) pointing at the
// receiver with the shared secret in `X-Webhook-Secret`. `ensureHooks` creates what is missing,
// switches deactivated hooks back on (BigCommerce deactivates a hook after 48 hours of failed
// deliveries and never reactivates it by itself) and fixes a changed destination or secret; a
// second run finds nothing to do. The plan is computed apart from the calls so it can be shown.
import { sql } from 'drizzle-orm'
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import type { Executor } from '../../db/database.ts'
import { syncState } from '../../db/schema.ts'
import {
  createHook,
  deleteHook,
  listHooks,
  updateHook,
  type Hook,
  type HookInput,
} from '../../bigcommerce/hooks.ts'
import { RESOURCES } from '../../resources/index.ts'
import { recordRun } from '../status/runs.ts'

export const SECRET_HEADER = 'X-Webhook-Secret'
/** The receiver's path; hooks whose destination ends in it are this mirror's. */
export const RECEIVER_PATH = '/webhooks/bigcommerce'

/** Every scope the mirror subscribes to, from the resources (coupons have none). */
export const MIRROR_SCOPES: readonly string[] = Object.values(RESOURCES).flatMap(
  (r) => r.webhookScopes,
)

export type HookAction =
  | { kind: 'create'; scope: string; input: HookInput }
  | { kind: 'update'; scope: string; hook: Hook; changes: Partial<HookInput>; reasons: string[] }
  | { kind: 'keep'; scope: string; hook: Hook }

export interface EnsureResult {
  actions: HookAction[]
  /** True when nothing had to change. */
  unchanged: boolean
}

/** Whether a hook's destination is a mirror receiver (`.../webhooks/bigcommerce`). */
export function isMirrorDestination(destination: string): boolean {
  try {
    return new URL(destination).pathname.replace(/\/+$/, '') === RECEIVER_PATH
  } catch {
    return false
  }
}

/**
 * Why BigCommerce would refuse to deliver to `url`, or null when it is fine. BigCommerce delivers
 * only to HTTPS on port 443 with a valid certificate.
 */
export function checkDestination(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `"${url}" is not a URL; expected e.g. https://mirror.example.com${RECEIVER_PATH}`
  }
  if (parsed.protocol !== 'https:') {
    return 'BigCommerce delivers webhooks only over HTTPS (port 443, valid certificate); this URL is not https://.'
  }
  if (parsed.port !== '' && parsed.port !== '443') {
    return `BigCommerce delivers webhooks only to port 443; this URL uses port ${parsed.port}.`
  }
  return null
}

function sameHeaders(
  a: Record<string, string> | null | undefined,
  b: Record<string, string>,
): boolean {
  const left = Object.entries(a ?? {}).sort()
  const right = Object.entries(b).sort()
  return (
    left.length === right.length &&
    left.every(([k, v], i) => right[i]?.[0] === k && right[i]?.[1] === v)
  )
}

/** What has to change so that every mirror scope has one active hook to `destination`. */
export function planHooks(existing: Hook[], destination: string, secret: string): HookAction[] {
  const headers = { [SECRET_HEADER]: secret }
  return MIRROR_SCOPES.map((scope): HookAction => {
    const candidates = existing.filter((h) => h.scope === scope)
    // BigCommerce allows one hook per scope and destination; an exact match wins, otherwise a
    // mirror hook left at an old address is moved rather than a second one added.
    const hook =
      candidates.find((h) => h.destination === destination) ??
      candidates.find((h) => isMirrorDestination(h.destination))
    if (!hook)
      return { kind: 'create', scope, input: { scope, destination, is_active: true, headers } }
    const changes: Partial<HookInput> = {}
    const reasons: string[] = []
    if (hook.destination !== destination) {
      changes.destination = destination
      reasons.push('destination changed')
    }
    if (!sameHeaders(hook.headers, headers)) {
      changes.headers = headers
      reasons.push('secret header changed')
    }
    if (!hook.is_active) {
      changes.is_active = true
      reasons.push('was deactivated')
    }
    return reasons.length === 0
      ? { kind: 'keep', scope, hook }
      : { kind: 'update', scope, hook, changes, reasons }
  })
}

/** Applies the plan for `destination`; returns what was done. */
export async function ensureHooks(
  client: BigCommerceClient,
  options: { destination: string; secret: string },
): Promise<EnsureResult> {
  const actions = planHooks(await listHooks(client), options.destination, options.secret)
  const done: HookAction[] = []
  for (const action of actions) {
    if (action.kind === 'create') {
      await createHook(client, action.input)
      done.push(action)
    } else if (action.kind === 'update') {
      const hook = await updateHook(client, action.hook.id, action.changes)
      if (hook === null) {
        // Deleted between the list and the update: create it afresh.
        await createHook(client, {
          scope: action.scope,
          destination: options.destination,
          is_active: true,
          headers: { [SECRET_HEADER]: options.secret },
        })
      }
      done.push(action)
    } else {
      done.push(action)
    }
  }
  return { actions: done, unchanged: done.every((a) => a.kind === 'keep') }
}

/** This mirror's hooks: those to `destination` when given, else every one to a mirror receiver. */
export async function listMirrorHooks(
  client: BigCommerceClient,
  destination?: string,
): Promise<Hook[]> {
  const hooks = await listHooks(client)
  return hooks.filter((h) =>
    destination ? h.destination === destination : isMirrorDestination(h.destination),
  )
}

/** Deletes this mirror's hooks (see listMirrorHooks); returns the ones deleted. */
export async function removeHooks(
  client: BigCommerceClient,
  destination?: string,
): Promise<Hook[]> {
  const hooks = await listMirrorHooks(client, destination)
  const removed: Hook[] = []
  for (const hook of hooks) if (await deleteHook(client, hook.id)) removed.push(hook)
  return removed
}

export interface HookCheck {
  /** The destination the mirror's hooks point at (the most common one), or null when none exist. */
  destination: string | null
  result: EnsureResult | null
}

/**
 * The periodic health check of `serve`: re-ensures the hooks at the address they already use
 * (serve does not know its public URL; `webhooks ensure --url` sets it). Reactivates deactivated
 * hooks, restores missing scopes and a changed secret.
 */
export async function checkHooks(client: BigCommerceClient, secret: string): Promise<HookCheck> {
  const mine = (await listHooks(client)).filter((h) => isMirrorDestination(h.destination))
  const counts = new Map<string, number>()
  for (const hook of mine) counts.set(hook.destination, (counts.get(hook.destination) ?? 0) + 1)
  const destination = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
  if (destination === null) return { destination, result: null }
  return { destination, result: await ensureHooks(client, { destination, secret }) }
}

/** The `sync_state` row (beside the tables' rows) where the last hook check is kept for `status`. */
export const HOOKS_STATE_NAME = 'webhooks'

export interface HookState {
  /** 'ok': every scope delivers to the destination; 'missing': no hooks; 'failed': the check failed. */
  status: 'ok' | 'missing' | 'failed'
  destination: string | null
  /** What the check had to repair, e.g. "store/order/*: was deactivated". */
  repaired: string[]
  error?: string
}

/** What a check or an ensure found, in words for logs and `status`. */
export function describeRepairs(result: EnsureResult | null): string[] {
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
