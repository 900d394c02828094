// mirror.onChange: any number of listeners in the app share one subscription to the database's
// change feed (NOTIFY bigcommerce_mirror after each commit that changed mirrored rows). The feed
// starts with the first listener and stops with the last, so an app that never listens holds no
// LISTEN connection.
import type { Database } from '../db/database.ts'

/** One committed change, as the feed's NOTIFY payload carries it: rows of one table of one store. */
export interface MirrorChange {
  store_hash: string
  /** The table's name in the `bigcommerce` schema, e.g. `orders` or `order_products`. */
  table: string
  /** `upsert`: the rows were inserted or replaced; `delete`: they are gone from the table. */
  op: 'upsert' | 'delete'
  /** The rows' `id` column. */
  ids: number[]
}

export type ChangeListener = (change: MirrorChange) => void

/** Starts listening on the database's change feed; resolves with the function that stops it. */
export type ChangeFeed = (db: Database, listener: ChangeListener) => Promise<() => Promise<void>>

export interface ChangeFanout {
  /** Adds a listener; returns its unsubscribe function. */
  subscribe(listener: ChangeListener): () => void
  /** Stops the feed and drops every listener. */
  close(): Promise<void>
}

/** Where a failure came from: a listener of the app's, or the feed (starting or stopping). */
export type ChangeFailure = 'listener' | 'feed'

/** `listen` starts the one subscription (resolving with its stop); `onError` hears every failure. */
export function createChangeFanout(
  listen: (deliver: ChangeListener) => Promise<() => Promise<void>>,
  onError: (error: unknown, from: ChangeFailure) => void,
): ChangeFanout {
  const listeners = new Set<ChangeListener>()
  // The running (or starting) subscription; every start and stop goes through this one chain.
  let running: Promise<(() => Promise<void>) | null> = Promise.resolve(null)
  let open = true

  const deliver = (change: MirrorChange) => {
    for (const listener of [...listeners]) {
      try {
        listener(change)
      } catch (error) {
        onError(error, 'listener') // one listener's fault reaches neither the feed nor the others
      }
    }
  }
  const settle = () => {
    running = running.then(async (stop) => {
      const wanted = open && listeners.size > 0
      if (wanted && !stop) return listen(deliver)
      if (!wanted && stop) await stop()
      return wanted ? stop : null
    })
    running.catch((error: unknown) => onError(error, 'feed'))
    running = running.catch(() => null)
  }

  return {
    subscribe(listener) {
      listeners.add(listener)
      settle()
      return () => {
        if (!listeners.delete(listener)) return
        settle()
      }
    },
    async close() {
      open = false
      listeners.clear()
      settle()
      await running
    },
  }
}
