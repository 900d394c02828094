// PGlite does not lock its data directory, and two processes writing one directory silently lose
// data. This lock file makes a second process fail at once, naming the holder. A lock whose
// process is gone (killed, crashed) is taken over, so a hard kill never blocks the next start.
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { procStatField } from './proc-stat.ts'

export const LOCK_FILE = 'bc-mirror.lock'

export interface LockOwner {
  pid: number
  host: string
  command: string
  startedAt: string
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is not mistaken for the holder. */
  processStart?: string
  /** `serve` with PGLITE_PORT: where it answers PostgreSQL's protocol on 127.0.0.1. */
  pgPort?: number
}

export class DataDirLockedError extends Error {
  constructor(
    dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${owner.pid} (${owner.command}, on ${owner.host}, since ${owner.startedAt}). ` +
        'Only one process can open it at a time. Stop that process first, or set DATABASE_URL to a PostgreSQL server so several processes can share one database.',
    )
    this.name = 'DataDirLockedError'
  }
}

function processStartTicks(pid: number): string | undefined {
  try {
    return procStatField(`/proc/${pid}/stat`, 22)
  } catch {
    return undefined
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true // cannot tell for another machine: assume it holds the lock
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  const start = processStartTicks(owner.pid)
  return !owner.processStart || !start || start === owner.processStart
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

/** Releases the lock when called; `announcePort` adds serve's PostgreSQL port to it. */
export type DataDirLock = (() => void) & { announcePort(port: number): void }

/** Takes the lock on `dataDir` for this process; returns a function that releases it. */
export function lockDataDir(dataDir: string, command: string): DataDirLock {
  const dir = resolve(dataDir)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, LOCK_FILE)
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command,
    startedAt: new Date().toISOString(),
    processStart: processStartTicks(process.pid),
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, JSON.stringify(me))
      closeSync(fd)
      const release = () => {
        if (readOwner(path)?.pid === me.pid) unlinkSync(path)
      }
      return Object.assign(release, {
        /** Records in the lock where this process answers PostgreSQL's protocol. */
        announcePort(port: number) {
          if (readOwner(path)?.pid !== me.pid) return
          const temporary = `${path}.${process.pid}.tmp`
          writeFileSync(temporary, JSON.stringify({ ...me, pgPort: port }))
          renameSync(temporary, path)
        },
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = readOwner(path)
    if (owner && isAlive(owner)) throw new DataDirLockedError(dir, owner)
    // Stale (or half-written by a process killed mid-write): move it aside atomically and retry;
    // if another starter moved it first, the rename fails and the retry sorts out who wins.
    try {
      renameSync(path, `${path}.stale-${process.pid}`)
      unlinkSync(`${path}.stale-${process.pid}`)
    } catch {
      // someone else took it over; loop and look again
    }
  }
  throw new Error(`Could not take the lock ${path}; remove it if no bc-mirror process is running.`)
}
