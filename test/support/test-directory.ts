// A StoreDirectory a test can change while serve runs: stores added, paused, uninstalled.
import type { StoreAccess, StoreDirectory, StoreStatus } from '../../src/stores/types.ts'

export interface TestDirectory extends StoreDirectory {
  set(store: { storeHash: string; accessToken: string }, status?: StoreStatus): void
  /** Takes the store out (as `stores remove` does). */
  remove(storeHash: string): void
  /** How often active() was read. */
  reads(): number
}

export function createTestDirectory(): TestDirectory {
  const stores = new Map<string, { status: StoreStatus; access: StoreAccess }>()
  let reads = 0
  return {
    set({ storeHash, accessToken }, status = 'active') {
      const access: StoreAccess = { storeHash, accessToken, source: 'registry' }
      stores.set(storeHash.toLowerCase(), { status, access })
    },
    remove(storeHash) {
      stores.delete(storeHash.toLowerCase())
    },
    async active() {
      reads += 1
      return [...stores.values()].filter((s) => s.status === 'active').map((s) => s.access)
    },
    async find(storeHash) {
      return stores.get(storeHash.toLowerCase()) ?? null
    },
    reads: () => reads,
  }
}
