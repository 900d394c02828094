// Opening any PostgreSQL through postgres.js. Many mirror processes can share one database:
// cross-process locks are session advisory locks on a reserved connection.
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { advisoryKey, wrapExecutor, type Database, type LockResult } from './database.ts'
import { socketTarget } from './postgres-socket.ts'

export interface PostgresOptions {
  /** Pool size; the Worker uses 1 per request. */
  max?: number
}

export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const socket = socketTarget(url)
  const client = postgres(socket?.url ?? url, {
    ...(socket && { path: socket.path }),
    max: options.max ?? 10,
    onnotice: () => {},
    // Prepared statements break behind PgBouncer/Hyperdrive in transaction mode.
    prepare: false,
    // Seconds: a server that does not answer is reported soon, not after a long silence.
    connect_timeout: 5,
  })
  const orm = drizzle({ client })
  const executor = wrapExecutor(orm)
  let closed = false
  return {
    kind: 'postgres',
    orm,
    execute: executor.execute,
    transaction: (fn) => orm.transaction((tx) => fn(wrapExecutor(tx))),
    withLock: (name, fn, lockOptions) =>
      withAdvisoryLock(client, name, fn, lockOptions?.wait ?? false),
    // postgres.js listens on a connection of its own beside the pool, and LISTENs again after a
    // reconnection (notifications sent while it was away are lost: PostgreSQL keeps none for it).
    // Stopping after close() has nothing left to stop.
    async listen(channel, onPayload) {
      const { unlisten } = await client.listen(channel, onPayload)
      return async () => {
        if (!closed) await unlisten()
      }
    },
    close: () => {
      closed = true
      return client.end({ timeout: 5 })
    },
  }
}

async function withAdvisoryLock<T>(
  client: postgres.Sql,
  name: string,
  fn: () => Promise<T>,
  wait: boolean,
): Promise<LockResult<T>> {
  const key = advisoryKey(name)
  const connection = await client.reserve()
  try {
    if (wait) {
      await connection`select pg_advisory_lock(${key})`
    } else {
      const [row] = await connection`select pg_try_advisory_lock(${key}) as ok`
      if (!row?.ok) return { acquired: false }
    }
    try {
      return { acquired: true, value: await fn() }
    } finally {
      await connection`select pg_advisory_unlock(${key})`
    }
  } finally {
    connection.release()
  }
}
