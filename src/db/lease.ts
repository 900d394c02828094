// Named leases: a lock that holds across processes and through any connection pooler. Taking one
// is a single upsert that succeeds only when nobody holds the name or the holder's lease expired;
// the holder renews it while it works, so a crashed holder blocks others for one lease at most.
import { sql } from 'drizzle-orm'
import type { Executor } from './database.ts'
import { leases } from './schema.ts'

export interface LeaseOptions {
  /** Wait for the lease instead of giving up at once. */
  wait?: boolean
  /** How long a lease lasts without renewal. Default 60 s; renewed every third of that. */
  ttlMs?: number
  /** How often a waiting caller tries again. Default 1 s. */
  retryMs?: number
  /** Who takes the lease (e.g. host:pid:random); default a random id. */
  holder?: string
  /**
   * Whether a holder is known to be gone (its process died); such a lease is taken over at once
   * instead of after it expires. Hosts that can tell (same machine, pid gone) pass this.
   */
  isGone?: (holder: string) => boolean
}

export type LeaseResult<T> = { acquired: true; value: T } | { acquired: false }

async function tryAcquire(
  db: Executor,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  const rows = await db.execute<{ holder: string }>(sql`
    insert into ${leases} (name, holder, acquired_at, expires_at)
    values (${name}, ${holder}, now(), now() + ${ttlMs} * interval '1 millisecond')
    on conflict (name) do update
      set holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
      where ${leases.expires_at} < now()
    returning holder`)
  return rows[0]?.holder === holder
}

/** Replaces a holder known to be dead; compare-and-swap on the holder, so only one taker wins. */
async function takeOverFromGone(
  db: Executor,
  name: string,
  holder: string,
  ttlMs: number,
  isGone: (holder: string) => boolean,
): Promise<boolean> {
  const [current] = await db.execute<{ holder: string }>(
    sql`select holder from ${leases} where name = ${name}`,
  )
  if (!current || !isGone(current.holder)) return false
  const taken = await db.execute<{ holder: string }>(sql`
    update ${leases} set holder = ${holder}, acquired_at = now(),
      expires_at = now() + ${ttlMs} * interval '1 millisecond'
    where name = ${name} and holder = ${current.holder}
    returning holder`)
  return taken.length === 1
}

/** A lease in hand: renewed until released. */
export interface HeldLease {
  release(): Promise<void>
}

/**
 * Takes the lease `name` and keeps renewing it until release(), or returns null when another
 * holder has it (or, with `wait`, waits for it). For work whose start and end are not one call.
 */
export async function holdLease(
  db: Executor,
  name: string,
  options: LeaseOptions = {},
): Promise<HeldLease | null> {
  const ttlMs = options.ttlMs ?? 60_000
  const holder = options.holder ?? crypto.randomUUID()
  while (!(await tryAcquire(db, name, holder, ttlMs))) {
    if (options.isGone && (await takeOverFromGone(db, name, holder, ttlMs, options.isGone))) break
    if (!options.wait) return null
    await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1000))
  }
  const renew = setInterval(() => {
    db.execute(
      sql`
      update ${leases} set expires_at = now() + ${ttlMs} * interval '1 millisecond'
      where name = ${name} and holder = ${holder}`,
    ).catch(() => {
      // A missed renewal is retried on the next tick; the lease lasts three ticks.
    })
  }, ttlMs / 3)
  let released: Promise<void> | null = null
  return {
    release() {
      clearInterval(renew)
      released ??= db
        .execute(sql`delete from ${leases} where name = ${name} and holder = ${holder}`)
        .then(() => undefined)
      return released
    },
  }
}

/** Runs `fn` while holding the lease `name`, or returns `{ acquired: false }`. */
export async function withLease<T>(
  db: Executor,
  name: string,
  fn: () => Promise<T>,
  options: LeaseOptions = {},
): Promise<LeaseResult<T>> {
  const held = await holdLease(db, name, options)
  if (!held) return { acquired: false }
  try {
    return { acquired: true, value: await fn() }
  } finally {
    await held.release()
  }
}
