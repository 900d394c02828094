// Hearing the change feed in tests: a collector of the changes (and raw payloads) one LISTEN
// receives, and a marker notification to await, so that "nothing was announced" is asserted without
// waiting for a timeout: notifications reach a listener in commit order, so once the marker that
// was committed last has arrived, anything committed before it would have arrived too.
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/database.ts'
import { CHANGES_CHANNEL, listenForChanges, type Change } from '../../src/db/changes.ts'

export const MARKER_STORE = 'marker'

export interface ChangeCollector {
  /** Changes heard so far, markers left out. */
  readonly changes: Change[]
  /** Raw payloads heard so far, markers included. */
  readonly payloads: string[]
  /** Resolves once a heard change satisfies `test` (and `onChange` has finished with it). */
  until(test: (change: Change) => boolean): Promise<Change>
  /** Commits a marker and resolves once it is heard: every earlier commit has been heard. */
  settle(): Promise<void>
  /** Forgets what was heard. */
  clear(): void
  stop(): Promise<void>
}

export async function collectChanges(
  db: Database,
  onChange?: (change: Change) => void | Promise<void>,
): Promise<ChangeCollector> {
  const changes: Change[] = []
  const heard: Change[] = []
  const payloads: string[] = []
  let waiters: Array<{ test: (c: Change) => boolean; resolve: (c: Change) => void }> = []
  const errors: unknown[] = []
  const stopPayloads = await db.listen(CHANGES_CHANNEL, (payload) => payloads.push(payload))
  const handle = async (change: Change) => {
    if (change.store_hash !== MARKER_STORE) {
      changes.push(change)
      await onChange?.(change)
    }
    // Heard once `onChange` is done: awaiting a change also awaits what was done on it.
    heard.push(change)
    const met = waiters.filter((w) => w.test(change))
    waiters = waiters.filter((w) => !met.includes(w))
    for (const w of met) w.resolve(change)
  }
  // One change at a time, in the order heard, so a marker is heard after the work on earlier ones.
  let queue = Promise.resolve()
  const stopChanges = await listenForChanges(
    db,
    (change) => {
      queue = queue.then(() => handle(change)).catch((error: unknown) => void errors.push(error))
    },
    { onError: (error) => errors.push(error) },
  )
  let markers = 0
  const until = (test: (c: Change) => boolean) => {
    const found = heard.find(test)
    if (found) return Promise.resolve(found)
    return new Promise<Change>((resolve) => waiters.push({ test, resolve }))
  }
  return {
    changes,
    payloads,
    until,
    async settle() {
      const id = ++markers
      const payload = JSON.stringify({
        store_hash: MARKER_STORE,
        table: 'marker',
        op: 'upsert',
        ids: [id],
      })
      await db.execute(sql`select pg_notify(${CHANGES_CHANNEL}::text, ${payload}::text)`)
      await until((c) => c.store_hash === MARKER_STORE && c.ids[0] === id)
      if (errors.length > 0) throw errors[0]
    },
    clear() {
      heard.splice(0)
      changes.splice(0)
      payloads.splice(0)
    },
    async stop() {
      await stopChanges()
      await stopPayloads()
    },
  }
}
