// The event worker's housekeeping: finished events leave the inbox once older than the kept age;
// events that still need a person or a retry never do.
import { sql } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import type { Database } from '../../src/db/database.ts'
import { startEventWorker } from '../../src/sync/events/event-worker.ts'
import { insertEvents } from '../../src/sync/events/inbox.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = 'prunestore'
const DAY_S = 86_400

/** One inbox event with the given status, finished (or received) `ageDays` ago. */
async function storeEvent(db: Database, name: string, status: string, ageDays: number) {
  const payload = { scope: 'store/product/updated', data: { type: 'product', id: 1 }, hash: name }
  await insertEvents(db, STORE, [
    { hash: name, scope: payload.scope, resource: 'products', resourceId: 1, payload },
  ])
  const at = sql`now() - make_interval(secs => ${ageDays * DAY_S})`
  await db.execute(sql`
    update bigcommerce.webhook_events
    set status = ${status}, received_at = ${at},
        processed_at = case when ${status} = 'pending' then null else ${at} end
    where store_hash = ${STORE} and hash = ${name}`)
}

async function hashesLeft(db: Database): Promise<string[]> {
  const rows = await db.execute<{ hash: string }>(
    sql`select hash from bigcommerce.webhook_events where store_hash = ${STORE} order by hash`,
  )
  return rows.map((row) => row.hash)
}

describeEachDatabase('event worker housekeeping', (ctx) => {
  it('deletes done and ignored events past the kept age, and keeps failed, held, pending and recent ones', async () => {
    await storeEvent(ctx.db, 'old-done', 'done', 8)
    await storeEvent(ctx.db, 'old-ignored', 'ignored', 8)
    await storeEvent(ctx.db, 'old-failed', 'failed', 8)
    await storeEvent(ctx.db, 'old-held', 'held', 8)
    await storeEvent(ctx.db, 'old-pending', 'pending', 8)
    await storeEvent(ctx.db, 'recent-done', 'done', 6)
    // Only housekeeping runs: the table loops sleep until a wake that never comes, so the client
    // (an address nothing listens on) is never asked.
    const worker = startEventWorker(
      {
        db: ctx.db,
        storeHash: STORE,
        client: createBigCommerceClient({
          apiUrl: 'http://127.0.0.1:9',
          storeHash: STORE,
          accessToken: 'unused',
        }),
      },
      { startAsleep: true, idleMs: 600_000, pruneDelayMs: 10 },
    )
    try {
      await expect
        .poll(() => hashesLeft(ctx.db))
        .toEqual(['old-failed', 'old-held', 'old-pending', 'recent-done'])
    } finally {
      await worker.stop()
    }
  })
})
