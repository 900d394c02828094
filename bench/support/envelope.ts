// The body of one BigCommerce webhook delivery as the benchmarks send it: the simulated store's
// producer (or another store's), the current time, and a hash unique to the delivery; and posting one to a receiver.
import { request, type Agent } from 'node:http'

export function webhookBody(
  scope: string,
  data: Record<string, unknown>,
  hash: string,
  storeHash = 'sim123',
): string {
  return JSON.stringify({
    scope,
    store_id: '1000001',
    data,
    hash,
    created_at: Math.floor(Date.now() / 1000),
    producer: `stores/${storeHash}`,
  })
}

/** POSTs one delivery body to `serveUrl`'s receiver; resolves with the answer's status. */
export function postWebhook(
  agent: Agent,
  serveUrl: string,
  secret: string,
  body: string,
): Promise<number> {
  const target = new URL('/webhooks/bigcommerce', serveUrl)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-webhook-secret': secret,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
