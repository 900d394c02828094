// The simulated store's webhook side: hooks registered through /v3/hooks, and deliveries of thin
// payloads (`{scope, store_id, data, hash, created_at, producer}`) to them with their custom
// headers, BigCommerce's retry schedule (60 s ... 24 h, 11 retries, on a clock compressed by
// `timeScale`), deactivation after the last retry and after 90 days without events, the domain
// blocklist (delivery-blocklist.ts), optional Standard Webhooks signatures, and fault injection
// (drops, duplicates, delays). See docs/bigcommerce-api.md, "Webhooks: scopes, hook creation and
// deliveries".
import { createHash, randomUUID } from 'node:crypto'
import { createBlocklist, type Blocklist } from './delivery-blocklist.ts'
import {
  BIGCOMMERCE_RETRY_SECONDS as RETRY_SECONDS,
  postDelivery,
  sleep,
  unlimitedController,
  type Delivery,
} from './delivery-post.ts'
import { createRng } from './generate.ts'
import type { SimEvent } from './state.ts'
import { matchesScope } from './webhook-rules.ts'
import type { DeactivationCause, DeliveryRecord, SimHook, WebhookOptions } from './webhook-types.ts'

export { BIGCOMMERCE_RETRY_SECONDS } from './delivery-post.ts'
export { DOCUMENTED_WILDCARDS, matchesScope } from './webhook-rules.ts'
export type { BlockedDomain } from './delivery-blocklist.ts'
export type { DeactivationCause, DeliveryRecord, SimHook, WebhookOptions } from './webhook-types.ts'

/** A hook that no event reached for this long is deactivated (on the store's clock). */
export const INACTIVE_AFTER_DAYS = 90

/** The emitter's hooks, its delivery log and what is still in flight. */
interface EmitterState {
  options: WebhookOptions
  /** `options` with setOptions' changes. */
  settings: WebhookOptions
  hooks: Map<number, SimHook>
  nextHookId: number
  eventCounter: number
  pending: Set<Promise<void>>
  deliveries: DeliveryRecord[]
  random: () => number
  blocklist: Blocklist
  /** Hooks the store switched off itself, and why (not shown in the hook's JSON). */
  deactivated: Map<number, DeactivationCause>
  /** When an event last reached each hook (store clock, ms). */
  lastEventAt: Map<number, number>
  /** Aborted when the store closes: retries still waiting are dropped. */
  stop: AbortController
}

const now = (s: EmitterState) => (s.settings.clock ?? Date.now)()

const realMs = (s: EmitterState, seconds: number) => seconds * 1000 * (s.settings.timeScale ?? 1)

function deactivate(s: EmitterState, hook: SimHook, cause: DeactivationCause) {
  hook.is_active = false
  hook.updated_at = Math.floor(now(s) / 1000)
  s.deactivated.set(hook.id, cause)
}

/** One attempt: sent and answered, or held back while the domain is blocked. */
async function attemptDelivery(
  s: EmitterState,
  hook: SimHook,
  delivery: Delivery,
  attempt: number,
) {
  const { event, scope, hash } = delivery
  if (s.blocklist.isBlocked(hook.client_id, hook.destination)) {
    const held = { status: null, ok: false, blocked: true }
    s.deliveries.push({ event, hookId: hook.id, scope, hash, attempt, ...held })
    return false
  }
  const status = await postDelivery(hook, delivery, {
    clientSecret: s.settings.clientSecret,
    timeoutMs: s.settings.deliveryTimeoutMs ?? 5000,
    nowSeconds: Math.floor(now(s) / 1000),
  })
  const ok = status !== null && status >= 200 && status < 300
  const failure = ok ? null : status === null ? 'no answer (timeout or refused)' : `HTTP ${status}`
  s.blocklist.record(hook.client_id, hook.destination, ok, failure)
  s.deliveries.push({ event, hookId: hook.id, scope, hash, attempt, status, ok })
  return ok
}

/** Deliver, retrying on the schedule; deactivate the hook once the last retry has failed. */
async function deliver(s: EmitterState, hook: SimHook, delivery: Delivery) {
  const delays = s.settings.retryDelaysMs ?? RETRY_SECONDS.map((seconds) => realMs(s, seconds))
  if (s.settings.maxDelayMs) await sleep(s.random() * s.settings.maxDelayMs, s.stop.signal)
  for (let attempt = 0; ; attempt += 1) {
    // A hook switched off meanwhile gets nothing more.
    if (!hook.is_active) return
    if (await attemptDelivery(s, hook, delivery, attempt)) return
    const delay = delays[attempt]
    // BigCommerce deactivates a hook once its last retry has failed (48 hours after the first).
    if (delay === undefined) return deactivate(s, hook, 'failures')
    await sleep(delay, s.stop.signal)
    if (s.stop.signal.aborted) return
  }
}

/** Switches off every active hook that no event reached for 90 days (on the store's clock). */
function expireIdleHooks(s: EmitterState) {
  const limit = now(s) - INACTIVE_AFTER_DAYS * 86_400_000
  for (const hook of s.hooks.values()) {
    const last = Math.max(s.lastEventAt.get(hook.id) ?? 0, hook.updated_at * 1000)
    if (hook.is_active && last <= limit) deactivate(s, hook, 'inactivity')
  }
}

/** `hooks_list[].status` of GET /v3/hooks/admin: switched off by the store, or by its owner. */
function hookStatus(s: EmitterState, hook: SimHook): 'active' | 'inactive' | 'deactivated' {
  if (hook.is_active) return 'active'
  return s.deactivated.has(hook.id) ? 'deactivated' : 'inactive'
}

function track(s: EmitterState, promise: Promise<void>) {
  s.pending.add(promise)
  // Nothing waits here (close() waits for what is pending); deliveries never reject.
  void promise.finally(() => s.pending.delete(promise))
}

export interface HookInput {
  scope: string
  destination: string
  is_active?: boolean
  headers?: Record<string, string> | null
}

function createHook(s: EmitterState, input: HookInput, clientId: string): SimHook {
  const at = Math.floor(now(s) / 1000)
  const hook: SimHook = {
    id: s.nextHookId++,
    client_id: clientId,
    store_hash: s.options.storeHash,
    scope: input.scope,
    destination: input.destination,
    is_active: input.is_active ?? true,
    headers: input.headers ?? null,
    created_at: at,
    updated_at: at,
  }
  s.hooks.set(hook.id, hook)
  return hook
}

/** The thin payload every hook gets for an event, and its hash. */
function payloadOf(s: EmitterState, event: SimEvent) {
  const createdAt = Math.floor(now(s) / 1000)
  const hashSource =
    s.settings.hashMode === 'data'
      ? JSON.stringify(event.data)
      : JSON.stringify({
          scope: event.scope,
          data: event.data,
          created_at: createdAt,
          n: s.eventCounter,
        })
  const hash = createHash('sha1').update(hashSource).digest('hex')
  const body = JSON.stringify({
    scope: event.scope,
    store_id: s.settings.storeId ?? '1000001',
    data: event.data,
    hash,
    created_at: createdAt,
    producer: `stores/${s.options.storeHash}`,
  })
  return { hash, body }
}

/** Deliver one store event to every active hook whose scope matches; returns its number. */
function emit(s: EmitterState, event: SimEvent): number {
  s.eventCounter += 1
  expireIdleHooks(s)
  const { hash, body } = payloadOf(s, event)
  for (const hook of s.hooks.values()) {
    if (!hook.is_active || !matchesScope(hook.scope, event.scope, s.settings.nestedWildcards))
      continue
    s.lastEventAt.set(hook.id, now(s))
    if (s.random() < (s.settings.dropRate ?? 0)) continue
    const messageId = `msg_${randomUUID().replace(/-/g, '')}`
    const copies = s.random() < (s.settings.duplicateRate ?? 0) ? 2 : 1
    const delivery = { body, hash, scope: event.scope, messageId, event: s.eventCounter }
    for (let i = 0; i < copies; i += 1) track(s, deliver(s, hook, delivery))
  }
  return s.eventCounter
}

export function createWebhookEmitter(options: WebhookOptions) {
  const s: EmitterState = {
    options,
    settings: { ...options },
    hooks: new Map(),
    nextHookId: 1,
    eventCounter: 0,
    pending: new Set(),
    deliveries: [],
    random: createRng(options.seed ?? 7),
    blocklist: createBlocklist(
      {
        now: Date.now,
        realMs: (seconds) => realMs(s, seconds),
        storeSeconds: () => Math.floor(now(s) / 1000),
      },
      () => s.settings.blocklist ?? true,
    ),
    deactivated: new Map(),
    lastEventAt: new Map(),
    stop: unlimitedController(),
  }
  return {
    hooks: s.hooks,
    deliveries: s.deliveries,
    /** The options as they stand now (setOptions included). */
    settings: () => s.settings,
    setOptions(changes: Partial<WebhookOptions>) {
      s.settings = { ...s.settings, ...changes }
    },
    createHook: (input: HookInput, clientId: string) => createHook(s, input, clientId),
    /** Applies the 90-day rule now (the routes call it before they answer). */
    expireIdleHooks: () => expireIdleHooks(s),
    /** The hook was switched back on by its owner: the store forgets why it was off. */
    noteReactivated: (hookId: number) => s.deactivated.delete(hookId),
    /** Why the store switched a hook off, if it did. */
    deactivationCause: (hookId: number) => s.deactivated.get(hookId),
    hookStatus: (hook: SimHook) => hookStatus(s, hook),
    /** The client's blocked domains, as GET /v3/hooks/admin lists them. */
    blockedDomains: (clientId: string) => s.blocklist.list(clientId),
    /** Deliver one store event to every active hook whose scope matches; returns its number. */
    emit: (event: SimEvent) => emit(s, event),
    /** Resolve once every delivery (including retries) has finished. */
    /** Drops the retries still waiting (deliveries in flight finish). */
    async stop() {
      s.stop.abort()
      while (s.pending.size > 0) await Promise.allSettled([...s.pending])
    },
    async flushDeliveries() {
      while (s.pending.size > 0) await Promise.allSettled([...s.pending])
    },
  }
}

export type WebhookEmitter = ReturnType<typeof createWebhookEmitter>
