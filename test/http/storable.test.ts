// Pins a fix found by the fuzz test: bodies that are valid JSON but that PostgreSQL cannot store
// (a NUL, an unpaired surrogate, nesting that overflows JSON.stringify) used to fail the inbox
// insert and answer 503, so BigCommerce would retry them forever. They are malformed: 400, nothing
// stored. Deep but ordinary nesting and other odd-but-storable bodies are still accepted.
import { sql } from 'drizzle-orm'
import { beforeEach, expect, it } from 'vitest'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { findUnstorable, MAX_BODY_DEPTH } from '../../src/http/storable.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = 'abc123'
const SECRET = 'a-webhook-secret-of-some-length'

const withData = (data: string, hash: string) =>
  `{"scope":"store/order/updated","data":${data},"hash":"${hash}","producer":"stores/${STORE}"}`

describeEachDatabase('receiver: bodies the inbox cannot store', (ctx) => {
  const errors: unknown[] = []
  const app = () =>
    createApp({
      storeHash: STORE,
      webhookSecret: SECRET,
      enqueue: (event) => insertEvents(ctx.db, STORE, [event]).then(() => undefined),
      checkHealth: async () => true,
      onError: (error) => errors.push(error),
    })
  const post = (body: string) =>
    app().request(WEBHOOK_PATH, { method: 'POST', body, headers: { 'X-Webhook-Secret': SECRET } })
  const stored = async () =>
    (
      await ctx.db.execute<{ n: number }>(
        sql`select count(*)::int as n from bigcommerce.webhook_events`,
      )
    )[0]?.n

  beforeEach(async () => {
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
    errors.length = 0
  })

  it.each([
    ['a NUL in data', withData('{"id":5,"note":"a\\u0000b"}', 'nul-data')],
    ['a NUL in the hash', withData('{"id":5}', 'a\\u0000b')],
    ['a NUL in the scope', '{"scope":"store/order/up\\u0000","data":{"id":5},"hash":"nul-scope"}'],
    ['an unpaired high surrogate', withData('{"id":5,"x":"\\ud800"}', 'lone-high')],
    ['an unpaired low surrogate in a key', withData('{"id":5,"\\udc00":1}', 'lone-low')],
    [
      'nesting 100,000 deep',
      withData(`{"id":5,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'deep'),
    ],
  ])('%s: 400, nothing stored, no error', async (_name, body) => {
    const response = await post(body)
    expect(response.status).toBe(400)
    expect(await stored()).toBe(0)
    expect(errors).toEqual([])
  })

  it('odd but storable bodies are stored: paired surrogates, __proto__ keys, nesting at the limit', async () => {
    const nested = `${'['.repeat(MAX_BODY_DEPTH - 3)}${']'.repeat(MAX_BODY_DEPTH - 3)}`
    for (const [data, hash] of [
      ['{"id":5,"emoji":"\\ud83d\\ude00 ünïcödé"}', 'pair'],
      ['{"__proto__":{"id":1},"id":6}', 'proto'],
      [`{"id":7,"x":${nested}}`, 'at-limit'],
    ] as const) {
      expect((await post(withData(data, hash))).status).toBe(200)
    }
    expect(await stored()).toBe(3)
    expect(errors).toEqual([])
  })
})

it('findUnstorable names the problem, or null', () => {
  expect(findUnstorable({ a: ['ok', 1, null, { b: '😀' }] })).toBeNull()
  expect(findUnstorable({ a: 'x\u0000' })).toMatch(/NUL/)
  expect(findUnstorable(['\udfff'])).toMatch(/surrogate/)
  expect(findUnstorable(JSON.parse('[[[[1]]]]'), 3)).toMatch(/deeper than 3/)
})
