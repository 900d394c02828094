// The simulated store's webhook side: hooks registered through /v3/hooks, and deliveries of thin
// payloads (`{scope, store_id, data, hash, created_at, producer}`) to them with their custom
// headers, retries on failure (on a schedule scaled down for tests), deactivation after the last
// retry, optional Standard Webhooks signatures, and fault injection (drops, duplicates, delays).
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { createRng } from './generate.ts'
import type { SimEvent } from './state.ts'

export interface SimHook {
  id: number
  client_id: string
  store_hash: string
  scope: string
  destination: string
  is_active: boolean
  headers: Record<string, string> | null
  created_at: number
  updated_at: number
}

export interface WebhookOptions {
  storeHash: string
  storeId?: string
  /** When set, deliveries carry webhook-id / webhook-timestamp / webhook-signature. */
  clientSecret?: string
  /** Waits before each retry; BigCommerce's is 60 s … 86400 s, 11 retries. Default 20/50/100 ms. */
  retryDelaysMs?: number[]
  deliveryTimeoutMs?: number
  /** Share of events never delivered at all (lost). */
  dropRate?: number
  /** Share of events delivered twice (same body, same hash). */
  duplicateRate?: number
  /** Each delivery waits a random 0..maxDelayMs first, so events can arrive out of order. */
  maxDelayMs?: number
  /**
   * 'event' (default): hash differs per event. 'data': SHA-1 of the JSON data alone, as the docs
   * literally say, so two events with equal data (two updates of one order) share a hash.
   */
  hashMode?: 'event' | 'data'
  /**
   * Whether `store/customer/*` also delivers nested events (`store/customer/address/updated`).
   * BigCommerce's docs leave it open (docs/bigcommerce-api.md): 'covered' (default) says yes,
   * 'separate' says a wildcard covers only the events one level below it.
   */
  nestedWildcards?: 'covered' | 'separate'
  seed?: number
  clock?: () => number
}

export interface DeliveryRecord {
  /** The event's number, as emit() returned it (1, 2, ...). */
  event: number
  hookId: number
  scope: string
  hash: string
  attempt: number
  status: number | null
  ok: boolean
}

/**
 * `store/order/*` matches every scope under `store/order/` ('covered'), or only those one level
 * below it ('separate'); other scopes match exactly.
 */
export function matchesScope(
  pattern: string,
  scope: string,
  nested: 'covered' | 'separate' = 'covered',
): boolean {
  if (!pattern.endsWith('/*')) return pattern === scope
  const prefix = pattern.slice(0, -1)
  if (!scope.startsWith(prefix)) return false
  return nested === 'covered' || !scope.slice(prefix.length).includes('/')
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

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
}

/** One event's delivery to one hook. */
interface Delivery {
  body: string
  hash: string
  scope: string
  messageId: string
  event: number
}

const now = (s: EmitterState) => (s.settings.clock ?? Date.now)()

/** The hook's custom headers, and a Standard Webhooks signature when a secret is set. */
function deliveryHeaders(s: EmitterState, hook: SimHook, delivery: Delivery) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ...(hook.headers ?? {}),
  }
  if (s.settings.clientSecret) {
    const timestamp = String(Math.floor(now(s) / 1000))
    const signature = createHmac('sha256', Buffer.from(s.settings.clientSecret, 'utf8'))
      .update(`${delivery.messageId}.${timestamp}.${delivery.body}`)
      .digest('base64')
    headers['webhook-id'] = delivery.messageId
    headers['webhook-timestamp'] = timestamp
    headers['webhook-signature'] = `v1,${signature}`
  }
  return headers
}

/** One POST to the hook's destination: its status, or null when it failed or timed out. */
async function post(s: EmitterState, hook: SimHook, delivery: Delivery): Promise<number | null> {
  try {
    const response = await fetch(hook.destination, {
      method: 'POST',
      headers: deliveryHeaders(s, hook, delivery),
      body: delivery.body,
      signal: AbortSignal.timeout(s.settings.deliveryTimeoutMs ?? 5000),
    })
    await response.arrayBuffer().catch(() => undefined)
    return response.status
  } catch {
    return null
  }
}

/** Deliver, retrying on the schedule; deactivate the hook once the last retry has failed. */
async function deliver(s: EmitterState, hook: SimHook, delivery: Delivery) {
  const delays = s.settings.retryDelaysMs ?? [20, 50, 100]
  if (s.settings.maxDelayMs) await sleep(s.random() * s.settings.maxDelayMs)
  for (let attempt = 0; ; attempt += 1) {
    // A hook switched off meanwhile gets nothing more.
    if (!hook.is_active) return
    const status = await post(s, hook, delivery)
    const ok = status !== null && status >= 200 && status < 300
    const { event, scope, hash } = delivery
    s.deliveries.push({ event, hookId: hook.id, scope, hash, attempt, status, ok })
    if (ok) return
    const delay = delays[attempt]
    if (delay === undefined) {
      // BigCommerce deactivates a hook once its last retry has failed.
      hook.is_active = false
      hook.updated_at = Math.floor(now(s) / 1000)
      return
    }
    await sleep(delay)
  }
}

function track(s: EmitterState, promise: Promise<void>) {
  s.pending.add(promise)
  void promise.finally(() => s.pending.delete(promise))
}

interface HookInput {
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
  const { hash, body } = payloadOf(s, event)
  for (const hook of s.hooks.values()) {
    if (!hook.is_active || !matchesScope(hook.scope, event.scope, s.settings.nestedWildcards))
      continue
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
  }
  return {
    hooks: s.hooks,
    deliveries: s.deliveries,
    setOptions(changes: Partial<WebhookOptions>) {
      s.settings = { ...s.settings, ...changes }
    },
    createHook: (input: HookInput, clientId: string) => createHook(s, input, clientId),
    /** Deliver one store event to every active hook whose scope matches; returns its number. */
    emit: (event: SimEvent) => emit(s, event),
    /** Resolve once every delivery (including retries) has finished. */
    async flushDeliveries() {
      while (s.pending.size > 0) await Promise.allSettled([...s.pending])
    },
  }
}

export type WebhookEmitter = ReturnType<typeof createWebhookEmitter>
