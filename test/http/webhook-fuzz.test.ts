// Property-based fuzz of POST /webhooks/bigcommerce through app.request() (no network), with the
// real inbox insert behind it. Each generated case is a delivery built from parts whose verdict is
// known by construction (a near-miss secret, a signature that almost verifies, a truncated body, a
// field of the wrong type, another store's producer (200, dropped), ...), so every answer is checked exactly:
// never a 5xx, never an error reported, the expected 2xx/4xx, and an event stored only for an
// authenticated, valid delivery of a mapped scope, for the row its payload names. At the end the
// inbox holds exactly the stored events and no table was touched.
//
// FUZZ_RUNS (default 10,000, in two halves) and FUZZ_SEED (default fixed, so CI is repeatable;
// the second half takes the next seed) change the run;
// a failure prints the seed and the shrunk case.
import { createHmac } from 'node:crypto'
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, MAX_BODY_BYTES, WEBHOOK_PATH } from '../../src/http/app.ts'
import type { InboxEvent } from '../../src/sync/events/inbox.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { createFreshDatabase, databaseKinds, type FreshDatabase } from '../support/databases.ts'

const STORE = 'abc123'
const SECRET = 'whsec-Fuzz-0123456789-abcdefghij'
const CLIENT_SECRET = 'client-secret-for-the-fuzz-test'
const NOW_MS = 1_700_000_000_000
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_707)

// ---- what a case is made of --------------------------------------------------------------------

const INJECTIONS = [
  "'; drop table bigcommerce.orders; --",
  "1' or '1'='1",
  '1); delete from bigcommerce.webhook_events where (1=1',
  '$.data.id',
  '$..[?(@.id > 0)]',
  "data->>'id'",
  '{"$ne": null}',
  '../../etc/passwd',
  '${process.exit(1)}',
  '__proto__',
  'constructor',
  '%00',
  '\\u0000',
  '<script>alert(1)</script>',
  'NaN',
  '-0',
  '9'.repeat(400),
]

/** Any storable text: unicode code points (no NUL; the poison variants add those), or injections. */
const text = (maxLength = 40) =>
  fc.oneof(
    {
      arbitrary: fc.string({ unit: 'binary', maxLength }).map((s) => s.replace(/\u0000/g, '')),
      weight: 3,
    },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength }), weight: 2 },
    { arbitrary: fc.constantFrom(...INJECTIONS), weight: 3 },
  )

/** A value of any JSON type but object (extra fields, wrong types). */
const scalar = fc.oneof(
  text(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 2 ** 53, 2 ** 63, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER),
)
const extras = fc.dictionary(text(12), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), {
  maxKeys: 4,
})

/** An id in a payload: good ones are stored (as the number they denote), bad ones ignored. */
const idValue = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 2_000_000_000 }), weight: 5 },
  { arbitrary: fc.integer({ min: 1, max: 2_000_000_000 }).map(String), weight: 2 },
  {
    arbitrary: fc.oneof(
      fc.integer({ min: -1_000_000, max: 0 }),
      fc.constantFrom(2 ** 53, 2 ** 53 + 2, 1e308, 1.5, -0, 2 ** 63),
      fc.constantFrom('0', '-5', '1.5', '1e3', ' 7', '0x10', '9'.repeat(30), ''),
      text(),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 2 }),
      fc.constant({ id: 5 }),
    ),
    weight: 3,
  },
)

/** Where each scope family carries the id of the row it refreshes. */
const PLACES: Array<{ scopes: string[]; place: (id: unknown) => Record<string, unknown> }> = [
  {
    scopes: [
      'store/order/created',
      'store/order/updated',
      'store/order/archived',
      'store/order/statusUpdated',
    ],
    place: (id) => ({ type: 'order', id }),
  },
  {
    scopes: ['store/order/transaction/created'],
    place: (id) => ({ type: 'transaction', order_id: id }),
  },
  {
    scopes: ['store/order/metafield/updated'],
    place: (id) => ({ metafield_id: 3, resource_id: id }),
  },
  {
    scopes: ['store/product/created', 'store/product/updated', 'store/product/deleted'],
    place: (id) => ({ type: 'product', id }),
  },
  {
    scopes: ['store/sku/updated', 'store/sku/created'],
    place: (id) => ({ type: 'sku', id: 77, sku: { product_id: id, variant_id: 77 } }),
  },
  {
    scopes: ['store/sku/inventory/updated'],
    place: (id) => ({ type: 'sku', id: 78, inventory: { product_id: id } }),
  },
  {
    scopes: ['store/customer/created', 'store/customer/updated', 'store/customer/deleted'],
    place: (id) => ({ type: 'customer', id }),
  },
  {
    scopes: ['store/customer/address/updated'],
    place: (id) => ({ type: 'customer', id: 901, address: { customer_id: id } }),
  },
]
const UNMAPPED = [
  'store/cart/couponApplied',
  'store/hook/deliveryException',
  'store/shipment/created',
  'store/product/variant/metafield/updated',
]

/** The id the mirror must store for a placed id value, or null when it must ignore the event. */
function expectedId(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null
}

interface Envelope {
  json: Record<string, unknown>
  /** The id a stored event must carry; null: 200 but nothing stored. */
  target: number | null
  /** Expected status from the envelope alone (200 or 400). */
  status: 200 | 400
  why: string
}

const mappedData = fc
  .tuple(fc.integer({ min: 0, max: PLACES.length - 1 }), fc.nat(), idValue, extras)
  .map(([p, s, id, extra]) => {
    const family = PLACES[p] ?? PLACES[0]
    const scopes = family?.scopes ?? []
    return {
      scope: scopes[s % scopes.length] ?? 'store/order/updated',
      data: { ...extra, ...family?.place(id) },
      target: expectedId(id),
    }
  })
const unmappedData = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...UNMAPPED),
      text(60).filter(
        (s) => !/^store\/(order|product|sku|customer)\//.test(s) && s.length > 0 && s.length <= 200,
      ),
    ),
    extras,
    idValue,
  )
  .map(([scope, extra, id]) => ({ scope, data: { ...extra, id }, target: null }))

type Field<T> = { ok: true; value: T | undefined } | { ok: false; value: unknown; why: string }
const good = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<Field<T>> =>
  arb.map((value) => ({ ok: true as const, value }))
const bad = (arb: fc.Arbitrary<unknown>, why: string): fc.Arbitrary<Field<never>> =>
  arb.map((value) => ({ ok: false as const, value, why }))
const ABSENT = undefined

const badString = (name: string) =>
  fc.oneof(
    bad(
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(text(5), { maxLength: 2 }),
        fc.constant({}),
      ),
      `${name} not a string`,
    ),
    bad(fc.constant(''), `${name} empty`),
    bad(
      fc.string({ minLength: 201, maxLength: 300 }).map((s) => s.replace(/\u0000/g, 'x')),
      `${name} over 200`,
    ),
    bad(fc.constant(ABSENT), `${name} missing`),
  )

const envelope: fc.Arbitrary<Envelope> = fc
  .record({
    body: fc.oneof({ arbitrary: mappedData, weight: 4 }, { arbitrary: unmappedData, weight: 1 }),
    scopeField: fc.oneof(
      { arbitrary: good(fc.constant('use-body')), weight: 12 },
      badString('scope'),
    ),
    dataField: fc.oneof(
      { arbitrary: good(fc.constant('use-body')), weight: 12 },
      bad(
        fc.oneof(
          fc.array(scalar, { maxLength: 3 }),
          fc.constant(null),
          text(),
          fc.integer(),
          fc.constant(ABSENT),
        ),
        'data not an object',
      ),
    ),
    hash: fc.oneof(
      { arbitrary: good(fc.stringMatching(/^[0-9a-f]{40}$/)), weight: 6 },
      { arbitrary: good(text(100).filter((s) => s.length > 0 && s.length <= 200)), weight: 3 },
      badString('hash'),
    ),
    storeId: fc.oneof(
      {
        arbitrary: good(
          fc.oneof(fc.constant(ABSENT), fc.constant('1000001'), text(20), fc.integer()),
        ),
        weight: 10,
      },
      bad(
        fc.oneof(fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([1])),
        'store_id wrong type',
      ),
    ),
    createdAt: fc.oneof(
      {
        arbitrary: good(
          fc.oneof(
            fc.constant(ABSENT),
            fc.integer(),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
        ),
        weight: 10,
      },
      bad(
        fc.oneof(fc.constant('1700000000'), fc.constant(null), fc.boolean(), fc.constant({})),
        'created_at wrong type',
      ),
    ),
    producer: fc.oneof(
      {
        arbitrary: good(
          fc.constantFrom(ABSENT, `stores/${STORE}`, `STORES/${STORE.toUpperCase()}`),
        ),
        weight: 10,
      },
      {
        arbitrary: good(
          fc.oneof(
            fc.constantFrom(`stores/${STORE}x`, 'stores/zzz999', `stores/ ${STORE}`, `${STORE}`),
            text(30).filter((t) => t.length <= 200),
          ),
        ),
        weight: 3,
      },
      bad(
        fc.oneof(fc.integer(), fc.constant(null), fc.constant({ hash: STORE })),
        'producer wrong type',
      ),
      bad(
        fc
          .string({ minLength: 201, maxLength: 260 })
          .map((s) => `stores/${STORE}${s.replace(/\u0000/g, 'x')}`),
        'producer over 200',
      ),
    ),
    extra: extras,
  })
  .map((r) => {
    const json: Record<string, unknown> = { ...r.extra }
    const put = (key: string, value: unknown) => {
      if (value === undefined) delete json[key]
      else json[key] = value
    }
    put('scope', r.scopeField.ok ? r.body.scope : r.scopeField.value)
    put('store_id', r.storeId.value)
    put('data', r.dataField.ok ? r.body.data : r.dataField.value)
    put('hash', r.hash.value)
    put('created_at', r.createdAt.value)
    put('producer', r.producer.value)
    const fields = [r.scopeField, r.dataField, r.hash, r.storeId, r.createdAt, r.producer]
    const broken = fields.find((f): f is Extract<Field<unknown>, { ok: false }> => !f.ok)
    if (broken) return { json, target: null, status: 400 as const, why: broken.why }
    const producer = r.producer.value
    if (typeof producer === 'string' && producer.toLowerCase() !== `stores/${STORE}`) {
      return { json, target: null, status: 200 as const, why: 'another store' }
    }
    return {
      json,
      target: r.body.target,
      status: 200 as const,
      why: r.body.target === null ? 'ignored' : 'stored',
    }
  })

/** A delivery: body bytes, headers, and the answer it must get. */
interface Delivery {
  body: Uint8Array<ArrayBuffer>
  headers: Record<string, string>
  status: number
  /** Only for status 200: the row id the stored event must name, or null when nothing is stored. */
  target: number | null
  hash?: string
  scope?: string
  why: string
}

const encoder = new TextEncoder()
const sign = (secret: string, id: string, timestamp: string, body: Uint8Array) =>
  `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestamp}.`).update(body).digest('base64')}`

/** Turns a body into one that is not JSON or not storable (always a 400). */
const corruption: fc.Arbitrary<{ apply: (body: string) => Uint8Array<ArrayBuffer>; why: string }> =
  fc.oneof(
    fc.double({ min: 0, max: 0.999, noNaN: true }).map((f) => ({
      apply: (body: string) => encoder.encode(body.slice(0, Math.floor(body.length * f))),
      why: 'truncated',
    })),
    fc.constantFrom('x', '}', ',', '{"a":1}', ']').map((junk) => ({
      apply: (body: string) => encoder.encode(body + junk),
      why: 'trailing junk',
    })),
    fc
      .uint8Array({ minLength: 0, maxLength: 64 })
      .map((bytes) => ({ apply: () => bytes, why: 'random bytes' })),
    fc
      .constantFrom(
        new Uint8Array([0xff, 0xfe]),
        new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]),
        new Uint8Array([0xed, 0xa0, 0x80]),
      )
      .map((bytes) => ({
        apply: (body: string) =>
          new Uint8Array([...encoder.encode(body.slice(0, -1)), ...bytes, 0x7d]),
        why: 'invalid UTF-8',
      })),
    fc
      .constantFrom('"\\u0000"', '"a\\u0000"', '"\\ud800"', '"\\udfff x"', '{"\\ud83d":1}')
      .map((poison) => ({
        apply: (body: string) =>
          encoder.encode(body.replace(/^\{/, `{"\u2603poison\u2603":${poison},`)),
        why: 'NUL or unpaired surrogate',
      })),
    fc.integer({ min: 40, max: 100_000 }).map((depth) => ({
      apply: (body: string) =>
        encoder.encode(
          body.replace(/^\{/, `{"\u2603deep\u2603":${'['.repeat(depth)}${']'.repeat(depth)},`),
        ),
      why: `nested ${depth} deep`,
    })),
    fc.constantFrom('', 'null', '[]', '"store/order/updated"', '42', 'true', '{}').map((whole) => ({
      apply: () => encoder.encode(whole),
      why: 'not an envelope',
    })),
  )

type SecretVariant = { header: string | undefined; ok: boolean; why: string }
const secretVariant: fc.Arbitrary<SecretVariant> = fc.oneof(
  { arbitrary: fc.constant({ header: SECRET, ok: true, why: 'secret' }), weight: 9 },
  {
    arbitrary: fc
      .oneof(
        fc.constant(undefined),
        fc.constantFrom(
          '',
          SECRET.slice(0, -1),
          `${SECRET}x`,
          SECRET.toUpperCase(),
          SECRET.toLowerCase(),
          `${SECRET}${SECRET}`,
          'null',
          CLIENT_SECRET,
        ),
        fc.nat({ max: SECRET.length - 1 }).chain((i) =>
          fc
            .constantFrom('a', 'Z', '0', '-', 'é', 'ÿ')
            .filter((c) => c !== SECRET[i])
            .map((c) => SECRET.slice(0, i) + c + SECRET.slice(i + 1)),
        ),
        fc.constantFrom(...INJECTIONS.filter((s) => /^[\x20-\x7e]*$/.test(s) && s.trim() === s)),
      )
      .map((header) => ({
        header,
        ok: false,
        why: `secret ${header === undefined ? 'missing' : 'wrong'}`,
      })),
    weight: 3,
  },
)

type SignatureVariant = (body: Uint8Array) => {
  headers: Record<string, string>
  ok: boolean
  why: string
}
const nowSeconds = String(Math.floor(NOW_MS / 1000))
const signatureVariant: fc.Arbitrary<SignatureVariant> = fc.oneof(
  {
    arbitrary: fc.constant<SignatureVariant>(() => ({ headers: {}, ok: true, why: 'unsigned' })),
    weight: 9,
  },
  {
    arbitrary: fc.integer({ min: -300, max: 300 }).map<SignatureVariant>((skew) => (body) => {
      const timestamp = String(Math.floor(NOW_MS / 1000) + skew)
      return {
        headers: {
          'webhook-id': 'msg_1',
          'webhook-timestamp': timestamp,
          'webhook-signature': sign(CLIENT_SECRET, 'msg_1', timestamp, body),
        },
        ok: true,
        why: 'signed',
      }
    }),
    weight: 3,
  },
  {
    arbitrary: fc.constant<SignatureVariant>((body) => ({
      headers: {
        'webhook-id': 'msg_2',
        'webhook-timestamp': nowSeconds,
        'webhook-signature': `v1,AAAA v2,x ${sign(CLIENT_SECRET, 'msg_2', nowSeconds, body)}`,
      },
      ok: true,
      why: 'signed among others',
    })),
    weight: 1,
  },
  {
    arbitrary: fc
      .constantFrom(
        'wrong secret',
        'other body',
        'other id',
        'stale',
        'future',
        'v2 prefix',
        'flipped',
        'bad base64',
        'empty',
        'partial',
        'timestamp not a number',
        'secret as key',
      )
      .map<SignatureVariant>((kind) => (body) => {
        const id = 'msg_3'
        let timestamp = nowSeconds
        if (kind === 'stale') timestamp = String(Number(nowSeconds) - 301)
        if (kind === 'future') timestamp = String(Number(nowSeconds) + 301)
        const signedBody =
          kind === 'other body' ? encoder.encode(`${new TextDecoder().decode(body)} `) : body
        const key =
          kind === 'wrong secret'
            ? `${CLIENT_SECRET}x`
            : kind === 'secret as key'
              ? SECRET
              : CLIENT_SECRET
        let signature = sign(key, kind === 'other id' ? 'msg_4' : id, timestamp, signedBody)
        if (kind === 'v2 prefix') signature = signature.replace(/^v1,/, 'v2,')
        if (kind === 'flipped')
          signature =
            signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6)
        if (kind === 'bad base64') signature = 'v1,!!!not-base64!!!'
        if (kind === 'empty') signature = ''
        if (kind === 'timestamp not a number') timestamp = `${nowSeconds}a`
        const headers: Record<string, string> = {
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signature,
        }
        if (kind === 'partial') delete headers['webhook-signature']
        return { headers, ok: false, why: `signature: ${kind}` }
      }),
    weight: 3,
  },
)

const otherHeaders = fc.dictionary(
  fc.constantFrom(
    'content-type',
    'x-forwarded-for',
    'user-agent',
    'x-bc-signature',
    'x-webhook-token',
    'accept',
    'x-request-id',
  ),
  fc
    .string({ unit: 'binary-ascii', maxLength: 40 })
    .map((s) => s.replace(/[^\x20-\x7e]/g, '').trim()),
  { maxKeys: 3 },
)

const delivery: fc.Arbitrary<Delivery> = fc
  .record({
    envelope,
    corrupt: fc.oneof(
      { arbitrary: fc.constant(null), weight: 7 },
      { arbitrary: corruption, weight: 3 },
    ),
    secret: secretVariant,
    signature: signatureVariant,
    other: otherHeaders,
    oversize: fc.oneof(
      { arbitrary: fc.constant('normal'), weight: 400 },
      { arbitrary: fc.constant('oversize'), weight: 1 },
    ),
  })
  .map(({ envelope: e, corrupt, secret, signature, other, oversize }) => {
    let body = encoder.encode(JSON.stringify(e.json))
    let status: number = e.status
    let why = e.why
    if (corrupt) {
      body = corrupt.apply(JSON.stringify(e.json))
      status = 400
      why = corrupt.why
    }
    if (oversize === 'oversize') {
      body = encoder.encode(JSON.stringify({ ...e.json, pad: 'x'.repeat(MAX_BODY_BYTES) }))
      status = 413
      why = 'over 1 MiB'
    }
    const signed = signature(body)
    const headers: Record<string, string> = { ...other, ...signed.headers }
    if (secret.header !== undefined) headers['x-webhook-secret'] = secret.header
    // Checked in this order: secret, size, signature, then the body.
    if (!secret.ok) {
      status = 401
      why = secret.why
    } else if (status !== 413 && !signed.ok) {
      status = 401
      why = signed.why
    }
    const stored = status === 200 && e.target !== null
    return {
      body,
      headers,
      status,
      target: status === 200 ? e.target : null,
      hash: stored ? String(e.json.hash) : undefined,
      scope: stored ? String(e.json.scope) : undefined,
      why,
    }
  })

// ---- the run -----------------------------------------------------------------------------------

const kind = databaseKinds().at(-1) ?? 'pglite'

describe(`POST ${WEBHOOK_PATH} under ${RUNS} generated deliveries [${kind}]`, () => {
  let fresh: FreshDatabase | undefined
  beforeAll(async () => {
    fresh = await createFreshDatabase(kind)
  })
  afterAll(async () => {
    await fresh?.dispose()
  })
  // What every half stored so far: the inbox is checked against it after each.
  const storedHashes = new Set<string>()
  // The inbox is unique on what an event targets: hash, scope and row id.
  const storedTargets = new Set<string>()

  // Two halves with seeds of their own, so that neither test comes near its timeout when the
  // suite's heaviest files run beside it on two cores.
  it.each([
    ['first', SEED],
    ['second', SEED + 1],
  ])(
    'never a 5xx or an error; the exact status; stores only authenticated, valid, mapped events (%s half)',
    async (_, seed) => {
      const db = fresh?.db
      if (!db) throw new Error('no database')
      const runs = Math.ceil(RUNS / 2)
      const errors: unknown[] = []
      let enqueued: InboxEvent[] = []
      const app = createApp({
        storeHash: STORE,
        webhookSecret: SECRET,
        clientSecret: CLIENT_SECRET,
        now: () => NOW_MS,
        async enqueue(event) {
          enqueued.push(event)
          await insertEvents(db, STORE, [event])
        },
        checkHealth: async () => true,
        onError: (error) => errors.push(error),
      })
      const tally = new Map<string, number>()

      await fc.assert(
        fc.asyncProperty(delivery, async (d) => {
          enqueued = []
          const response = await app.request(WEBHOOK_PATH, {
            method: 'POST',
            body: d.body,
            headers: d.headers,
          })
          await response.arrayBuffer()
          const outcome = {
            status: response.status,
            errors: errors.length,
            enqueued: enqueued.map((e) => [e.scope, e.hash, e.resourceId]),
          }
          const expected = {
            status: d.status,
            errors: 0,
            enqueued: d.target === null ? [] : [[d.scope, d.hash, d.target]],
          }
          if (JSON.stringify(outcome) !== JSON.stringify(expected)) {
            throw new Error(
              `case "${d.why}": got ${JSON.stringify(outcome)}, expected ${JSON.stringify(expected)}; ${errors.map(String).join('; ')}`,
            )
          }
          for (const e of enqueued) {
            storedHashes.add(e.hash)
            storedTargets.add(JSON.stringify([e.hash, e.scope, e.resourceId]))
          }
          const verdict =
            d.why === 'another store' ? 'dropped' : d.target === null ? 'ignored' : 'stored'
          const key = `${d.status} ${d.status === 200 ? verdict : d.why.replace(/ \d+ deep$/, ' deep')}`
          tally.set(key, (tally.get(key) ?? 0) + 1)
        }),
        { numRuns: runs, seed, endOnFailure: false },
      )

      const [inbox] = await db.execute<{ n: number; hashes: number }>(
        sql`select count(*)::int as n, count(distinct hash)::int as hashes from bigcommerce.webhook_events`,
      )
      expect(inbox).toEqual({ n: storedTargets.size, hashes: storedHashes.size })
      const [tables] = await db.execute<{ n: number }>(sql`
        select (select count(*) from bigcommerce.orders) + (select count(*) from bigcommerce.products)
             + (select count(*) from bigcommerce.customers) + (select count(*) from bigcommerce.coupons)
             + (select count(*) from bigcommerce.deletions) + (select count(*) from bigcommerce.sync_state) as n`)
      expect(Number(tables?.n)).toBe(0)
      // The generators reach every verdict in volume, not just the happy path.
      const total = (prefix: string) =>
        [...tally].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0)
      console.log(
        `fuzz: ${runs} deliveries (seed ${seed}): ${JSON.stringify(Object.fromEntries([...tally].sort()))}`,
      )
      for (const status of ['200 stored', '200 ignored', '200 dropped', '400', '401'])
        expect(total(status)).toBeGreaterThan(runs / 100)
    },
  )
})
