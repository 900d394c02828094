// The receiver's memory bound, on the real `bc-mirror serve`: while PostgreSQL stalls (another
// connection holds a lock on the inbox table for 10 s), 1,000 concurrent deliveries of about
// 1 MiB each get 200 or 503 (BigCommerce delivers a 503 again), every one of them an answer, and
// the process's resident memory stays bounded instead of queuing every body.
import { Agent, request } from 'node:http'
import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import type { BackgroundWork } from '../../src/node/background.ts'
import { startServer } from '../../src/node/serve.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import { listeningUrl, startServeChild, stopChild } from '../support/serve-process.ts'

const SECRET = 'memory-test-webhook-secret-0123'
const DELIVERIES = 1_000
const STALL_MS = 10_000
/** Generous: without the bound, the same load took the receiver to about 4.9 GB. */
const RSS_LIMIT_MB = 600

const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)
  return Number(line?.[1] ?? 0) / 1024
}

/**
 * One POST of `body`; the status, or 'error' when the connection failed without an answer. With
 * `rest`, the body's end waits for it: every request is under way before any is complete.
 */
function post(
  url: string,
  body: Buffer,
  agent: Agent,
  rest?: Promise<void>,
): Promise<number | 'error'> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${WEBHOOK_PATH}`,
      {
        method: 'POST',
        agent,
        headers: {
          'X-Webhook-Secret': SECRET,
          'Content-Type': 'application/json',
          'Content-Length': body.length,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', () => resolve('error'))
    if (!rest) return req.end(body)
    req.write(body.subarray(0, 1_000))
    void rest.then(() => req.end(body.subarray(1_000)))
  })
}

describeEachDatabase('serve under a database stall', (ctx) => {
  let sim: SimStore
  beforeAll(async () => {
    sim = await startSimStore({ quota: null })
  })
  afterAll(async () => {
    await sim?.close()
  })

  it('holds at most its byte budget of deliveries: the rest get 503 at once, none waits forever', async () => {
    const idle: BackgroundWork = { wake() {}, stop: async () => {}, crashed: new Promise(() => {}) }
    const server = await startServer({
      config: { storeHash: sim.storeHash, webhookSecret: SECRET },
      db: ctx.db,
      background: idle,
      log: () => {},
      port: 0,
      hostname: '127.0.0.1',
      maxHeldBytes: 3_000_000,
    })
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
    try {
      const bodies = Array.from({ length: 20 }, (_, i) =>
        Buffer.from(
          JSON.stringify({
            scope: 'store/order/updated',
            data: { type: 'order', id: i + 1, filler: 'y'.repeat(900_000) },
            hash: `budget-${i}`,
            producer: `stores/${sim.storeHash}`,
          }),
        ),
      )
      let go: () => void = () => {}
      const rest = new Promise<void>((resolve) => (go = resolve))
      const sent = Promise.all(bodies.map((body) => post(server.url, body, agent, rest)))
      setTimeout(go, 500)
      const answers = await sent
      expect(answers.filter((a) => a === 200).length).toBeGreaterThan(0)
      expect(answers.filter((a) => a === 503).length).toBeGreaterThan(0)
      expect(answers.every((a) => a === 200 || a === 503)).toBe(true)
      // What was answered 200 is stored; what got 503 is not (BigCommerce delivers it again).
      const [stored] = await ctx.db.execute<{ n: number }>(
        sql`select count(*)::int as n from bigcommerce.webhook_events where hash like 'budget-%'`,
      )
      expect(stored?.n).toBe(answers.filter((a) => a === 200).length)
    } finally {
      agent.destroy()
      await server.stop()
    }
  })

  if (ctx.kind === 'postgres') {
    it(`answers 1,000 concurrent 1 MiB deliveries with 200 or 503 and stays under ${RSS_LIMIT_MB} MB`, async () => {
      if (!ctx.url) throw new Error('a PostgreSQL suite has a database URL')
      const child = startServeChild({
        ...serveEnvForSim(sim, SECRET, await freePort()),
        DATABASE_URL: ctx.url,
      })
      const url = await listeningUrl(child)
      const pid = child.process.pid ?? 0
      const filler = 'x'.repeat(1_000_000)
      const body = Buffer.from(
        JSON.stringify({
          scope: 'store/order/updated',
          data: { type: 'order', id: 1, filler },
          hash: 'one-large-delivery',
          producer: `stores/${sim.storeHash}`,
        }),
      )
      const admin = postgres(ctx.url, { max: 1, onnotice: () => {} })
      const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
      const before = rssMb(pid)
      let peak = before
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50)
      try {
        let locked: () => void = () => {}
        const lockTaken = new Promise<void>((resolve) => (locked = resolve))
        const stall = admin.begin(async (tx) => {
          await tx.unsafe('lock table bigcommerce.webhook_events in access exclusive mode')
          locked()
          await new Promise((resolve) => setTimeout(resolve, STALL_MS))
        })
        await lockTaken
        const answers = await Promise.all(
          Array.from({ length: DELIVERIES }, () => post(url, body, agent)),
        )
        await stall
        const counts: Record<string, number> = {}
        for (const a of answers) counts[String(a)] = (counts[String(a)] ?? 0) + 1
        console.log(
          `memory bound: RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB during ` +
            `${DELIVERIES} deliveries of ${body.length} bytes over a ${STALL_MS / 1000} s stall; answers ${JSON.stringify(counts)}`,
        )
        expect(Object.keys(counts).every((status) => status === '200' || status === '503')).toBe(
          true,
        )
        expect(counts['503']).toBeGreaterThan(0)
        expect(peak).toBeLessThan(RSS_LIMIT_MB)
        // Once the stall ends, a delivery is stored again.
        expect(await post(url, body, agent)).toBe(200)
        const [row] = await admin<{ n: number }[]>`
          select count(*)::int as n from bigcommerce.webhook_events where hash = 'one-large-delivery'`
        expect(row?.n).toBe(1)
      } finally {
        clearInterval(sampler)
        agent.destroy()
        await admin.end()
        expect(await stopChild(child)).toBe(0)
      }
    })
  }
})
