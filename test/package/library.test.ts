// The package as an app uses it: `npm pack`, then `npm install` of the tarball into an empty app
// directory (from npm's cache where it can), the example app (examples/orders-app) type-checked
// against the shipped .d.ts and compiled, and run with plain `node` against the simulated store:
// it calls createMirror, syncs, mounts mirror.app in its own Hono server, refreshes an order from
// a delivery, and reads typed rows. One install per run, shared by every database's case.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANGES_CHANNEL } from '../../src/db/changes.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { createFreshDatabase, databaseKinds, type FreshDatabase } from '../support/databases.ts'
import { storeChildren } from '../support/order-children.ts'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const EXAMPLE = join(ROOT, 'examples/orders-app')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const SECRET = 'library-test-webhook-secret-0123'
const STATUS_TOKEN = 'library-test-status-token-0123'

/** Runs a command to its end; fails the test with its output when it fails. */
function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

/** The app's dependencies as the package itself pins them, so npm resolves one copy of each. */
async function appPackageJson(tarball: string): Promise<string> {
  const ours = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
  const example = JSON.parse(await readFile(join(EXAMPLE, 'package.json'), 'utf8'))
  const pinned = (name: string) => ours.dependencies[name] ?? ours.devDependencies[name]
  const deps = (names: string[]) => Object.fromEntries(names.map((n) => [n, pinned(n)]))
  const { 'bigcommerce-mirror': _ours, ...theirs } = example.dependencies
  return JSON.stringify({
    ...example,
    dependencies: { ...deps(Object.keys(theirs)), 'bigcommerce-mirror': `file:${tarball}` },
    devDependencies: deps(['@types/node']), // tsc itself is this checkout's
  })
}

let appDir = ''

beforeAll(async () => {
  appDir = await mkdtemp(join(tmpdir(), 'bcm-app-'))
  // The global setup built dist/; --ignore-scripts keeps prepare from building again.
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', appDir, '--silent'], ROOT)
  const tarball = join(appDir, 'bigcommerce-mirror-0.1.0.tgz')
  await writeFile(join(appDir, 'package.json'), await appPackageJson(tarball))
  for (const file of ['server.ts', 'tsconfig.json'])
    await copyFile(join(EXAMPLE, file), join(appDir, file))
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], appDir)
  run(process.execPath, [TSC, '-p', '.'], appDir)
}, 300_000)

afterAll(async () => {
  if (appDir) await rm(appDir, { recursive: true, force: true })
})

describe('the installed package', () => {
  it('is the compiled package with its types: exports that resolve, no TypeScript source', async () => {
    const installed = join(appDir, 'node_modules/bigcommerce-mirror')
    expect(existsSync(join(installed, 'src'))).toBe(false)
    expect(existsSync(join(installed, 'tsconfig.build.json'))).toBe(false) // prepare does nothing here
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'))
    expect(manifest.private).toBeUndefined()
    expect(Object.keys(manifest.exports)).toEqual(['.', './schema', './package.json'])
    // The shipped entry points and their declarations are where the exports say.
    for (const entry of ['.', './schema']) {
      await readFile(join(installed, manifest.exports[entry].default))
      await readFile(join(installed, manifest.exports[entry].types))
    }
    // The example's compiled JavaScript imports the package by its name, nothing deeper.
    const compiled = await readFile(join(appDir, 'dist/server.js'), 'utf8')
    expect(compiled).toContain("from 'bigcommerce-mirror'")
    expect(compiled).toContain("from 'bigcommerce-mirror/schema'")
  })
})

/** What the example's GET /orders/:id answers. */
interface AppOrder {
  status_id: number
  lines: Array<{ sku: string; quantity: number }>
}

interface AppProcess {
  child: ChildProcess
  lines: Array<Record<string, unknown>>
  /** Resolves with the first log line whose msg is `msg` (now or later). */
  line(msg: string): Promise<Record<string, unknown>>
  exited: Promise<number | null>
}

function startApp(env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Array<Record<string, unknown>> = []
  const waiting: Array<{ msg: string; resolve: (line: Record<string, unknown>) => void }> = []
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)))
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>
    lines.push(line)
    for (const w of waiting.filter((w) => w.msg === line.msg)) w.resolve(line)
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    exited,
    line(msg) {
      const seen = lines.find((l) => l.msg === msg)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        waiting.push({ msg, resolve })
        void exited.then((code) =>
          reject(new Error(`the app exited (${code}) before "${msg}":\n${stderr}`)),
        )
      })
    },
  }
}

for (const kind of databaseKinds()) {
  describe(`the example app on the packed package [${kind}]`, () => {
    let sim: SimStore
    let database: FreshDatabase | undefined
    let dataDir = ''

    beforeAll(async () => {
      sim = await startSimStore({
        quota: null,
        data: { counts: { orders: 20, products: 10, customers: 10 } },
      })
      if (kind === 'postgres') database = await createFreshDatabase('postgres')
      else dataDir = await mkdtemp(join(tmpdir(), 'bcm-app-data-'))
    })
    afterAll(async () => {
      await sim?.close()
      await database?.dispose()
      if (dataDir) await rm(dataDir, { recursive: true, force: true })
    })

    it('syncs, serves the mirror beside its own routes, applies a delivery, hears it (onChange; LISTEN on PostgreSQL), reads typed rows, stops on SIGTERM', async () => {
      const port = await freePort()
      const where: Record<string, string> = database?.url
        ? { DATABASE_URL: database.url }
        : { DATA_DIR: join(dataDir, 'mirror') }
      const app = startApp({ ...serveEnvForSim(sim, SECRET, port), STATUS_TOKEN, ...where })
      try {
        const synced = await app.line('app synced')
        const listening = await app.line('app listening')
        const url = String(listening.url)
        expect(synced.ok).toBe(true)

        // An order the store lists, with line items: the mirror has it as typed rows.
        const [[orderId, storeLines] = [0, []]] = [...storeChildren(sim).lines]
        const record = sim.store.get('orders', orderId)
        const statusId = record ? Number(sim.store.fieldsOf('orders', record).status_id) : -1
        const readOrder = async () =>
          (await (await fetch(`${url}/orders/${orderId}`)).json()) as AppOrder
        const order = await readOrder()
        expect(order.status_id).toBe(statusId)
        const skus = (lines: AppOrder['lines']) => lines.map((l) => `${l.sku}:${l.quantity}`).sort()
        // The store's lines as "id:sku:quantity:address"; the app answers sku and quantity.
        const storeSkus = storeLines.map((k) => k.split(':').slice(1, 3).join(':')).sort()
        expect(skus(order.lines)).toEqual(storeSkus)
        const recent = (await (await fetch(`${url}/orders/recent`)).json()) as Array<{
          id: unknown
        }>
        expect(recent).toHaveLength(10)
        expect(typeof recent[0]?.id).toBe('number')

        // The mirror's own routes, mounted in the app's server.
        expect((await fetch(`${url}/healthz`)).status).toBe(200)
        const status = await fetch(`${url}/status`, {
          headers: { authorization: `Bearer ${STATUS_TOKEN}` },
        })
        expect(status.status).toBe(200)
        expect(await status.text()).toContain(sim.storeHash)
        expect((await fetch(`${url}/status`)).status).toBe(401)

        // The store changes the order and says so: the worker started by mirror.start() refetches it.
        const newStatus = statusId === 5 ? 6 : 5
        const namesOrder = (change: Record<string, unknown>) =>
          change.table === 'orders' && Array.isArray(change.ids) && change.ids.includes(orderId)
        const heardByApp = () =>
          app.lines.filter((l) => l.msg === 'mirror changed' && namesOrder(l)).length
        const heardBefore = heardByApp()
        // On PostgreSQL anyone may LISTEN: the change feed reaches this test's own connection too.
        const listened: Array<Record<string, unknown>> = []
        const unlisten = await database?.db.listen(CHANGES_CHANNEL, (payload) => {
          listened.push(JSON.parse(payload) as Record<string, unknown>)
        })
        sim.store.update('orders', orderId, { status_id: newStatus })
        const delivery = await fetch(`${url}/webhooks/bigcommerce`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
          body: JSON.stringify({
            scope: 'store/order/statusUpdated',
            store_id: '1',
            data: { type: 'order', id: orderId },
            hash: randomUUID(),
            created_at: Math.floor(Date.now() / 1000),
            producer: `stores/${sim.storeHash}`,
          }),
        })
        expect(delivery.status).toBe(200)
        await expect
          .poll(async () => (await readOrder()).status_id, { timeout: 20_000 })
          .toBe(newStatus)
        // mirror.onChange told the app, after the commit (the row above was already readable).
        await expect.poll(heardByApp, { timeout: 10_000 }).toBeGreaterThan(heardBefore)
        if (unlisten) {
          await expect.poll(() => listened.some(namesOrder), { timeout: 10_000 }).toBe(true)
          await unlisten()
        }

        app.child.kill('SIGTERM')
        expect(await app.exited).toBe(0)
        expect(app.lines.map((l) => l.msg)).toContain('app stopped')
        expect(JSON.stringify(app.lines)).not.toContain(SECRET)
      } finally {
        if (app.child.exitCode === null) app.child.kill('SIGKILL')
      }
    })
  })
}
