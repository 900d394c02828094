// Which store a webhook delivery is for, from its `producer` (`stores/{hash}`), on the receiver's
// hot path. The active stores are held in memory and re-read from the directory every refreshMs;
// any other hash is looked up once and its answer kept for as long, so neither a known store's
// delivery nor a flood for an unknown store costs a query each.
import type { StoreRoster, StoreStatus } from './types.ts'

export type DropReason = 'unknown store' | 'uninstalled store' | 'no producer'

/** Store the delivery for this store, or answer 200 and drop it. */
export type DeliveryRoute = { store: string } | { drop: DropReason }

export interface StoreRouter {
  /** Synchronous for a store seen lately; a promise when the directory must be asked. */
  route(producer: string | undefined): DeliveryRoute | Promise<DeliveryRoute>
  /** The active stores as last read, as the directory spells their hashes. */
  activeStores(): string[]
  /** Re-reads the active stores now (also done every refreshMs once started). */
  refresh(): Promise<void>
  stop(): void
}

export interface StoreRouterOptions {
  /** How long an answer is kept. Default 60 s. */
  refreshMs?: number
  /** Most hashes other than the active ones kept at once (a flood of unknown ones). Default 10,000. */
  maxOthers?: number
  now?: () => number
  /**
   * The settings' store (BIGCOMMERCE_STORE_HASH), known before the directory is first read: a
   * database that is down at start does not turn its deliveries away.
   */
  settingsStore?: string
  /** Told when a refresh fails (the previous answers are kept meanwhile). */
  onError?: (error: unknown) => void
}

const PRODUCER = /^stores\/([a-z0-9]{1,64})$/

/** The store hash a `producer` names, lower-cased; null when it names none. */
export function storeOfProducer(producer: string): string | null {
  return PRODUCER.exec(producer.toLowerCase())?.[1] ?? null
}

interface Known {
  status: StoreStatus | 'unknown'
  /** The hash as the directory spells it (rows are keyed by it). */
  storeHash: string
  at: number
}

/**
 * Routes deliveries by producer. A paused store's deliveries are stored (its work resumes with
 * it); an unknown or uninstalled store's are dropped. A delivery without a producer belongs to the
 * settings' store when there is one (a single-store mirror, as before), else it is dropped: with
 * several stores nothing says whose it is.
 */
export function createStoreRouter(
  directory: StoreRoster,
  options: StoreRouterOptions = {},
): StoreRouter {
  const refreshMs = options.refreshMs ?? 60_000
  const maxOthers = options.maxOthers ?? 10_000
  const now = options.now ?? Date.now
  /** Lower-cased hash → the hash as the directory spells it. */
  const fromSettings = options.settingsStore
  let active = new Map<string, string>(
    fromSettings ? [[fromSettings.toLowerCase(), fromSettings]] : [],
  )
  let settingsStore: string | null = fromSettings ?? null
  let others = new Map<string, Known>()
  const asking = new Map<string, Promise<DeliveryRoute>>()

  const routeOf = ({ status, storeHash }: Known): DeliveryRoute =>
    status === 'active' || status === 'paused'
      ? { store: storeHash }
      : { drop: status === 'uninstalled' ? 'uninstalled store' : 'unknown store' }

  async function ask(hash: string): Promise<DeliveryRoute> {
    const found = await directory.find(hash)
    const known: Known = {
      status: found?.status ?? 'unknown',
      storeHash: found?.access.storeHash ?? hash,
      at: now(),
    }
    if (others.size >= maxOthers) others = new Map()
    others.set(hash, known)
    return routeOf(known)
  }

  async function refresh() {
    const stores = await directory.active()
    active = new Map(stores.map((s) => [s.storeHash.toLowerCase(), s.storeHash]))
    settingsStore = stores.find((s) => s.source === 'settings')?.storeHash ?? null
    // A store that became active is in `active` now; one that left it is asked again.
    others = new Map([...others].filter(([hash]) => !active.has(hash)))
  }

  const timer = setInterval(() => {
    refresh().catch((error: unknown) => options.onError?.(error))
  }, refreshMs)
  // Never the reason a process stays up.
  ;(timer as { unref?: () => void }).unref?.()

  return {
    route(producer) {
      if (producer === undefined)
        return settingsStore ? { store: settingsStore } : { drop: 'no producer' }
      const hash = storeOfProducer(producer)
      if (!hash) return { drop: 'unknown store' }
      const activeHash = active.get(hash)
      if (activeHash) return { store: activeHash }
      const known = others.get(hash)
      if (known && now() - known.at < refreshMs) return routeOf(known)
      let pending = asking.get(hash)
      if (!pending) {
        pending = ask(hash).finally(() => asking.delete(hash))
        asking.set(hash, pending)
      }
      return pending
    },
    activeStores: () => [...active.values()],
    refresh,
    stop: () => clearInterval(timer),
  }
}
