// LISTEN through serve's PGLITE_PORT: clients of the wire server hear the change feed of writes
// made in serve's process (PGlite's one session), a listener reading on notification finds the
// row, one client's UNLISTEN does not deafen the others, and `changes --follow` prints through it.
import { readFile } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { followChanges } from '../../cli/changes.ts'
import { listenForChanges, type Change } from '../../src/db/changes.ts'
import type { Database } from '../../src/db/database.ts'
import { PGLITE_START_PARAMS, wrapPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { upsertRows } from '../../src/db/write.ts'
import { embeddedUrl } from '../../src/node/open-database.ts'
import { channelStatementOf, endsExchange } from '../../src/node/wire-listen.ts'
import { startWireServer, type WireServer } from '../../src/node/wire-server.ts'
import type { ResourceRow } from '../../src/resources/types.ts'
import { freePort } from '../support/ports.ts'

const product = (id: number): ResourceRow => ({
  id,
  date_modified: new Date('2024-07-01T10:00:00Z'),
  data: { id, name: `Product ${id}` },
  name: `Product ${id}`,
})

/** A listener over the wire that notes each change and what it found when it read the rows. */
async function wireListener(db: Database) {
  const heard: Array<{ change: Change; found: number }> = []
  const waiting: Array<{ id: number; resolve: () => void }> = []
  const stop = await listenForChanges(db, async (change) => {
    const [row] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from bigcommerce.products
      where store_hash = ${change.store_hash} and id = any(${`{${change.ids.join(',')}}`}::bigint[])`)
    heard.push({ change, found: row?.n ?? 0 })
    for (const w of waiting.filter((w) => change.ids.includes(w.id))) w.resolve()
  })
  const heardId = (id: number) =>
    heard.some((h) => h.change.ids.includes(id))
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.push({ id, resolve }))
  return { heard, heardId, stop }
}

describe('LISTEN through the wire server', () => {
  let pglite: PGlite
  let mirror: Database
  let server: WireServer
  let port = 0
  const clients: Database[] = []
  const connect = () => {
    const db = openPostgres(embeddedUrl(port), { max: 1 })
    clients.push(db)
    return db
  }

  beforeAll(async () => {
    pglite = await PGlite.create({
      loadDataDir: new Blob([await readFile(inject('pgliteImage'))]),
      startParams: [...PGLITE_START_PARAMS],
    })
    mirror = wrapPglite(pglite, { sharedSessionWaitMs: 5000 })
    port = await freePort()
    server = await startWireServer(pglite, { port })
  })
  afterAll(async () => {
    for (const db of clients) await db.close()
    await server.stop()
    await pglite.close()
  })

  it("two clients hear serve's writes and find the rows; one client's UNLISTEN leaves the other listening", async () => {
    const a = await wireListener(connect())
    const b = await wireListener(connect())
    await upsertRows(mirror, 'products', 'wire', [product(1), product(2)])
    await Promise.all([a.heardId(1), b.heardId(1)])
    for (const listener of [a, b]) {
      expect(listener.heard).toEqual([
        { change: { store_hash: 'wire', table: 'products', op: 'upsert', ids: [1, 2] }, found: 2 },
      ])
    }
    await a.stop()
    await upsertRows(mirror, 'products', 'wire', [product(3)])
    await b.heardId(3)
    expect(b.heard.map((h) => h.change.ids)).toEqual([[1, 2], [3]])
    expect(a.heard).toHaveLength(1)
    await b.stop()
  })

  it('changes --follow prints through serve', async () => {
    const lines: string[] = []
    let stop = () => {}
    let printed = () => {}
    const done = new Promise<void>((resolve) => (printed = resolve))
    const following = followChanges(connect(), {
      json: true,
      write: (text) => {
        lines.push(text.trim())
        printed()
      },
      stopped: new Promise((resolve) => (stop = resolve)),
      onListening: () => void upsertRows(mirror, 'products', 'wire', [product(4)]),
    })
    await done
    stop()
    await following
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { store_hash: 'wire', table: 'products', op: 'upsert', ids: [4] },
    ])
  })
})

describe('LISTEN statements a client sends', () => {
  const query = (text: string) => {
    const body = Buffer.from(`${text}\0`)
    return Buffer.concat([Buffer.from([0x51, 0, 0, 0, 0]), body])
  }
  const parse = (text: string) =>
    Buffer.concat([Buffer.from([0x50, 0, 0, 0, 0, 0]), Buffer.from(`${text}\0\0\0`)])

  it('are read from Query and Parse messages, names folded as PostgreSQL folds them', () => {
    expect(channelStatementOf(query('LISTEN Bigcommerce_Mirror;'))).toEqual({
      listen: true,
      channel: 'bigcommerce_mirror',
    })
    expect(channelStatementOf(parse('listen "Mixed ""Case"""'))).toEqual({
      listen: true,
      channel: 'Mixed "Case"',
    })
    expect(channelStatementOf(query('unlisten *'))).toEqual({ listen: false, channel: '*' })
    expect(channelStatementOf(query('select 1'))).toBeNull()
    expect(channelStatementOf(query('listen a; select 1'))).toBeNull()
  })
})

describe('the end of an exchange in the output', () => {
  const message = (type: string, body = Buffer.alloc(0)) => {
    const head = Buffer.alloc(5)
    head.write(type, 0, 'latin1')
    head.writeInt32BE(4 + body.length, 1)
    return Buffer.concat([head, body])
  }

  it('is a ReadyForQuery after whole messages; a cut or bad length reads as not yet', () => {
    const complete = message('C', Buffer.from('UNLISTEN\0'))
    expect(endsExchange(Buffer.concat([complete, message('Z', Buffer.from('I'))]))).toBe(true)
    expect(endsExchange(complete)).toBe(false)
    expect(endsExchange(Buffer.from([0x43, 0xff, 0xff, 0xff, 0xf0, 0x5a]))).toBe(false)
    expect(endsExchange(complete.subarray(0, 7))).toBe(false)
  })
})
