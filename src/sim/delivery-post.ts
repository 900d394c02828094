// One delivery request of the simulated store: the hook's custom headers, a Standard Webhooks
// signature when the store has a client secret, and the answer's status (null: none came).
import { createHmac } from 'node:crypto'
import type { SimHook } from './webhooks.ts'

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
