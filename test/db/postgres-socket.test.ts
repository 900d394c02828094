// A DATABASE_URL naming PostgreSQL's Unix socket, in libpq's two spellings: read into postgres.js's
// socket path, never probed over TCP, and (on PostgreSQL) connected through the socket itself.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { socketTarget } from '../../src/db/postgres-socket.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { probeTarget } from '../../src/node/probe-postgres.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'

describe('socketTarget', () => {
  it.each([
    [
      'postgres://mirror@localhost/mirror?host=/var/run/postgresql',
      '/var/run/postgresql/.s.PGSQL.5432',
      'postgres://mirror@localhost/mirror',
    ],
    [
      'postgresql:///mirror?host=/tmp/&sslmode=disable',
      '/tmp/.s.PGSQL.5432',
      'postgresql:///mirror?sslmode=disable',
    ],
    [
      'postgres://mirror:p%23ss@%2Fvar%2Frun%2Fpostgresql:5433/mirror',
      '/var/run/postgresql/.s.PGSQL.5433',
      'postgres://mirror:p%23ss@%2Fvar%2Frun%2Fpostgresql:5433/mirror',
    ],
  ])('%s is the socket %s', (url, path, rest) => {
    expect(socketTarget(url)).toEqual({ path, url: rest })
    expect(probeTarget(url)).toBeNull()
  })

  it.each([
    'postgres://mirror@db.example.com:5432/mirror',
    'postgres://mirror@127.0.0.1/mirror?sslmode=require',
    'postgres://mirror@localhost/mirror?host=db.example.com',
    'not a url',
  ])('%s names no socket', (url) => {
    expect(socketTarget(url)).toBeNull()
  })
})

describe.runIf(process.env.TEST_DATABASE_URL)('a DATABASE_URL naming the socket [postgres]', () => {
  let fresh: FreshDatabase
  let directory = ''
  beforeAll(async () => {
    fresh = await createFreshDatabase('postgres')
    const [row] = await fresh.db.execute<{ dirs: string }>(
      sql`select current_setting('unix_socket_directories') as dirs`,
    )
    directory = row?.dirs.split(',')[0]?.trim() ?? ''
    if (!directory.startsWith('/'))
      throw new Error(`the server at TEST_DATABASE_URL listens on no Unix socket ("${row?.dirs}")`)
  })
  afterAll(() => fresh?.dispose())

  it.each([
    ['the host parameter', (url: URL) => url.searchParams.set('host', directory)],
    ['the encoded host', (url: URL) => (url.hostname = encodeURIComponent(directory))],
  ])('connects through the socket given as %s', async (_, spell) => {
    const url = new URL(fresh.url ?? '')
    spell(url)
    const db = openPostgres(url.toString(), { max: 1 })
    try {
      const [row] = await db.execute<{ unix: boolean; db: string }>(
        sql`select inet_server_addr() is null as unix, current_database() as db`,
      )
      expect(row).toEqual({ unix: true, db: new URL(fresh.url ?? '').pathname.slice(1) })
    } finally {
      await db.close()
    }
  })
})
