// mirror.onChange's fan-out: every listener of the app shares one subscription to the change feed,
// which starts with the first listener and stops with the last; one listener's fault reaches no
// other listener and not the feed.
import { describe, expect, it } from 'vitest'
import {
  createChangeFanout,
  type ChangeListener,
  type MirrorChange,
} from '../../src/library/changes.ts'

/** A feed the test drives: how often it was started and stopped, and a way to send a change. */
function createTestFeed() {
  let deliver: ChangeListener | null = null
  const feed = {
    starts: 0,
    stops: 0,
    send: (change: MirrorChange) => deliver?.(change),
    async listen(listener: ChangeListener) {
      feed.starts += 1
      deliver = listener
      return async () => {
        feed.stops += 1
        deliver = null
      }
    },
  }
  return feed
}

const CHANGE: MirrorChange = { store_hash: 'abc', table: 'orders', op: 'upsert', ids: [1, 2] }

describe('onChange fan-out', () => {
  it('starts one subscription for many listeners and stops it with the last', async () => {
    const feed = createTestFeed()
    const errors: unknown[] = []
    const fanout = createChangeFanout(feed.listen, (e, from) => errors.push([from, e]))
    const heardA: MirrorChange[] = []
    const heardB: MirrorChange[] = []
    const offA = fanout.subscribe((c) => heardA.push(c))
    const offB = fanout.subscribe((c) => heardB.push(c))
    await expect.poll(() => feed.starts).toBe(1)
    feed.send(CHANGE)
    expect(heardA).toEqual([CHANGE])
    expect(heardB).toEqual([CHANGE])

    offA()
    offA() // a second call does nothing
    feed.send(CHANGE)
    expect(heardA).toHaveLength(1)
    expect(heardB).toHaveLength(2)
    expect(feed.stops).toBe(0)
    offB()
    await expect.poll(() => feed.stops).toBe(1)

    fanout.subscribe(() => {})
    await expect.poll(() => feed.starts).toBe(2)
    await fanout.close()
    expect(feed.stops).toBe(2)
    expect(errors).toEqual([])
  })

  it('a listener that throws is reported, and the others still hear the change', async () => {
    const feed = createTestFeed()
    const errors: unknown[] = []
    const fanout = createChangeFanout(feed.listen, (e, from) => errors.push([from, e]))
    const heard: MirrorChange[] = []
    fanout.subscribe(() => {
      throw new Error('listener bug')
    })
    fanout.subscribe((c) => heard.push(c))
    await expect.poll(() => feed.starts).toBe(1)
    feed.send(CHANGE)
    expect(heard).toEqual([CHANGE])
    expect(errors).toEqual([['listener', new Error('listener bug')]])
    await fanout.close()
  })

  it('a feed that cannot start is reported, and a later listener tries again', async () => {
    let tries = 0
    const errors: unknown[] = []
    const fanout = createChangeFanout(
      async () => {
        tries += 1
        throw new Error('no LISTEN connection')
      },
      (e, from) => errors.push([from, e]),
    )
    const off = fanout.subscribe(() => {})
    await expect.poll(() => errors).toEqual([['feed', new Error('no LISTEN connection')]])
    off()
    fanout.subscribe(() => {})
    await expect.poll(() => tries).toBe(2)
    await fanout.close()
  })
})
