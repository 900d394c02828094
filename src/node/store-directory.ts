// The stores `serve` works for, as both of its threads open them: the settings' store (when
// BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN are set) and the registry's active stores,
// read fresh on every call (src/stores/registry.ts). The receiver's routing and the background's
// lanes both ask it.
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { createStoreDirectory, normalizeStoreHash } from '../stores/registry.ts'
import { importTokenKeys } from '../stores/token-crypto.ts'
import type { StoreAccess, StoreDirectory } from '../stores/types.ts'
import type { Logger } from '../util/log.ts'

type DirectorySettings = Pick<
  Config,
  'storeHash' | 'accessToken' | 'startDate' | 'tokenEncryptionKey'
>

/** The store BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN name, when both are set. */
export function settingsStore(config: DirectorySettings): StoreAccess | undefined {
  if (!config.storeHash || !config.accessToken) return undefined
  return {
    storeHash: normalizeStoreHash(config.storeHash),
    accessToken: config.accessToken,
    ...(config.startDate ? { startDate: config.startDate } : {}),
    source: 'settings',
  }
}

export async function openStoreDirectory(
  config: DirectorySettings,
  db: Database,
  log: Logger,
): Promise<StoreDirectory> {
  const keys = config.tokenEncryptionKey
    ? await importTokenKeys(config.tokenEncryptionKey)
    : undefined
  return createStoreDirectory(db, {
    settingsStore: settingsStore(config),
    keys,
    // One store whose token cannot be opened (a key gone missing) is left out, never the others.
    onUnreadable: (storeHash, error) =>
      log('warn', "a registered store's token cannot be opened; the store is not served", {
        store: storeHash,
        error: error.message,
      }),
  })
}
