// A delivery for each webhook scope the mirror subscribes (test/contract/examples/webhooks.ts),
// posted to the real receiver: each is acknowledged, and stored in the inbox naming the row it
// refreshes; a scope of no mirrored table is acknowledged and not stored
// (docs/bigcommerce-api.md, "Contract fixtures").
import { sql } from 'drizzle-orm'
import { beforeEach, expect, it } from 'vitest'
import { createApp, WEBHOOK_PATH } from '../../src/http/app.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { DELIVERIES } from './examples/webhooks.ts'

const STORE = 'q7w2e9'
const SECRET = 'a-webhook-secret-of-some-length'

it('covers every scope family the mirror subscribes', () => {
  const subscribed = Object.values(RESOURCES).flatMap((r) => r.webhookScopes)
  const families = (scope: string) => scope.replace(/\/[^/]+$/, '/')
  const delivered = new Set(DELIVERIES.map((d) => families(d.body.scope)))
  const missing = subscribed.filter((scope) => !delivered.has(families(scope)))
  expect(missing).toEqual([])
})

describeEachDatabase('webhook deliveries at the receiver', (ctx) => {
  beforeEach(async () => {
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
  })

  it('acknowledges every one and stores each that refreshes a mirrored row', async () => {
    const app = createApp({
      storeHash: STORE,
      webhookSecret: SECRET,
      enqueue: (event) => insertEvents(ctx.db, STORE, [event]).then(() => undefined),
      checkHealth: async () => true,
    })
    for (const { body } of DELIVERIES) {
      const response = await app.request(WEBHOOK_PATH, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', 'X-Webhook-Secret': SECRET },
      })
      expect([body.scope, response.status]).toEqual([body.scope, 200])
    }
    const stored = await ctx.db.execute<{ scope: string; resource: string; id: number }>(
      sql`select scope, resource, resource_id::float8 as id from bigcommerce.webhook_events
        where store_hash = ${STORE} order by scope`,
    )
    const expected = DELIVERIES.flatMap(({ body, refreshes }) =>
      refreshes ? [{ scope: body.scope, resource: refreshes.table, id: refreshes.id }] : [],
    ).sort((a, b) => (a.scope < b.scope ? -1 : 1))
    expect(stored.map((row) => ({ ...row }))).toEqual(expected)
    expect(stored.length).toBe(DELIVERIES.length - 1)
  })
})
