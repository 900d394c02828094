// Keeping the store's webhooks the way the mirror needs them: one hook per scope family
// (`store/order/*`, `store/product/*`, `store/sku/*`, `store/customer/*`) pointing at the
// receiver with the shared secret in `X-Webhook-Secret`. `ensureHooks` creates what is missing,
// switches deactivated hooks back on (BigCommerce deactivates a hook after 48 hours of failed
// deliveries and never reactivates it by itself) and fixes a changed destination or secret; a
// second run finds nothing to do. The plan is computed apart from the calls so it can be shown.
import type { BigCommerceClient } from '../../bigcommerce/client.ts'
import { BigCommerceApiError, BigCommerceAuthError } from '../../bigcommerce/errors.ts'
import {
  createHook,
  deleteHook,
  listHooks,
  readBlockedDomains,
  updateHook,
  type BlockedDomain,
  type Hook,
  type HookInput,
} from '../../bigcommerce/hooks.ts'
import { RESOURCES } from '../../resources/index.ts'
import { causeOfDeactivation, type DeactivatedHook, type RefusedScope } from './hook-state.ts'

export {
  describeRepairs,
  hookStateOf,
  HOOKS_STATE_NAME,
  recordHookState,
  type DeactivatedHook,
  type HookState,
  type RefusedScope,
} from './hook-state.ts'

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
  /** What was done (or found right); a refused scope's action is not among them. */
  actions: HookAction[]
  /** Scopes the store refused: the others were still made. */
  refused: RefusedScope[]
  /** Hooks BigCommerce had switched off (now switched back on unless refused), and why. */
  deactivated: DeactivatedHook[]
  /** Destinations BigCommerce blocks deliveries to right now; null when it would not say. */
  blocked: BlockedDomain[] | null
  /** True when nothing had to change and nothing was refused. */
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

const hookInput = (scope: string, options: { destination: string; secret: string }) => ({
  scope,
  destination: options.destination,
  is_active: true,
  headers: { [SECRET_HEADER]: options.secret },
})

/** Carries out one action; a create refused because the hook now exists (made meanwhile, by a
 * concurrent ensure) counts as found. */
async function applyAction(
  client: BigCommerceClient,
  action: HookAction,
  options: { destination: string; secret: string },
): Promise<HookAction> {
  if (action.kind === 'keep') return action
  if (action.kind === 'update') {
    // Deleted between the list and the update: create it afresh.
    if ((await updateHook(client, action.hook.id, action.changes)) === null)
      await createHook(client, hookInput(action.scope, options))
    return action
  }
  try {
    await createHook(client, action.input)
    return action
  } catch (error) {
    if (!(error instanceof BigCommerceApiError) || error.status !== 422) throw error
    const made = (await listHooks(client)).find(
      (h) => h.scope === action.scope && h.destination === options.destination,
    )
    if (!made) throw error
    return { kind: 'keep', scope: action.scope, hook: made }
  }
}

/** Why one action failed, in words; a refused token stops the whole ensure instead. */
function refusalOf(scope: string, error: unknown): RefusedScope {
  if (error instanceof BigCommerceAuthError || !(error instanceof BigCommerceApiError)) throw error
  return { scope, reason: error.message }
}

/**
 * Applies the plan for `destination`, each hook on its own: a scope the store refuses is recorded
 * with its answer and the others are still made (docs/bigcommerce-api.md, "Webhooks: ...").
 */
export async function ensureHooks(
  client: BigCommerceClient,
  options: { destination: string; secret: string },
): Promise<EnsureResult> {
  const existing = await listHooks(client)
  const actions = planHooks(existing, options.destination, options.secret)
  const done: HookAction[] = []
  const refused: RefusedScope[] = []
  for (const action of actions) {
    try {
      done.push(await applyAction(client, action, options))
    } catch (error) {
      refused.push(refusalOf(action.scope, error))
    }
  }
  const deactivated = actions.flatMap((a) =>
    a.kind === 'update' && !a.hook.is_active
      ? [
          {
            scope: a.scope,
            cause: causeOfDeactivation(a.hook),
            reactivated: !refused.some((r) => r.scope === a.scope),
          },
        ]
      : [],
  )
  const blocked = await readBlockedDomains(client).catch((error: unknown) => {
    if (error instanceof BigCommerceAuthError) throw error
    return null
  })
  const unchanged = refused.length === 0 && done.every((a) => a.kind === 'keep')
  return { actions: done, refused, deactivated, blocked, unchanged }
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
