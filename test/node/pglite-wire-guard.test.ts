// What a client on PGLITE_PORT can do to the real `serve` (a child process on PGlite, real
// sockets): bytes that once hung it close only that client; a client holding the session idle is
// dropped after PGLITE_IDLE_TIMEOUT_SECONDS, deliveries are acknowledged again and /healthz
// answers within a second throughout; SIGTERM stops serve whatever clients do.
import { connect, type Socket } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import {
  seedDataDir,
  startServeChild,
  stopChild,
  waitForLog,
  type ServeChild,
} from '../support/serve-process.ts'
import { startupMessage, typedMessage } from '../support/wire-messages.ts'

const SECRET = 'wire-guard-webhook-secret-0123'
const IDLE_SECONDS = 2

/** A raw client: what it received, and when it was closed. */
function rawClient(port: number) {
  let received = ''
  const socket: Socket = connect(port, '127.0.0.1')
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
  socket.on('error', () => {})
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())))
  return {
    socket,
    send: (bytes: Buffer) => socket.write(bytes),
    received: () => received,
    async until(text: string) {
      const until = Date.now() + 20_000
      while (!received.includes(text) && Date.now() < until) await sleep(20)
      expect(received).toContain(text)
    },
    closed,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('serve with PGLITE_PORT, against clients that misbehave', () => {
  let sim: SimStore
  let dir = ''
  let env: Record<string, string> = {}
  let pgPort = 0
  let child: ServeChild
  let base = ''

  beforeAll(async () => {
    sim = await startSimStore({ quota: null, data: { seed: 5, counts: { products: 3 } } })
    dir = await mkdtemp(join(tmpdir(), 'bc-mirror-wire-guard-'))
    await seedDataDir(join(dir, 'data'))
    pgPort = await freePort()
    env = {
      ...serveEnvForSim(sim, SECRET, await freePort()),
      DATA_DIR: join(dir, 'data'),
      PGLITE_PORT: String(pgPort),
      PGLITE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    }
    child = startServeChild(env)
    base = String((await waitForLog(child, 'listening')).url)
    await waitForLog(child, 'postgres protocol')
  }, 120_000)

  afterAll(async () => {
    if (child) await stopChild(child)
    await sim?.close()
    await rm(dir, { recursive: true, force: true })
  })

  let deliveries = 0
  async function deliver(): Promise<{ status: number; ms: number }> {
    const started = Date.now()
    const answer = await fetch(`${base}/webhooks/bigcommerce`, {
      method: 'POST',
      headers: { 'X-Webhook-Secret': SECRET },
      body: JSON.stringify({
        scope: 'store/product/updated',
        data: { type: 'product', id: 1 },
        hash: `guard-${(deliveries += 1)}`,
        producer: `stores/${sim.storeHash}`,
      }),
    })
    await answer.arrayBuffer()
    return { status: answer.status, ms: Date.now() - started }
  }

  async function health(): Promise<{ status: number; ms: number }> {
    const started = Date.now()
    const answer = await fetch(`${base}/healthz`)
    await answer.arrayBuffer()
    return { status: answer.status, ms: Date.now() - started }
  }

  it('says where it listens: 127.0.0.1 by default, in its listening line', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('ff ff ff f0 closes that client with a reason; serve answers everything else', async () => {
    const client = rawClient(pgPort)
    client.send(Buffer.from([0xff, 0xff, 0xff, 0xf0, 0x00, 0x01, 0x02]))
    await client.closed
    expect(client.received()).toContain('invalid length of startup packet (-16)')
    expect((await health()).status).toBe(200)
    expect((await deliver()).status).toBe(200)
    const reader = rawClient(pgPort)
    reader.send(
      Buffer.concat([startupMessage('postgres'), typedMessage('Q', 'select 40 + 2 as answer\0')]),
    )
    await reader.until('42')
    reader.socket.destroy()
  })

  it('a client idle in a transaction is dropped after the timeout; deliveries and /healthz go on', async () => {
    const holder = rawClient(pgPort)
    holder.send(startupMessage('postgres'))
    await holder.until('Z\0\0\0\x05I')
    const held = Date.now()
    const insert =
      "insert into bigcommerce.deletions (store_hash, resource, id) values ('guard', 'products', 7)"
    holder.send(typedMessage('Q', `begin; ${insert};\0`))
    await holder.until('Z\0\0\0\x05T')
    // While it holds the session, and until a moment after it is dropped: probe both routes.
    const during: Array<Promise<{ status: number; ms: number }>> = []
    const probes: Array<{ status: number; ms: number }> = []
    while (Date.now() - held < IDLE_SECONDS * 1000 + 1500) {
      during.push(deliver())
      probes.push(await health())
      await sleep(150)
    }
    const droppedAt = await holder.closed
    expect(droppedAt - held).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000)
    expect(holder.received()).toContain('idle in a transaction for over 2 s')
    for (const probe of probes) expect(probe.ms).toBeLessThan(1000)
    expect(probes.some((p) => p.status === 503)).toBe(true) // the database was held
    const answered = await Promise.all(during)
    // Held deliveries are acknowledged once the client is gone (or 503, to come again).
    expect(answered.every((a) => a.status === 200 || a.status === 503)).toBe(true)
    expect(answered.some((a) => a.status === 200)).toBe(true)
    // After: every delivery acknowledged, the client's insert rolled back.
    const after = await Promise.all(Array.from({ length: 5 }, () => deliver()))
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect((await health()).status).toBe(200)
    const check = rawClient(pgPort)
    check.send(
      Buffer.concat([
        startupMessage('postgres'),
        typedMessage(
          'Q',
          "select 'rows:' || count(*) from bigcommerce.deletions where store_hash = 'guard'\0",
        ),
      ]),
    )
    await check.until('rows:0')
    check.socket.destroy()
  })

  it('a client idle between Parse and Sync is dropped too', async () => {
    const holder = rawClient(pgPort)
    holder.send(Buffer.concat([startupMessage('postgres'), typedMessage('P', '\0select 1\0\0\0')]))
    await holder.closed
    expect(holder.received()).toContain('idle between Parse and Sync for over 2 s')
    expect((await deliver()).status).toBe(200)
  })

  it('SIGTERM stops serve within 10 s while one client holds a transaction and one sent half a frame', async () => {
    const holder = rawClient(pgPort)
    holder.send(Buffer.concat([startupMessage('postgres'), typedMessage('Q', 'begin;\0')]))
    await holder.until('Z\0\0\0\x05T')
    const partial = rawClient(pgPort)
    partial.send(Buffer.concat([startupMessage('postgres'), Buffer.from('Q\0\0\x10\0select')]))
    await partial.until('Z\0\0\0\x05I')
    const started = Date.now()
    const code = await stopChild(child)
    expect(code).toBe(0)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(child.lines.some((line) => line.msg === 'stopped')).toBe(true)
  })
})
