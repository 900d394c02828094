// Per-table request accounting for sweep summaries, fed by the client's events. The client is
// shared by all tables (one quota per store), so events are attributed by their path.
import type { ClientEvent } from '../bigcommerce/client.ts'
import type { ResourceName } from '../db/schema.ts'
import { tableOfPath } from '../resources/index.ts'

export interface RequestCounts {
  /** HTTP responses received (every attempt, throttled ones included). */
  requests: number
  /** 429 answers. */
  throttled: number
  /** Retries after a 5xx, timeout or connection error. */
  retries: number
}

export type ClientEventListener = (event: ClientEvent) => void

/** Lets code that did not create the client listen to its events. */
export interface ClientEventHub {
  emit: ClientEventListener
  subscribe(listener: ClientEventListener): () => void
}

export function createClientEventHub(): ClientEventHub {
  const listeners = new Set<ClientEventListener>()
  return {
    emit(event) {
      for (const listener of listeners) listener(event)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export { tableOfPath }

export const emptyCounts = (): RequestCounts => ({ requests: 0, throttled: 0, retries: 0 })

/** Counts events per table until the returned stop function is called. */
export function countRequests(hub: ClientEventHub | undefined) {
  const counts = new Map<ResourceName, RequestCounts>()
  const stop =
    hub?.subscribe((event) => {
      const table = tableOfPath(event.path)
      if (!table) return
      const c = counts.get(table) ?? emptyCounts()
      if (event.type === 'response') c.requests += 1
      else if (event.type === 'throttled') c.throttled += 1
      else c.retries += 1
      counts.set(table, c)
    }) ?? (() => {})
  return { of: (table: ResourceName) => counts.get(table) ?? emptyCounts(), stop }
}
