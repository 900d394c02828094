// Names shared by the global setup and the per-file database helpers.
import { fileURLToPath } from 'node:url'

/**
 * The migrated test database as an uncompressed tar (41 MB; 4.7 MB gzipped): every PGlite a test
 * opens from it skips the gunzip, ~0.2 s of the ~0.7 s of CPU an open costs (docs/test-suite.md).
 */
export const PGLITE_IMAGE = fileURLToPath(
  new URL('../../.test-cache/pglite-migrated.tar', import.meta.url),
)
/**
 * A data directory made from PGLITE_IMAGE once per run: seedDataDir copies it instead of starting
 * PGlite to unpack the image again (~2 s of CPU each).
 */
export const PGLITE_DATA_DIR = fileURLToPath(
  new URL('../../.test-cache/pglite-data-dir', import.meta.url),
)
/** The migrated embedded database `npm run build` writes (scripts/embedded-image.ts). */
export const EMBEDDED_IMAGE = fileURLToPath(
  new URL('../../dist/src/db/embedded-image.tgz', import.meta.url),
)
/**
 * Scratch databases are named `bcm_<kind>_<pid>_<rest>` after the process that owns them, for a
 * person reading the server's list; what a run may drop is decided by the marker each carries
 * (scratch-databases.ts), never by this name.
 */
export function scratchDatabaseName(kind: string, ownerPid: number, rest: string): string {
  return `bcm_${kind}_${ownerPid}_${rest}`
}

/** The same server URL pointing at another database. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}
