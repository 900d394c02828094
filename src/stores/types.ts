// The store registry's shapes, shared by the registry (stores table, sealed tokens), the commands
// and the hosts. A store is served when it is `active`; its token is only ever held in memory.

export type StoreStatus = 'active' | 'paused' | 'uninstalled'

/** How the store came: a store-level API account (`stores add`, or the settings) or an app install. */
export type StoreKind = 'api_account' | 'app'

/** A registered store as the registry shows it: never its token. */
export interface StoreRecord {
  storeHash: string
  kind: StoreKind
  status: StoreStatus
  scopes: string[]
  startDate: Date | null
  installedAt: Date | null
  uninstalledAt: Date | null
  updatedAt: Date
}

/** What work on one store needs. Holds the token in clear: never log or print it. */
export interface StoreAccess {
  storeHash: string
  accessToken: string
  /** Where replication starts for this store; undefined means everything. */
  startDate?: Date
  /** `settings`: BIGCOMMERCE_STORE_HASH/ACCESS_TOKEN; `registry`: the stores table. */
  source: 'settings' | 'registry'
}

/** Which stores there are, by hash and status: what routing a delivery needs, no token. */
export interface StoreRoster {
  /** The settings' store and the active registered ones, as the directory spells their hashes. */
  active(): Promise<Array<Pick<StoreAccess, 'storeHash' | 'source'>>>
  /** One store by hash (lower-cased), or null when it is neither in the settings nor registered. */
  find(
    storeHash: string,
  ): Promise<{ status: StoreStatus; access: Pick<StoreAccess, 'storeHash'> } | null>
}

/** Which stores there are and how to reach them, read fresh on every call. */
export interface StoreDirectory extends StoreRoster {
  /** Every store that work should run for now: the settings' store and the active registered ones. */
  active(): Promise<StoreAccess[]>
  /** One store by hash (lower-cased), or null when it is neither in the settings nor registered. */
  find(storeHash: string): Promise<{ status: StoreStatus; access: StoreAccess } | null>
  /**
   * The same stores read without opening a token, for routing deliveries: a store whose token
   * cannot be opened still has its deliveries kept. Absent: the directory itself is read.
   */
  roster?: StoreRoster
}

/** A directory of fixed stores (the settings' one store, tests): all active. */
export function fixedDirectory(stores: readonly StoreAccess[]): StoreDirectory {
  const byHash = new Map(stores.map((s) => [s.storeHash.toLowerCase(), s]))
  return {
    active: async () => [...byHash.values()],
    find: async (storeHash) => {
      const access = byHash.get(storeHash.toLowerCase())
      return access ? { status: 'active', access } : null
    },
  }
}
