// Random bytes on serve's PGLITE_PORT (src/node/wire-server.ts, over a real socket): whatever a
// client sends, only that client is affected. The event loop keeps turning and other clients'
// queries keep answering. (Four bytes, ff ff ff f0, once made pglite-socket loop forever.)
import { connect } from 'node:net'
import { readFile } from 'node:fs/promises'
import type { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startWireServer, type WireServer } from '../../src/node/wire-server.ts'
import { freePort } from '../support/ports.ts'
import { startupMessage, typedMessage } from '../support/wire-messages.ts'

/** Sends `bytes` on a new connection, reads for a moment, then leaves (or is closed). */
function sendAndLeave(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    socket.on('data', () => {})
    socket.on('error', () => {})
    const timer = setTimeout(() => socket.destroy(), 40)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** True when a timer fires: the event loop was not starved. */
const loopTurns = () =>
  new Promise<boolean>((resolve) => {
    const started = Date.now()
    setTimeout(() => resolve(Date.now() - started < 5_000), 0)
  })

describe('random bytes on PGLITE_PORT', () => {
  let pglite: PGlite
  let wire: WireServer
  let port = 0
  let client: postgres.Sql

  beforeAll(async () => {
    const { PGlite } = await import('@electric-sql/pglite')
    pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(inject('pgliteImage'))]) })
    port = await freePort()
    wire = await startWireServer(pglite, { port, idleTimeoutMs: 2_000 })
    client = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, {
      max: 1,
      prepare: false,
      onnotice: () => {},
    })
  })

  afterAll(async () => {
    await client?.end({ timeout: 1 })
    await wire?.stop()
    await pglite?.close()
  })

  async function expectStillServing() {
    expect(await loopTurns()).toBe(true)
    const [row] = await client<{ n: number }[]>`select count(*)::int as n from bigcommerce.orders`
    expect(row?.n).toBe(0)
  }

  it('a client sending ff ff ff f0 is closed with a reason, and the others go on', async () => {
    const answer = await new Promise<string>((resolve) => {
      let got = ''
      const bytes = Buffer.from([0xff, 0xff, 0xff, 0xf0, 0])
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
      socket.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')))
      socket.on('close', () => resolve(got))
    })
    expect(answer).toContain('invalid length of startup packet (-16)')
    await expectStillServing()
  })

  it('any bytes, before or after a valid startup, affect only their own connection', async () => {
    const noise = fc.uint8Array({ minLength: 1, maxLength: 120 }).map((b) => Buffer.from(b))
    const framedNoise = fc
      .array(
        fc.tuple(
          fc.constantFrom('B', 'C', 'c', 'd', 'D', 'E', 'f', 'F', 'H', 'P', 'Q', 'S'),
          fc.uint8Array({ maxLength: 40 }),
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((messages) => Buffer.concat(messages.map(([type, body]) => typedMessage(type, body))))
    const input = fc.oneof(
      noise,
      noise.map((b) => Buffer.concat([startupMessage('fuzz'), b])),
      framedNoise.map((b) => Buffer.concat([startupMessage('fuzz'), b])),
    )
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        await sendAndLeave(port, bytes)
        await expectStillServing()
      }),
      { numRuns: 60 },
    )
  })
})
