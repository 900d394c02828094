// The inbox's statements: group commit under concurrency, deduplication while an event waits,
// re-arming once it is done or in a worker's hands, and leases that only their holder can finish.
import { sql, type SQL } from 'drizzle-orm'
import fc from 'fast-check'
import { beforeEach, expect, it } from 'vitest'
import {
  claimEvents,
  createInboxWriter,
  finishEvents,
  InboxBusyError,
  insertEvents,
  type InboxEvent,
} from '../../src/sync/events/inbox.ts'
import type { Executor } from '../../src/db/database.ts'
import { dollarQuoted } from '../../src/sync/events/inbox-insert.ts'
import { describeEachDatabase } from '../support/databases.ts'

const STORE = 'inbox1'
const event = (hash: string, id = 1): InboxEvent => ({
  hash,
  scope: 'store/product/updated',
  resource: 'products',
  resourceId: id,
  payload: { scope: 'store/product/updated', data: { type: 'product', id }, hash },
})

describeEachDatabase('inbox', (ctx) => {
  const statuses = () =>
    ctx.db.execute<{ hash: string; status: string; attempts: number }>(
      sql`select hash, status, attempts from bigcommerce.webhook_events order by hash`,
    )

  beforeEach(async () => {
    await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
  })

  it('the writer commits every event before resolving, sharing statements under concurrency', async () => {
    const write = createInboxWriter(ctx.db, STORE, { maxInFlight: 2 })
    // 300 deliveries of 100 events (each delivered three times), all at once.
    await Promise.all(Array.from({ length: 300 }, (_, i) => write(event(`h${i % 100}`, i % 100))))
    const [count] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.webhook_events`,
    )
    expect(count?.n).toBe(100)
  })

  /** The inbox's own statements counted, on the real database. */
  const counting = () => {
    const counter = {
      statements: 0,
      db: {
        execute: (query: SQL) => {
          counter.statements += 1
          return ctx.db.execute(query)
        },
      } as Executor,
    }
    return counter
  }

  it('a delivery to an idle inbox goes at once, however long minIntervalMs is', async () => {
    const counter = counting()
    const write = createInboxWriter(counter.db, STORE, { minIntervalMs: 600_000 })
    await write(event('alone'))
    expect(counter.statements).toBe(1)
    expect(await statuses()).toEqual([{ hash: 'alone', status: 'pending', attempts: 0 }])
  })

  it('deliveries within minIntervalMs of the last statement share the next; gatherEvents of them go at once', async () => {
    const counter = counting()
    const spaced = createInboxWriter(counter.db, STORE, { minIntervalMs: 500, gatherEvents: 100 })
    await spaced(event('first', 1))
    // One at a time as the receiver gets them, none waiting for another's answer.
    await Promise.all(Array.from({ length: 10 }, (_, i) => spaced(event(`spaced${i}`, 10 + i))))
    expect(counter.statements).toBe(2)

    const gathered = createInboxWriter(counter.db, STORE, {
      minIntervalMs: 600_000,
      gatherEvents: 5,
    })
    await gathered(event('second', 2))
    await Promise.all(Array.from({ length: 5 }, (_, i) => gathered(event(`gathered${i}`, 30 + i))))
    expect(counter.statements).toBe(4)
    const [count] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.webhook_events`,
    )
    expect(count?.n).toBe(17)
  })

  it('a stalled database: callers are refused after waitMs, in flight or queued; the writer carries on', async () => {
    const write = createInboxWriter(ctx.db, STORE, { maxInFlight: 1, waitMs: 300 })
    // The table locked by an open transaction stalls every insert until it ends.
    let unlock = () => {}
    const held = new Promise<void>((resolve) => (unlock = resolve))
    let locked = () => {}
    const lockTaken = new Promise<void>((resolve) => (locked = resolve))
    const holder = ctx.db.transaction(async (tx) => {
      await tx.execute(sql`lock table bigcommerce.webhook_events in access exclusive mode`)
      locked()
      await held
    })
    await lockTaken
    const startedAt = performance.now()
    const answers = await Promise.allSettled([write(event('f', 1)), write(event('q', 2))])
    expect(performance.now() - startedAt).toBeLessThan(3_000)
    for (const answer of answers) {
      expect(answer.status).toBe('rejected')
      if (answer.status === 'rejected') expect(answer.reason).toBeInstanceOf(InboxBusyError)
    }
    unlock()
    await holder
    // The one in flight committed once the lock went; the queued one was dropped.
    await expect.poll(async () => (await statuses()).map((r) => r.hash)).toEqual(['f'])
    await write(event('after', 3))
    expect((await statuses()).map((r) => r.hash)).toEqual(['after', 'f'])
  })

  it('a failed statement rejects every delivery in it, and the writer carries on', async () => {
    const write = createInboxWriter(ctx.db, STORE)
    const bad = { ...event('bad'), scope: null } as unknown as InboxEvent
    await expect(write(bad)).rejects.toThrow()
    await write(event('good'))
    expect((await statuses()).map((r) => r.hash)).toEqual(['good'])
  })

  it('absorbs duplicates while waiting; re-arms a done or claimed event', async () => {
    expect(await insertEvents(ctx.db, STORE, [event('a'), event('a')])).toBe(1)
    expect(await insertEvents(ctx.db, STORE, [event('a')])).toBe(0)
    const [claimed] = await claimEvents(ctx.db, STORE, { limit: 10, leaseMs: 60_000 })
    expect(claimed).toMatchObject({ resource: 'products', resourceId: 1, attempts: 1 })
    // A delivery with the same hash while the worker holds it: re-armed, and the holder's finish
    // no longer applies (it may have read the row before this change).
    expect(await insertEvents(ctx.db, STORE, [event('a')])).toBe(1)
    await finishEvents(ctx.db, claimed ? [claimed] : [])
    expect(await statuses()).toEqual([{ hash: 'a', status: 'pending', attempts: 0 }])
    const [again] = await claimEvents(ctx.db, STORE, { limit: 10, leaseMs: 60_000 })
    await finishEvents(ctx.db, again ? [again] : [])
    expect(await statuses()).toEqual([{ hash: 'a', status: 'done', attempts: 1 }])
    // Done, then delivered again (BigCommerce's hash may repeat for a later change): re-armed.
    expect(await insertEvents(ctx.db, STORE, [event('a')])).toBe(1)
    expect(await statuses()).toEqual([{ hash: 'a', status: 'pending', attempts: 0 }])
  })

  it('stores any text exactly: quotes, backslashes, dollar tags and every plane of unicode', async () => {
    // The rows travel as one dollar-quoted literal (inbox-insert.ts), so text that could end it
    // is what to try.
    const awkward = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/\u0000/g, '')),
      fc.constantFrom(
        "'",
        "''",
        '\\',
        '$rows$',
        '$rows',
        'rows$',
        '$rows1$',
        '$$',
        "$rows$'; drop table x; --",
      ),
    )
    const storable = (s: string) =>
      !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))
    const texts = fc.array(awkward, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''))
    await fc.assert(
      fc.asyncProperty(
        fc.array(texts.filter(storable), { minLength: 1, maxLength: 5 }),
        async (values) => {
          await ctx.db.execute(sql`delete from bigcommerce.webhook_events`)
          const events = values.map((text, i) => ({
            ...event(`${text}#${i}`, i + 1),
            payload: { text, [text]: [text] },
          }))
          expect(await insertEvents(ctx.db, STORE, events)).toBe(events.length)
          const rows = await ctx.db.execute<{ hash: string; payload: unknown }>(
            sql`select hash, payload from bigcommerce.webhook_events order by resource_id`,
          )
          expect(rows).toEqual(events.map((e) => ({ hash: e.hash, payload: e.payload })))
        },
      ),
      { numRuns: 40 },
    )
  })

  it('dollarQuoted picks a tag that the text does not close early', () => {
    expect(dollarQuoted('[1]')).toBe('$rows$[1]$rows$')
    expect(dollarQuoted('a$rows$b')).toBe('$rows1$a$rows$b$rows1$')
    // A text ending in the start of the tag would close at its own end.
    expect(dollarQuoted('a$rows')).toBe('$rows1$a$rows$rows1$')
    expect(dollarQuoted('$rows$ $rows1$')).toBe('$rows2$$rows$ $rows1$$rows2$')
  })

  it('claims skip events other workers hold, and an expired lease makes them claimable again', async () => {
    await insertEvents(ctx.db, STORE, [event('x', 1), event('y', 2), event('z', 3)])
    const first = await claimEvents(ctx.db, STORE, { limit: 2, leaseMs: 60_000 })
    const second = await claimEvents(ctx.db, STORE, { limit: 10, leaseMs: 60_000 })
    expect(first).toHaveLength(2)
    expect(second.map((e) => e.resourceId)).toEqual([3])
    expect(await claimEvents(ctx.db, STORE, { limit: 10, leaseMs: 60_000 })).toEqual([])
    // The first holder's lease runs out (moved into the past rather than waited for, so a loaded
    // machine cannot expire it early either).
    const firstIds = first.map((e) => e.id)
    await ctx.db.execute(sql`
      update bigcommerce.webhook_events
      set locked_until = now() - interval '1 second', available_at = now() - interval '1 second'
      where id in (${sql.join(
        firstIds.map((id) => sql`${id}`),
        sql`, `,
      )})`)
    const reclaimed = await claimEvents(ctx.db, STORE, { limit: 10, leaseMs: 60_000 })
    expect(reclaimed.map((e) => e.resourceId).sort()).toEqual(first.map((e) => e.resourceId).sort())
    // The first holder's late finish is ignored; the new holder's counts.
    await finishEvents(ctx.db, first)
    expect((await statuses()).filter((r) => r.status === 'done')).toEqual([])
    await finishEvents(ctx.db, [...reclaimed, ...second])
    expect((await statuses()).every((r) => r.status === 'done')).toBe(true)
  })
})
