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
   * BigCommerce's docs leave it open (bigcommerce-api.md 4.3): 'covered' (default) says yes,
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

export function createWebhookEmitter(options: WebhookOptions) {
  const hooks = new Map<number, SimHook>()
  let nextHookId = 1
  let eventCounter = 0
  const pending = new Set<Promise<void>>()
  const deliveries: DeliveryRecord[] = []
  let settings = { ...options }
  const random = createRng(options.seed ?? 7)
  const now = () => (settings.clock ?? Date.now)()

  async function deliver(
    hook: SimHook,
    body: string,
    hash: string,
    scope: string,
    messageId: string,
    event: number,
  ) {
    const delays = settings.retryDelaysMs ?? [20, 50, 100]
    if (settings.maxDelayMs) await sleep(random() * settings.maxDelayMs)
    for (let attempt = 0; ; attempt += 1) {
      // A hook switched off meanwhile gets nothing more.
      if (!hook.is_active) return
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        ...(hook.headers ?? {}),
      }
      if (settings.clientSecret) {
        const timestamp = String(Math.floor(now() / 1000))
        const signature = createHmac('sha256', Buffer.from(settings.clientSecret, 'utf8'))
          .update(`${messageId}.${timestamp}.${body}`)
          .digest('base64')
        headers['webhook-id'] = messageId
        headers['webhook-timestamp'] = timestamp
        headers['webhook-signature'] = `v1,${signature}`
      }
      let status: number | null = null
      try {
        const response = await fetch(hook.destination, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(settings.deliveryTimeoutMs ?? 5000),
        })
        status = response.status
        await response.arrayBuffer().catch(() => undefined)
      } catch {
        status = null
      }
      const ok = status !== null && status >= 200 && status < 300
      deliveries.push({ event, hookId: hook.id, scope, hash, attempt, status, ok })
      if (ok) return
      const delay = delays[attempt]
      if (delay === undefined) {
        // BigCommerce deactivates a hook once its last retry has failed.
        hook.is_active = false
        hook.updated_at = Math.floor(now() / 1000)
        return
      }
      await sleep(delay)
    }
  }

  function track(promise: Promise<void>) {
    pending.add(promise)
    void promise.finally(() => pending.delete(promise))
  }

  return {
    hooks,
    deliveries,
    setOptions(changes: Partial<WebhookOptions>) {
      settings = { ...settings, ...changes }
    },
    createHook(
      input: {
        scope: string
        destination: string
        is_active?: boolean
        headers?: Record<string, string> | null
      },
      clientId: string,
    ): SimHook {
      const at = Math.floor(now() / 1000)
      const hook: SimHook = {
        id: nextHookId++,
        client_id: clientId,
        store_hash: options.storeHash,
        scope: input.scope,
        destination: input.destination,
        is_active: input.is_active ?? true,
        headers: input.headers ?? null,
        created_at: at,
        updated_at: at,
      }
      hooks.set(hook.id, hook)
      return hook
    },

    /** Deliver one store event to every active hook whose scope matches; returns its number. */
    emit(event: SimEvent): number {
      const createdAt = Math.floor(now() / 1000)
      eventCounter += 1
      const hashSource =
        settings.hashMode === 'data'
          ? JSON.stringify(event.data)
          : JSON.stringify({
              scope: event.scope,
              data: event.data,
              created_at: createdAt,
              n: eventCounter,
            })
      const hash = createHash('sha1').update(hashSource).digest('hex')
      const body = JSON.stringify({
        scope: event.scope,
        store_id: settings.storeId ?? '1000001',
        data: event.data,
        hash,
        created_at: createdAt,
        producer: `stores/${options.storeHash}`,
      })
      for (const hook of hooks.values()) {
        if (!hook.is_active || !matchesScope(hook.scope, event.scope, settings.nestedWildcards))
          continue
        if (random() < (settings.dropRate ?? 0)) continue
        const messageId = `msg_${randomUUID().replace(/-/g, '')}`
        const copies = random() < (settings.duplicateRate ?? 0) ? 2 : 1
        for (let i = 0; i < copies; i += 1)
          track(deliver(hook, body, hash, event.scope, messageId, eventCounter))
      }
      return eventCounter
    },

    /** Resolve once every delivery (including retries) has finished. */
    async flushDeliveries() {
      while (pending.size > 0) await Promise.allSettled([...pending])
    },
  }
}

export type WebhookEmitter = ReturnType<typeof createWebhookEmitter>
