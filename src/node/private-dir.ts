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

/** Creates or tightens `dir`; returns how many entries had to be tightened (0 for a fresh one). */
export function makePrivateDir(dir: string): number {
  // umask cannot be set from a worker thread; the main thread's applies to the whole process.
  if (isMainThread) process.umask(0o077)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return tighten(dir)
}

function tighten(path: string): number {
  const stat = lstatSync(path)
  if (stat.isSymbolicLink()) return 0
  let changed = 0
  if ((stat.mode & OPEN_TO_OTHERS) !== 0) {
    chmodSync(path, stat.isDirectory() ? 0o700 : 0o600)
    changed += 1
  }
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) changed += tighten(join(path, entry))
  }
  return changed
}
