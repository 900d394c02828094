// Names shared by the global setup and the per-file database helpers.
import { fileURLToPath } from 'node:url'

export const PGLITE_IMAGE = fileURLToPath(new URL('../../.test-cache/pglite-migrated.tgz', import.meta.url))
/**
 * Scratch databases are named `bcm_<kind>_<pid>_<rest>` after the process that owns them, so a
 * run cleans up only what dead runs left behind, never a concurrent run's databases.
 */
export function scratchDatabaseName(kind: string, ownerPid: number, rest: string): string {
  return `bcm_${kind}_${ownerPid}_${rest}`
}

export function ownerOfScratchDatabase(name: string): number | null {
  const match = /^bcm_[a-z]+_(\d+)_/.exec(name)
  return match ? Number(match[1]) : null
}

/** The same server URL pointing at another database. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}
