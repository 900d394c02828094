// Names shared by the global setup and the per-file database helpers.
import { fileURLToPath } from 'node:url'

export const PGLITE_IMAGE = fileURLToPath(new URL('../../.test-cache/pglite-migrated.tgz', import.meta.url))
export const TEMPLATE_PREFIX = 'bcm_template_'
export const TEST_DB_PREFIX = 'bcm_test_'

/** The same server URL pointing at another database. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}
