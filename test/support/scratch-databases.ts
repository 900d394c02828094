// Scratch databases on the test server carry a marker (a COMMENT naming this suite and the process
// that owns them), so a run drops only its own: the ones it created, and those a dead run of this
// suite left behind. Nothing is ever dropped for its name alone (a developer's `bcm_x`, a second
// checkout's run, a database another tool made).
import type postgres from 'postgres'

const MARKER = 'bigcommerce-mirror test scratch database'

/** The comment a scratch database owned by `ownerPid` carries. */
export function scratchMarker(ownerPid: number): string {
  return `${MARKER}; owner pid ${ownerPid}`
}

export function ownerFromMarker(comment: string | null): number | null {
  const match = comment === null ? null : new RegExp(`^${MARKER}; owner pid (\\d+)$`).exec(comment)
  return match ? Number(match[1]) : null
}

export async function createScratchDatabase(
  admin: postgres.Sql,
  name: string,
  ownerPid: number,
  template?: string,
): Promise<void> {
  await admin.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`)
  await admin.unsafe(`comment on database "${name}" is '${scratchMarker(ownerPid)}'`)
}

/** Drops the marked scratch databases whose owning process is gone; returns their names. */
export async function dropLeftovers(
  admin: postgres.Sql,
  isAlive: (pid: number) => boolean,
): Promise<string[]> {
  const rows = await admin<Array<{ datname: string; note: string | null }>>`
    select datname, shobj_description(oid, 'pg_database') as note from pg_database`
  const dropped: string[] = []
  for (const { datname, note } of rows) {
    const owner = ownerFromMarker(note)
    if (owner === null || isAlive(owner)) continue
    await admin.unsafe(`drop database if exists "${datname}" with (force)`)
    dropped.push(datname)
  }
  return dropped
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
