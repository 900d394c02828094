// The embedded database holds customers' data (emails, addresses) in plain files, its WAL
// included: DATA_DIR is for this user alone. It is created 0700; an existing one that others can
// read is tightened (directories 0700, files 0600); while PGlite runs the process umask is 077;
// and the tree is tightened again once PGlite has opened it and when it closes, because PGlite
// copies its initial files in with their packaged modes whatever the umask. The directory's own
// 0700 is what keeps others out in between.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { isMainThread } from 'node:worker_threads'

/** Whatever in a tree others could read or write. */
const OPEN_TO_OTHERS = 0o077

export interface PrivateDirResult {
  /** Entries whose mode was tightened. */
  tightened: number
  /** Entries others can read that this user may not change (owned by someone else). */
  stillOpen: string[]
}

/** Creates `dir` 0700, or tightens an existing one and everything in it. */
export function makePrivateDir(dir: string): PrivateDirResult {
  // umask cannot be set from a worker thread; the main thread's applies to the whole process.
  if (isMainThread) process.umask(0o077)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const result: PrivateDirResult = { tightened: 0, stillOpen: [] }
  tighten(dir, result)
  return result
}

/** The warning for entries that stayed open, with the command that closes them. */
export function describeStillOpen(dir: string, result: PrivateDirResult): string | null {
  if (result.stillOpen.length === 0) return null
  return (
    `DATA_DIR ${dir} holds ${result.stillOpen.length} entries other users can read that this user cannot change ` +
    `(e.g. ${result.stillOpen[0]}); the embedded database holds customer data. Run: sudo chown -R "$USER" ${dir} && chmod -R go-rwx ${dir}`
  )
}

function tighten(path: string, result: PrivateDirResult): void {
  const stat = lstatSync(path)
  if (stat.isSymbolicLink()) return
  if ((stat.mode & OPEN_TO_OTHERS) !== 0) {
    try {
      chmodSync(path, stat.isDirectory() ? 0o700 : 0o600)
      result.tightened += 1
    } catch {
      result.stillOpen.push(path)
    }
  }
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) tighten(join(path, entry), result)
  }
}
