// serve's kept-alive connections: a proxy or sender that holds an idle connection open for up to a
// minute must never find serve closing it under a delivery. Node's own default closed idle
// connections after 5 s.
import { connect, type Socket } from 'node:net'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import type { Config } from '../../src/config.ts'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { startBackgroundWork } from '../../src/node/background.ts'
import { startServer, type RunningServer } from '../../src/node/serve.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'
import { answerEnd } from '../support/http-answer.ts'

const SECRET = 'keep-alive-test-webhook-secret'
const OFF = { incrementalMinutes: 0, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 }
/** Past Node's default keep-alive timeout (5 s), which closed the connection before this. */
const IDLE_MS = 6_000

/** One HTTP/1.1 connection, written by hand so that every request goes on this very socket. */
function openConnection(url: string) {
  const { hostname, port } = new URL(url)
  const socket: Socket = connect({ host: hostname, port: Number(port) })
  socket.setEncoding('latin1')
  let received = ''
  let closedAt: number | null = null
  let answer: ((status: number) => void) | null = null
  socket.on('close', () => (closedAt = Date.now()))
  socket.on('data', (chunk: string) => {
    received += chunk
    if (answerEnd(received) < 0) return
    const status = Number(received.slice(9, 12))
    received = ''
    answer?.(status)
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    closed,
    closedAt: () => closedAt,
    request(method: string, path: string, headers: Record<string, string>, body = '') {
      const lines = Object.entries({ host: `${hostname}:${port}`, ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')
      return new Promise<number>((resolve, reject) => {
        answer = resolve
        socket.once('close', () => reject(new Error('the server closed the connection')))
        socket.write(
          `${method} ${path} HTTP/1.1\r\n${lines}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        )
      })
    },
  }
}

describe('serve keeps idle connections open', () => {
  let database: FreshDatabase
  let sim: SimStore
  let server: RunningServer
  let stopped = false

  beforeAll(async () => {
    database = await createFreshDatabase('pglite')
    sim = await startSimStore({ quota: null, latencyMs: 1, data: { counts: { products: 3 } } })
    const client = createBigCommerceClient({
      apiUrl: sim.url,
      storeHash: sim.storeHash,
      accessToken: sim.accessToken,
      pacer: createRatePacer(),
    })
    const config: Pick<Config, 'storeHash' | 'webhookSecret' | 'schedule'> = {
      storeHash: sim.storeHash,
      webhookSecret: SECRET,
      schedule: OFF,
    }
    const log = () => {}
    server = await startServer({
      config,
      db: database.db,
      background: startBackgroundWork({ config, db: database.db, client, log }),
      port: 0,
      log,
    })
  })
  afterAll(async () => {
    if (!stopped) await server?.stop()
    await sim?.close()
    await database?.dispose()
  })

  it('takes a delivery on a connection idle past 5 s, and stop() closes that connection at once', async () => {
    const connection = openConnection(server.url)
    expect(await connection.request('GET', '/healthz', {})).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
    expect(connection.closedAt()).toBeNull()

    const hash = `keep-alive-${Date.now()}`
    const delivery = JSON.stringify({
      scope: 'store/product/updated',
      data: { type: 'product', id: 1 },
      hash,
      producer: `stores/${sim.storeHash}`,
    })
    const status = await connection.request(
      'POST',
      WEBHOOK_PATH,
      { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
      delivery,
    )
    expect(status).toBe(200)
    const stored = await database.db.execute(
      sql`select 1 from bigcommerce.webhook_events where hash = ${hash}`,
    )
    expect(stored).toHaveLength(1)

    // Held open by serve, the connection does not hold up its stop.
    const stopping = Date.now()
    await server.stop()
    stopped = true
    await connection.closed
    expect(connection.closedAt()).toBeGreaterThanOrEqual(stopping)
  })
})
