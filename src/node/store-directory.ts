// The stores `serve` works for, as both of its threads open them. Until the registry is merged this
// is the settings' one store; the registry's directory (stores table and settings together) slots
// in here, and every part of serve that asks (the receiver's routing, the background's lanes)
// follows.
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { fixedDirectory, type StoreAccess, type StoreDirectory } from '../stores/types.ts'

/** The store BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN name. */
export function settingsStore(
  config: Pick<Config, 'storeHash' | 'accessToken' | 'startDate'>,
): StoreAccess {
  return {
    storeHash: config.storeHash,
    accessToken: config.accessToken,
    startDate: config.startDate,
    source: 'settings',
  }
}

export function openStoreDirectory(
  config: Pick<Config, 'storeHash' | 'accessToken' | 'startDate'>,
  _db: Database,
): StoreDirectory {
  return fixedDirectory([settingsStore(config)])
}
