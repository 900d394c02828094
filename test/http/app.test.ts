// The webhook receiver through app.request(): authentication before parsing, validation, the
// inbox insert and its deduplication, and 503 while the database cannot store an event.
import { createHmac } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { createApp, WEBHOOK_PATH, type AppDeps, type DeliveryOutcome } from '../../src/http/app.ts'
import { nodeHmacSha256 } from '../../src/node/hmac.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = 'abc123'
const SECRET = 'a-webhook-secret-of-some-length'
const CLIENT_SECRET = 'client-secret-for-signatures'

function envelope(
  scope: string,
  data: Record<string, unknown>,
  hash = `h-${scope}-${JSON.stringify(data)}`,
) {
  return {
    scope,
    store_id: '1001',
    data,
    hash,
    created_at: 1_700_000_000,
    producer: `stores/${STORE}`,
  }
}

function sign(id: string, timestamp: number, body: string, secret = CLIENT_SECRET) {
  return `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

function appFor(db: Database, extra: Partial<AppDeps> = {}) {
  const outcomes: DeliveryOutcome[] = []
  const app = createApp({
    storeHash: STORE,
    webhookSecret: SECRET,
    clientSecret: CLIENT_SECRET,
    enqueue: async (event) => {
      await insertEvents(db, STORE, [event])
    },
    checkHealth: async () => (await db.execute(sql`select 1 as ok`)).length === 1,
    onDelivery: (o) => outcomes.push(o),
    ...extra,
  })
  return { app, outcomes }
}

async function post(
  app: ReturnType<typeof createApp>,
  body: string | object,
  headers: Record<string, string> = { 'X-Webhook-Secret': SECRET },
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return app.request(WEBHOOK_PATH, {
    method: 'POST',
    body: text,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

async function inbox(db: Database) {
  return db.execute<{
    scope: string
    resource: string | null
    resource_id: number | null
    hash: string
    status: string
  }>(
    sql`select scope, resource, resource_id::float8 as resource_id, hash, status from bigcommerce.webhook_events order by id`,
  )
}

describeEachDatabase('POST /webhooks/bigcommerce', (ctx) => {
  beforeEach(async () => {
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
  })

  it('stores a valid event with its target row and answers 200 with no body', async () => {
    const { app } = appFor(ctx.db)
    const response = await post(app, envelope('store/product/updated', { type: 'product', id: 42 }))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
    expect(await inbox(ctx.db)).toMatchObject([
      { scope: 'store/product/updated', resource: 'products', resource_id: 42, status: 'pending' },
    ])
  })

  it('maps SKU, address, transaction and archive events to the row they refresh', async () => {
    const { app } = appFor(ctx.db)
    const cases: Array<[ReturnType<typeof envelope>, string, number]> = [
      [
        envelope('store/sku/updated', {
          type: 'sku',
          id: 900,
          sku: { product_id: 7, variant_id: 900 },
        }),
        'products',
        7,
      ],
      [
        envelope('store/customer/address/updated', {
          type: 'customer',
          id: 555,
          address: { customer_id: 12 },
        }),
        'customers',
        12,
      ],
      [
        envelope('store/order/transaction/created', {
          type: 'transaction',
          order_id: '250',
          transaction_id: 3,
        }),
        'orders',
        250,
      ],
      [envelope('store/order/archived', { type: 'order', id: 251 }), 'orders', 251],
    ]
    for (const [body] of cases) expect((await post(app, body)).status).toBe(200)
    const rows = await inbox(ctx.db)
    expect(rows.map((r) => [r.resource, r.resource_id])).toEqual(
      cases.map(([, resource, id]) => [resource, id]),
    )
  })

  it('six identical deliveries make one inbox row', async () => {
    const { app } = appFor(ctx.db)
    const body = envelope('store/order/updated', { type: 'order', id: 9 }, 'same-hash')
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => post(app, body).then((r) => r.status)),
    )
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    expect(await inbox(ctx.db)).toHaveLength(1)
  })

  it('a missing or wrong secret is 401 and stores nothing, whatever its length', async () => {
    const { app } = appFor(ctx.db)
    const body = envelope('store/product/updated', { type: 'product', id: 1 })
    expect((await post(app, body, {})).status).toBe(401)
    expect((await post(app, body, { 'X-Webhook-Secret': 'short' })).status).toBe(401)
    expect((await post(app, body, { 'X-Webhook-Secret': `${SECRET}x` })).status).toBe(401)
    expect((await post(app, body, { 'X-Webhook-Secret': SECRET.replace(/.$/, 'X') })).status).toBe(
      401,
    )
    expect((await post(app, body, { 'X-Webhook-Secret': '' })).status).toBe(401)
    expect(await inbox(ctx.db)).toEqual([])
  })

  it('checks the secret before reading the body: a 2 MiB body without it is 401, with it 413', async () => {
    const { app } = appFor(ctx.db)
    const huge = JSON.stringify({
      ...envelope('store/product/updated', { type: 'product', id: 1 }),
      pad: 'x'.repeat(2 * 1024 * 1024),
    })
    expect((await post(app, huge, {})).status).toBe(401)
    const response = await post(app, huge)
    expect(response.status).toBe(413)
    // Without Content-Length (chunked), the limit still holds while streaming.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(huge))
        controller.close()
      },
    })
    const chunked = await app.request(WEBHOOK_PATH, {
      method: 'POST',
      body: stream,
      headers: { 'X-Webhook-Secret': SECRET, 'Transfer-Encoding': 'chunked' },
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(await inbox(ctx.db)).toEqual([])
  })

  it.each([
    ['WebCrypto', {}],
    ["the host's HMAC (Node's)", { hmacSha256: nodeHmacSha256 }],
  ])(
    'verifies a Standard Webhooks signature over the raw body when present (%s)',
    async (_, deps) => {
      const { app } = appFor(ctx.db, deps)
      const body = JSON.stringify(envelope('store/customer/updated', { type: 'customer', id: 3 }))
      const now = Math.floor(Date.now() / 1000)
      const good = {
        'X-Webhook-Secret': SECRET,
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(now),
      }
      // Several signatures (key rotation): one valid is enough.
      expect(
        (
          await post(app, body, {
            ...good,
            'webhook-signature': `v1,AAAA ${sign('msg_1', now, body)}`,
          })
        ).status,
      ).toBe(200)
      const bad = [
        { ...good, 'webhook-signature': sign('msg_1', now, body, 'another-secret') },
        { ...good, 'webhook-signature': sign('msg_2', now, body) },
        { ...good, 'webhook-signature': sign('msg_1', now, `${body} `) },
        { ...good, 'webhook-signature': 'v1,not base64!' },
        {
          ...good,
          'webhook-timestamp': String(now - 400),
          'webhook-signature': sign('msg_1', now - 400, body),
        },
        {
          ...good,
          'webhook-timestamp': String(now + 400),
          'webhook-signature': sign('msg_1', now + 400, body),
        },
        {
          'X-Webhook-Secret': SECRET,
          'webhook-id': 'msg_1',
          'webhook-signature': sign('msg_1', now, body),
        },
      ]
      for (const [i, headers] of bad.entries())
        expect([i, (await post(app, body, headers)).status]).toEqual([i, 401])
      expect(await inbox(ctx.db)).toHaveLength(1)
    },
  )

  it('without a client secret configured, signature headers are not checked', async () => {
    const { app } = appFor(ctx.db, { clientSecret: undefined })
    const body = envelope('store/customer/updated', { type: 'customer', id: 3 })
    const headers = {
      'X-Webhook-Secret': SECRET,
      'webhook-id': 'x',
      'webhook-timestamp': '1',
      'webhook-signature': 'v1,AAAA',
    }
    expect((await post(app, body, headers)).status).toBe(200)
  })

  it('malformed JSON, non-object bodies and wrong shapes are 400 and store nothing', async () => {
    const { app, outcomes } = appFor(ctx.db)
    for (const body of ['{"scope":', '', '[1,2]', '"text"', '42', 'null', '\xff\xfe']) {
      expect((await post(app, body)).status).toBe(400)
    }
    const { data: _data, ...withoutData } = envelope('store/order/updated', {
      type: 'order',
      id: 1,
    })
    for (const body of [
      withoutData,
      { ...envelope('store/order/updated', {}), data: 'x' },
      { ...envelope('store/order/updated', { id: 1 }), hash: 5 },
    ]) {
      expect((await post(app, body)).status).toBe(400)
    }
    expect(await inbox(ctx.db)).toEqual([])
    expect(outcomes.every((o) => o.status === 400)).toBe(true)
  })

  it('a scope the mirror does not use is acknowledged and not stored', async () => {
    const { app, outcomes } = appFor(ctx.db)
    const cart = envelope('store/cart/couponApplied', { type: 'cart', id: 'c0ffee', couponId: 4 })
    expect((await post(app, cart)).status).toBe(200)
    const variantMetafield = envelope('store/product/variant/metafield/updated', {
      metafield_id: 1,
      resource_id: 2,
    })
    expect((await post(app, variantMetafield)).status).toBe(200)
    expect(await inbox(ctx.db)).toEqual([])
    expect(outcomes.map((o) => o.reason)).toEqual(['ignored scope', 'ignored scope'])
  })

  it("another store's delivery is answered 200 and dropped, never stored", async () => {
    const { app, outcomes } = appFor(ctx.db)
    const body = {
      ...envelope('store/order/created', { type: 'order', id: 5 }),
      producer: 'stores/zzz999',
    }
    expect((await post(app, body)).status).toBe(200)
    expect(await inbox(ctx.db)).toEqual([])
    expect(outcomes.map((o) => o.dropped)).toEqual(['unknown store'])
  })

  it('answers 503 while the database cannot store, and 200 again once it can', async () => {
    let down = true
    const { app } = appFor(ctx.db, {
      enqueue: async (event) => {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
        await insertEvents(ctx.db, STORE, [event])
      },
      checkHealth: async () => {
        if (down) throw new Error('connect ECONNREFUSED')
        return true
      },
    })
    const body = envelope('store/product/created', { type: 'product', id: 77 })
    const refused = await post(app, body)
    expect(refused.status).toBe(503)
    expect(await refused.text()).not.toContain('ECONNREFUSED')
    expect((await app.request('/healthz')).status).toBe(503)
    down = false
    expect((await post(app, body)).status).toBe(200)
    expect((await app.request('/healthz')).status).toBe(200)
    expect(await inbox(ctx.db)).toHaveLength(1)
  })
})

describe('GET /healthz', () => {
  it('is 200 when the database answers', async () => {
    const app = createApp({
      storeHash: STORE,
      webhookSecret: SECRET,
      enqueue: async () => {},
      checkHealth: async () => true,
    })
    const response = await app.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })
})
