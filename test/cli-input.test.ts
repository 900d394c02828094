// Bad input to the command, as users meet it: misspelt commands and options are refused with exit
// code 2 and the usage before anything is done; a DATABASE_URL that cannot work (dead port, a
// server that is not PostgreSQL, a database that does not exist) is named, masked, within seconds
// and a few connections; DATA_DIR holds the embedded database for this user alone.
import { createServer as createHttpServer } from 'node:http'
import { existsSync, lstatSync, readdirSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from './support/cli.ts'
import { databaseUrlFor } from './support/paths.ts'
import { freePort } from './support/ports.ts'

// No API answers there (status asks it once): the store's state is "no answer", not a problem.
const STORE = {
  BIGCOMMERCE_STORE_HASH: 'abc123',
  BIGCOMMERCE_ACCESS_TOKEN: 'tok-secret-value',
  BIGCOMMERCE_API_URL: 'http://127.0.0.1:1',
}
const STACK = /^\s+at .+[:(]/m
let workDir = ''

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-input-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})

function expectNoStack(result: CliResult) {
  expect(result.stdout).not.toMatch(STACK)
  expect(result.stderr).not.toMatch(STACK)
}

describe('misspelt commands and options are refused before anything is done', () => {
  it.each([
    [
      ['sync', '--table', 'orders'],
      /unknown option --table; options: --tables, --full, --since, --json, --wait/,
      'bc-mirror sync',
    ],
    [['sync', '--bogus'], /unknown option --bogus/, 'bc-mirror sync'],
    [['status', '--jsn'], /unknown option --jsn; options: --json/, 'bc-mirror status'],
    [['sync', 'orders'], /unexpected argument "orders"/, 'bc-mirror sync'],
    [
      ['sync', '--tables'],
      /--tables needs a value, e\.g\. --tables coupons,customers,orders,products/,
      'bc-mirror sync',
    ],
    [['sync', '--json=yes'], /--json takes no value/, 'bc-mirror sync'],
    [
      ['sycn'],
      /unknown command "sycn"; expected one of migrate, sync, serve, webhooks, status/,
      'bc-mirror',
    ],
    [['--jsn'], /unknown option --jsn; expected one of migrate/, 'bc-mirror'],
    [
      ['webhooks', 'lst'],
      /unknown command "lst"; expected one of ensure, list, remove/,
      'bc-mirror webhooks',
    ],
    [
      ['webhooks', 'list', '--urll', 'x'],
      /unknown option --urll; options: --url, --json/,
      'webhooks list',
    ],
  ])('%j: exit 2, the reason and the usage', async (args, reason, usage) => {
    const dataDir = join(workDir, `never-${Math.random().toString(36).slice(2)}`)
    const result = await runCli(args, { ...STORE, DATA_DIR: dataDir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(reason)
    expect(result.stderr).toMatch(new RegExp(`^USAGE ${usage} `, 'm'))
    expect(result.stdout).toBe('')
    expectNoStack(result)
    expect(existsSync(dataDir)).toBe(false)
  })

  it('webhooks without a subcommand lists its subcommands', async () => {
    const result = await runCli(['webhooks'], STORE)
    expect(result.code).toBe(2)
    for (const sub of ['ensure', 'list', 'remove']) expect(result.stdout).toContain(sub)
  })

  it('declared options still work: --no-full, --tables=orders, and --debug anywhere', async () => {
    // These pass the argument check and fail only later, at the API: a store that refuses the
    // token at once (a dead port would cost five attempts with backoff, ~10 s).
    const api = createHttpServer((_req, res) => res.writeHead(401).end('{"status":401}'))
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    try {
      const port = (api.address() as AddressInfo).port
      const env = {
        ...STORE,
        BIGCOMMERCE_API_URL: `http://127.0.0.1:${port}`,
        DATA_DIR: join(workDir, 'never-ok'),
      }
      const result = await runCli(['sync', '--tables=orders', '--debug', '--no-full'], env)
      expect(result.stderr).not.toMatch(/unknown option|USAGE/)
      expect(result.stderr).toMatch(
        /^bc-mirror: BigCommerce refused the access token for store abc123 \(401 on GET \/v3\/hooks/m,
      )
      expect(result.code).toBe(2)
    } finally {
      api.closeAllConnections()
      await new Promise((resolve) => api.close(resolve))
    }
  })

  it('webhooks ensure refuses a URL whose path serve does not route', async () => {
    const result = await runCli(
      ['webhooks', 'ensure', '--url', 'https://mirror.example.com/other-path'],
      {
        ...STORE,
        WEBHOOK_SECRET: 'a-long-enough-webhook-secret',
      },
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /does not end in \/webhooks\/bigcommerce, the only path bc-mirror serve answers deliveries on/,
    )
  })

  it('no colours when the output is not a terminal, even without NO_COLOR', async () => {
    const result = await runCli(['sync', '--bogus'], { ...STORE, NO_COLOR: undefined })
    expect(result.code).toBe(2)
    expect(result.stderr).not.toContain('\x1b[')
    const help = await runCli(['--help'], { NO_COLOR: undefined })
    expect(help.stdout).not.toContain('\x1b[')
  })
})

/** A TCP server that counts connections and answers each with `reply` (then closes). */
async function fakeServer(reply: string | null) {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    if (reply !== null) socket.end(reply)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('a DATABASE_URL that cannot work is named, with its password hidden', () => {
  const password = 'pg-Secret@pass/word'
  const urlTo = (port: number, db = 'mirror') =>
    `postgres://mirror:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`

  function expectNamed(result: CliResult, reason: RegExp) {
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^bc-mirror: Cannot use the database at DATABASE_URL \(postgres:\/\/mirror:\*\*\*@127\.0\.0\.1:\d+\/\w+\): /,
    )
    expect(result.stderr).toMatch(reason)
    expect(result.stderr).not.toContain(password)
    expect(result.stderr).not.toContain(encodeURIComponent(password))
    expectNoStack(result)
  }

  it('a dead port', async () => {
    const port = await freePort()
    const result = await runCli(['migrate'], { DATABASE_URL: urlTo(port) })
    expectNamed(result, /nothing is listening on 127\.0\.0\.1:\d+ \(connection refused\)/)
  }, 20_000)

  it('a TCP server that writes garbage: named as not PostgreSQL, one connection', async () => {
    const server = await fakeServer('HELLO I AM NOT A DATABASE\r\n')
    try {
      const result = await runCli(['migrate'], { DATABASE_URL: urlTo(server.port) })
      expectNamed(
        result,
        /the server at 127\.0\.0\.1:\d+ is not PostgreSQL: it answered "HELLO I AM NOT A DATABASE"/,
      )
      expect(server.connections()).toBe(1)
    } finally {
      await server.close()
    }
  }, 20_000)

  it('an HTTP server: named as one', async () => {
    let requests = 0
    const http = createHttpServer((_req, res) => {
      requests += 1
      res.end('ok')
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    try {
      const port = (http.address() as AddressInfo).port
      const result = await runCli(['status'], { ...STORE, DATABASE_URL: urlTo(port) })
      expectNamed(result, /is not PostgreSQL \(it answered as an HTTP server\)/)
      expect(requests).toBe(0)
    } finally {
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
    }
  }, 20_000)

  it('a server that accepts and never answers: given up on within seconds', async () => {
    const server = await fakeServer(null)
    try {
      const result = await runCli(['migrate'], { DATABASE_URL: urlTo(server.port) })
      expectNamed(result, /accepted the connection but sent no answer within 5 s/)
      expect(server.connections()).toBe(1)
    } finally {
      await server.close()
    }
  }, 20_000)

  it('a socket directory with no PostgreSQL socket in it', async () => {
    const url = `postgres://mirror:${encodeURIComponent(password)}@localhost/mirror?host=${workDir}`
    const result = await runCli(['migrate'], { DATABASE_URL: url })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `no PostgreSQL socket is there (connect ENOENT ${workDir}/.s.PGSQL.5432); check the directory given as host and the port`,
    )
    expect(result.stderr).not.toContain(password)
    expect(result.stderr).not.toContain(encodeURIComponent(password))
    expectNoStack(result)
  })

  it.runIf(process.env.TEST_DATABASE_URL)(
    'a database that does not exist',
    async () => {
      const url = databaseUrlFor(process.env.TEST_DATABASE_URL ?? '', 'bcm_no_such_database')
      const result = await runCli(['migrate'], { DATABASE_URL: url })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /Cannot use the database at DATABASE_URL \(postgres:\/\/postgres@127\.0\.0\.1:5432\/bcm_no_such_database\): the server has no database "bcm_no_such_database"; create it/,
      )
      expectNoStack(result)
    },
    20_000,
  )

  it.each([
    ['postgres:/mirror:hunter2pw@db.example.com/x'],
    ['jdbc:postgresql://db.example.com/x?user=mirror&password=hunter2pw'],
    ['mysql://mirror:hunter2pw@db.example.com/x'],
  ])('a malformed DATABASE_URL (%s) is refused without its password', async (url) => {
    const result = await runCli(['migrate'], { DATABASE_URL: url })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('DATABASE_URL must be a postgres:// URL')
    expect(result.stderr).not.toContain('hunter2pw')
  })
})

describe('DATA_DIR is for this user alone', () => {
  /** Every entry under `dir` whose mode lets others in. */
  function openEntries(dir: string): string[] {
    const open: string[] = []
    const walk = (path: string) => {
      const stat = lstatSync(path)
      if ((stat.mode & 0o077) !== 0) open.push(`${path} ${(stat.mode & 0o777).toString(8)}`)
      if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry))
    }
    walk(dir)
    return open
  }

  // One test, two runs: the second opens the database the first made (no second image to unpack).
  it('a new one is created 0700 and every file PGlite writes is 0600; a loosened one is tightened again', async () => {
    const dataDir = join(workDir, 'private')
    const created = await runCli(['migrate'], { DATA_DIR: dataDir })
    expect(created.code).toBe(0)
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700)
    expect(readdirSync(dataDir).length).toBeGreaterThan(5)
    expect(openEntries(dataDir)).toEqual([])

    // Copied or unpacked with loose modes: the directory, a file of the database, and a new one.
    await chmod(dataDir, 0o755)
    await chmod(join(dataDir, 'PG_VERSION'), 0o644)
    await mkdir(join(dataDir, 'sub'), { recursive: true })
    await writeFile(join(dataDir, 'sub', 'old-file'), 'x')
    await chmod(join(dataDir, 'sub'), 0o777)
    await chmod(join(dataDir, 'sub', 'old-file'), 0o644)
    const reopened = await runCli(['migrate'], { DATA_DIR: dataDir })
    expect(reopened.code).toBe(0)
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700)
    expect(lstatSync(join(dataDir, 'PG_VERSION')).mode & 0o777).toBe(0o600)
    expect(lstatSync(join(dataDir, 'sub', 'old-file')).mode & 0o777).toBe(0o600)
    expect(openEntries(dataDir)).toEqual([])
  })
})

describe('a DATABASE_URL of a shape that cannot work ends at once, in one line', () => {
  it.each([
    ['a "#" in the password', 'postgres://mirror:pa#ss@127.0.0.1:5432/mirror', 'holds a "#"'],
    ['a "?" in the password', 'postgres://mirror:pa?ss@127.0.0.1:5432/mirror', 'holds a "?"'],
    [
      'several hosts',
      'postgres://mirror:pass@127.0.0.1:5432,127.0.0.2:5432/mirror',
      'several hosts',
    ],
    [
      'port 99999',
      'postgres://mirror:pass@127.0.0.1:99999/mirror',
      'the port 99999 is out of range',
    ],
  ])('%s', async (_shape, url, problem) => {
    const result = await runCli(['migrate'], { DATABASE_URL: url })
    expect(result.code).toBe(2)
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('  - '))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(problem)
    expect(result.stderr).not.toMatch(/pa#ss|pa\?ss|:pass@/)
    expect(result.stderr).not.toContain('Invalid URL')
    expectNoStack(result)
  })
})
