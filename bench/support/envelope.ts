// The body of one BigCommerce webhook delivery as the benchmarks send it: the simulated store's
// producer, the current time, and a hash unique to the delivery.

export function webhookBody(scope: string, data: Record<string, unknown>, hash: string): string {
  return JSON.stringify({
    scope,
    store_id: '1000001',
    data,
    hash,
    created_at: Math.floor(Date.now() / 1000),
    producer: 'stores/sim123',
  })
}
