// Leases: one holder at a time, released after use, renewed while held, taken over once expired.
import { sql } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { withLease } from '../../src/db/lease.ts'
import { describeEachDatabase } from '../support/databases.ts'

describeEachDatabase('leases', (ctx) => {
  it('lets one holder in at a time and frees the name afterwards', async () => {
    let inside = false
    const first = withLease(ctx.db, 'one', async () => {
      inside = true
      await new Promise((r) => setTimeout(r, 100))
      return 'first'
    })
    while (!inside) await new Promise((r) => setTimeout(r, 5))
    expect(await withLease(ctx.db, 'one', async () => 'second')).toEqual({ acquired: false })
    expect(await first).toEqual({ acquired: true, value: 'first' })
    expect(await withLease(ctx.db, 'one', async () => 'third')).toEqual({
      acquired: true,
      value: 'third',
    })
  })

  it('a waiting caller gets the lease when the holder finishes', async () => {
    const first = withLease(
      ctx.db,
      'queue',
      () => new Promise((r) => setTimeout(() => r('a'), 150)),
    )
    await new Promise((r) => setTimeout(r, 20))
    const second = await withLease(ctx.db, 'queue', async () => 'b', { wait: true, retryMs: 20 })
    expect(await first).toEqual({ acquired: true, value: 'a' })
    expect(second).toEqual({ acquired: true, value: 'b' })
  })

  it('is renewed while held, and taken over once a dead holder lets it expire', async () => {
    // A holder that died: its lease row stays until it expires.
    await ctx.db.execute(
      sql`insert into bigcommerce.leases (name, holder, expires_at) values ('dead', 'gone', now() + interval '200 milliseconds')`,
    )
    expect(await withLease(ctx.db, 'dead', async () => 1)).toEqual({ acquired: false })
    await new Promise((r) => setTimeout(r, 250))
    // A live holder with a short lease keeps it past its ttl by renewing it.
    const held = withLease(
      ctx.db,
      'dead',
      () => new Promise((r) => setTimeout(() => r('kept'), 400)),
      { ttlMs: 150 },
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(await withLease(ctx.db, 'dead', async () => 'stolen')).toEqual({ acquired: false })
    expect(await held).toEqual({ acquired: true, value: 'kept' })
  })
})

describeEachDatabase('leases of dead holders', (ctx) => {
  it('are taken over at once when the host can tell the holder is gone', async () => {
    await ctx.db.execute(
      sql`insert into bigcommerce.leases (name, holder, expires_at) values ('crashed', 'host:1:a', now() + interval '1 hour')`,
    )
    const isGone = (holder: string) => holder === 'host:1:a'
    expect(
      await withLease(ctx.db, 'crashed', async () => 'alive?', { isGone: () => false }),
    ).toEqual({ acquired: false })
    expect(
      await withLease(ctx.db, 'crashed', async () => 'mine', { holder: 'host:2:b', isGone }),
    ).toEqual({
      acquired: true,
      value: 'mine',
    })
  })
})
