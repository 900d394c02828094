// One delivery request of the simulated store: the hook's custom headers, a Standard Webhooks
// signature when the store has a client secret, and the answer's status (null: none came); and
// the waits between attempts (BigCommerce's schedule, cut short when the store closes).
import { createHmac } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { SimHook } from './webhook-types.ts'

/** One event's delivery to one hook. */
export interface Delivery {
  body: string
  hash: string
  scope: string
  messageId: string
  event: number
}

interface PostOptions {
  clientSecret?: string
  timeoutMs: number
  nowSeconds: number
}

function deliveryHeaders(hook: SimHook, delivery: Delivery, options: PostOptions) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ...(hook.headers ?? {}),
  }
  if (options.clientSecret) {
    const timestamp = String(options.nowSeconds)
    const signature = createHmac('sha256', Buffer.from(options.clientSecret, 'utf8'))
      .update(`${delivery.messageId}.${timestamp}.${delivery.body}`)
      .digest('base64')
    headers['webhook-id'] = delivery.messageId
    headers['webhook-timestamp'] = timestamp
    headers['webhook-signature'] = `v1,${signature}`
  }
  return headers
}

/** One POST to the hook's destination: its status, or null when it failed or timed out. */
export async function postDelivery(
  hook: SimHook,
  delivery: Delivery,
  options: PostOptions,
): Promise<number | null> {
  try {
    const response = await fetch(hook.destination, {
      method: 'POST',
      headers: deliveryHeaders(hook, delivery, options),
      body: delivery.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    await response.arrayBuffer().catch(() => undefined)
    return response.status
  } catch {
    return null
  }
}

/** BigCommerce's waits before each retry, in seconds: 11 retries over 48 hours. */
export const BIGCOMMERCE_RETRY_SECONDS = [
  60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400,
]

/** Waits `ms`, or less once the emitter stops (a retry 48 hours away must not hold a close). */
export const sleep = (ms: number, stop: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer)
      stop.removeEventListener('abort', wake)
      resolve()
    }
    const timer = setTimeout(wake, ms)
    stop.addEventListener('abort', wake)
  })

/** A controller whose signal any number of waiting deliveries may listen to. */
export function unlimitedController(): AbortController {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  return controller
}
