// The PostgreSQL-only phases of bench/webhooks.ts: event to row (a product changed in the store,
// its webhook delivered, until its new price is in the table) and a burst of events on distinct
// products (how many API requests the worker made for them).
import { Agent } from 'node:http'
import type postgres from 'postgres'
import type { SimStats } from '../../src/sim/index.ts'
import { ms, percentile, sleep } from './ack-phases.ts'
import { postWebhook, webhookBody } from './envelope.ts'

export interface EventToRowOptions {
  serveUrl: string
  secret: string
  products: number
  burst: number
  concurrency: number
  latencyMs: number
  ask<T>(message: object, reply: string): Promise<T>
}

const agent = new Agent({ keepAlive: true, maxSockets: 128 })
let sequence = 0

/** POSTs one delivery; resolves with its status and how long the answer took. */
function deliver(url: string, secret: string, productId: number): Promise<number> {
  sequence += 1
  const product = { type: 'product', id: productId }
  const body = webhookBody('store/product/updated', product, `bench-${process.pid}-${sequence}`)
  return postWebhook(agent, url, secret, body)
}

async function waitForEmptyInbox(sql: postgres.Sql, timeoutMs: number): Promise<void> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    const [row] =
      await sql`select count(*)::int as n from bigcommerce.webhook_events where status = 'pending'`
    if (row?.n === 0) return
    await sleep(20)
  }
  throw new Error(`inbox not drained within ${timeoutMs} ms`)
}

export async function eventToRowAndBurst(sql: postgres.Sql, o: EventToRowOptions): Promise<void> {
  const samples: number[] = []
  for (let i = 0; i < 60; i++) {
    const id = 1 + ((i * 37) % o.products)
    const price = 1000 + i + Math.round(Math.random() * 1000) / 100
    await o.ask({ type: 'update', id, fields: { price } }, 'updated')
    const started = performance.now()
    const status = await deliver(o.serveUrl, o.secret, id)
    if (status !== 200) throw new Error(`delivery answered ${status}`)
    for (let polls = 0; polls < 2000; polls++) {
      const [row] =
        await sql`select (data->>'price')::float8 as price from bigcommerce.products where id = ${id}`
      if (row && Number(row.price) === price) break
      await sleep(2)
    }
    samples.push(performance.now() - started)
    await sleep(30)
  }
  samples.sort((a, b) => a - b)
  console.log(
    `event to row (one change at a time, ${o.latencyMs} ms API latency): p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}`,
  )

  // A burst on distinct products, as a bulk import fires them.
  await waitForEmptyInbox(sql, 60_000)
  await o.ask({ type: 'reset' }, 'reset')
  const burstStarted = performance.now()
  let cursor = 0
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (cursor < o.burst) {
        const status = await deliver(o.serveUrl, o.secret, ++cursor)
        if (status !== 200) throw new Error(`delivery answered ${status}`)
      }
    }),
  )
  const ackedMs = performance.now() - burstStarted
  await waitForEmptyInbox(sql, 120_000)
  const doneMs = performance.now() - burstStarted
  const { stats } = await o.ask<{ stats: SimStats }>({ type: 'stats' }, 'stats')
  console.log(
    `burst of ${o.burst} store/product/updated on ${o.burst} products: acknowledged in ${(ackedMs / 1000).toFixed(2)} s, ` +
      `all rows refreshed ${(doneMs / 1000).toFixed(2)} s after the first delivery, ` +
      `${stats.requests} API requests (${JSON.stringify(stats.byPath)})`,
  )
  agent.destroy()
}
