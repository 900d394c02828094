// The `stores` commands and `--store` on sync, status and verify, run in-process (the command
// functions the citty commands call) on both databases, against two simulated stores behind one
// API URL: add (token from stdin or the environment, checked against the API), list --json, pause,
// resume, remove --purge leaving the other store's rows, rekey; and sync/status per store and over
// every active store, with one store's refused token leaving the other synced.
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { CommandFailed, UsageError } from '../../cli/_shared.ts'
import { commandsFor } from '../../cli/_stores.ts'
import {
  addStore,
  changeStoreStatus,
  readToken,
  rekey,
  removeRegisteredStore,
  storeList,
} from '../../cli/stores.ts'
import { statusStores } from '../../cli/status.ts'
import { syncStores } from '../../cli/sync.ts'
import { verifyStores } from '../../cli/verify.ts'
import { ensureStores } from '../../cli/webhooks.ts'
import { StoreAccessError } from '../../src/bigcommerce/preflight.ts'
import { parseConfig, type Config } from '../../src/config.ts'
import { registerStore, UnknownStoreError } from '../../src/stores/registry.ts'
import { importTokenKeys } from '../../src/stores/token-crypto.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { everyRowAsText, tokenForms } from './support.ts'
import { startSimStores, type SimStores } from './two-stores.ts'

let sims: SimStores
beforeAll(async () => {
  sims = await startSimStores([
    {
      storeHash: 'storea1',
      accessToken: 'token-of-store-a-0123456789',
      data: { seed: 1, counts: { orders: 12, products: 8, customers: 6, coupons: 3 } },
    },
    {
      storeHash: 'storeb2',
      accessToken: 'token-of-store-b-9876543210',
      data: { seed: 2, counts: { orders: 7, products: 5, customers: 4, coupons: 2 } },
    },
  ])
})
afterAll(async () => {
  await sims?.close()
})
afterEach(() => {
  vi.restoreAllMocks()
})

const [KEY_1, KEY_2] = [randomBytes(32).toString('hex'), randomBytes(32).toString('base64')]

function configWith(env: Record<string, string>): Config {
  return parseConfig({ BIGCOMMERCE_API_URL: sims.url, DATA_DIR: '/nonexistent/bc-mirror', ...env })
}

/** Runs `fn` with stdout captured (stderr's progress lines silenced); returns what it printed. */
async function captured(fn: () => Promise<void>): Promise<{ out: string; error?: unknown }> {
  let out = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  try {
    await fn()
    return { out }
  } catch (error) {
    return { out, error }
  } finally {
    vi.restoreAllMocks()
  }
}

const stdinOf = (text: string) => Object.assign(Readable.from(text ? [text] : []), { isTTY: false })

describe('fixes and repairs of a registered store', () => {
  it('name the store, so that running them does not work on every store', () => {
    const registered = { storeHash: 'abc1', accessToken: 't', source: 'registry' as const }
    expect(commandsFor(registered, 'bc-mirror sync --tables orders')).toBe(
      'bc-mirror sync --store abc1 --tables orders',
    )
    expect(commandsFor(registered, 'run bc-mirror webhooks ensure --url U')).toBe(
      'run bc-mirror webhooks ensure --store abc1 --url U',
    )
    expect(commandsFor(registered, 'bc-mirror sync --store abc1')).toBe(
      'bc-mirror sync --store abc1',
    )
    expect(commandsFor({ ...registered, source: 'settings' }, 'bc-mirror sync')).toBe(
      'bc-mirror sync',
    )
  })
})

describe('the token for stores add', () => {
  it('comes from stdin when piped, else from BIGCOMMERCE_ACCESS_TOKEN, else is refused', async () => {
    const ask = () => {}
    expect(await readToken(stdinOf('piped-token\n'), 'env-token', ask)).toBe('piped-token')
    expect(await readToken(stdinOf(''), 'env-token', ask)).toBe('env-token')
    await expect(readToken(stdinOf(''), undefined, ask)).rejects.toThrow(
      /no access token: pipe it on stdin .* or set BIGCOMMERCE_ACCESS_TOKEN; it is never taken as an argument/,
    )
  })
})

describeEachDatabase('bc-mirror stores', (ctx) => {
  const open = () => async () => ({ db: ctx.db, close: async () => {} })
  const [a, b] = [() => sims.stores[0]!, () => sims.stores[1]!]

  it('add checks the token with the API: a refused one registers nothing; a missing key is named', async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    const refused = addStore(ctx.db, config, { storeHash: 'storea1', token: 'not-the-token' })
    await expect(refused).rejects.toThrow(StoreAccessError)
    await expect(
      addStore(ctx.db, config, { storeHash: 'storea1', token: 'not-the-token' }),
    ).rejects.toThrow(/refused the access token for store storea1/)
    await expect(
      addStore(ctx.db, configWith({}), { storeHash: 'storea1', token: a().accessToken }),
    ).rejects.toThrow(/TOKEN_ENCRYPTION_KEY is not set/)
    expect(await storeList(ctx.db, config)).toEqual([])
  })

  it('add (stdin and env tokens) then list --json shows both stores, no token in the database', async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    const fromStdin = await readToken(stdinOf(`${a().accessToken}\n`), undefined, () => {})
    await addStore(ctx.db, config, {
      storeHash: 'StoreA1',
      token: fromStdin,
      startDate: new Date('2020-01-01T00:00:00Z'),
    })
    const fromEnv = await readToken(stdinOf(''), b().accessToken, () => {})
    await addStore(ctx.db, config, { storeHash: 'storeb2', token: fromEnv })
    const list = JSON.parse(JSON.stringify(await storeList(ctx.db, config))) as Array<
      Record<string, unknown>
    >
    expect(list.map((s) => [s.store_hash, s.status, s.source])).toEqual([
      ['storea1', 'active', 'registry'],
      ['storeb2', 'active', 'registry'],
    ])
    expect(list[0]?.start_date).toBe('2020-01-01T00:00:00.000Z')
    const text = (await everyRowAsText(ctx.db)).join('\n')
    for (const token of [a().accessToken, b().accessToken])
      for (const form of tokenForms(token)) expect(text).not.toContain(form)
  })

  it('sync --store syncs that store only; sync with no --store syncs every active store, grouped', async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    const one = await captured(() =>
      syncStores(config, { json: true, store: 'storeb2' }, { openDatabase: open() }),
    )
    expect(one.error).toBeUndefined()
    const summary = JSON.parse(one.out) as { ok: boolean; storeHash: string }
    expect(summary).toMatchObject({ ok: true, storeHash: 'storeb2' }) // today's shape for one store
    expect(await orderCount('storea1')).toBe(0)
    expect(await orderCount('storeb2')).toBeGreaterThan(0)

    const all = await captured(() => syncStores(config, { json: true }, { openDatabase: open() }))
    expect(all.error).toBeUndefined()
    const grouped = JSON.parse(all.out) as { stores: Array<{ store_hash: string; ok: boolean }> }
    expect(grouped.stores.map((s) => [s.store_hash, s.ok])).toEqual([
      ['storea1', true],
      ['storeb2', true],
    ])
    expect(await orderCount('storea1')).toBeGreaterThan(0)
  })

  it("status --store prints today's object for that store; an unknown --store is refused", async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    const one = await captured(() =>
      statusStores(config, { json: true, store: 'storea1' }, { openDatabase: open() }),
    )
    const status = JSON.parse(one.out) as {
      storeHash: string
      tables: Record<string, { rows: number }>
    }
    expect(status.storeHash).toBe('storea1')
    expect(status.tables.orders?.rows).toBe(await orderCount('storea1'))
    const unknown = await captured(() =>
      statusStores(config, { json: true, store: 'nosuch9' }, { openDatabase: open() }),
    )
    expect(unknown.error).toBeInstanceOf(UnknownStoreError)
    expect(unknown.out).toBe('')
  })

  it('status over every store adds a total: in JSON, and as a table in text', async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    const json = await captured(() =>
      statusStores(config, { json: true }, { openDatabase: open() }),
    )
    const all = JSON.parse(json.out) as {
      stores: Array<{ store_hash: string; tables: Record<string, { rows: number }> }>
      total: { stores: number; rows: number; pending: number; needing_attention: number }
    }
    const rowsOf = (s: (typeof all.stores)[number]) =>
      Object.values(s.tables).reduce((n, t) => n + t.rows, 0)
    expect(all.stores.map((s) => s.store_hash)).toEqual(['storea1', 'storeb2'])
    expect(all.total.stores).toBe(2)
    expect(all.total.rows).toBe(all.stores.reduce((n, s) => n + rowsOf(s), 0))
    expect(all.total.rows).toBeGreaterThan(0)
    const text = await captured(() => statusStores(config, {}, { openDatabase: open() }))
    expect(text.out).toContain('All stores')
    expect(text.out).toMatch(new RegExp(`total \\(2 stores\\)\\s+${all.total.rows}\\s`))
    expect(text.out).toMatch(/^storea1\s+\d+/m)
  })

  it('verify and webhooks ensure work over every active store, grouped per store in JSON', async () => {
    const config = configWith({
      TOKEN_ENCRYPTION_KEY: KEY_1,
      WEBHOOK_SECRET: 'a-webhook-secret-of-some-length',
    })
    const verified = await captured(() =>
      verifyStores(config, { json: true }, { openDatabase: open() }),
    )
    expect(verified.error).toBeUndefined()
    const reports = JSON.parse(verified.out) as {
      stores: Array<{ store_hash: string; ok: boolean }>
    }
    expect(reports.stores.map((r) => [r.store_hash, r.ok])).toEqual([
      ['storea1', true],
      ['storeb2', true],
    ])

    const url = 'https://mirror.example.com/webhooks/bigcommerce'
    const ensured = await captured(() =>
      ensureStores(config, { url, json: true }, { openDatabase: open() }),
    )
    expect(ensured.error).toBeUndefined()
    const results = JSON.parse(ensured.out) as {
      stores: Array<{ store_hash: string; actions: Array<{ kind: string }> }>
    }
    expect(results.stores.map((r) => r.store_hash)).toEqual(['storea1', 'storeb2'])
    for (const r of results.stores) expect(r.actions.length).toBeGreaterThan(0)
    expect(a().webhooks.hooks.size).toBeGreaterThan(0)
    expect(b().webhooks.hooks.size).toBe(a().webhooks.hooks.size)
  })

  it('pause leaves a store out of "every active store"; resume brings it back; unknown hashes are refused', async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    expect((await changeStoreStatus(ctx.db, config, 'storea1', 'paused')).status).toBe('paused')
    const paused = await captured(() =>
      syncStores(config, { json: true, tables: 'coupons' }, { openDatabase: open() }),
    )
    expect((JSON.parse(paused.out) as { storeHash: string }).storeHash).toBe('storeb2')
    const refused = await captured(() =>
      syncStores(config, { store: 'storea1' }, { openDatabase: open() }),
    )
    expect(String(refused.error)).toMatch(
      /store storea1 is paused; resume it with bc-mirror stores resume storea1/,
    )
    expect((await changeStoreStatus(ctx.db, config, 'storea1', 'active')).status).toBe('active')
    await expect(changeStoreStatus(ctx.db, config, 'nosuch9', 'paused')).rejects.toThrow(
      UnknownStoreError,
    )
    const withSettings = configWith({
      TOKEN_ENCRYPTION_KEY: KEY_1,
      BIGCOMMERCE_STORE_HASH: 'settings1',
      BIGCOMMERCE_ACCESS_TOKEN: 'x-token',
    })
    await expect(changeStoreStatus(ctx.db, withSettings, 'settings1', 'paused')).rejects.toThrow(
      UsageError,
    )
  })

  it("one store's refused token fails that store only: the other is synced and the command fails naming it", async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    // A token revoked after it was added: registered directly, as the API no longer takes it.
    await registerStore(ctx.db, await importTokenKeys(KEY_1), {
      storeHash: 'storeb2',
      kind: 'api_account',
      accessToken: 'revoked-token',
    })
    const run = await captured(() =>
      syncStores(config, { json: true, tables: 'orders' }, { openDatabase: open() }),
    )
    expect(run.error).toBeInstanceOf(CommandFailed)
    expect(String(run.error)).toMatch(/1 of 2 stores did not succeed: storeb2/)
    const grouped = JSON.parse(run.out) as {
      stores: Array<{ store_hash: string; ok?: boolean; error?: string }>
    }
    expect(grouped.stores[0]).toMatchObject({ store_hash: 'storea1', ok: true })
    expect(grouped.stores[1]?.store_hash).toBe('storeb2')
    expect(grouped.stores[1]?.error).toMatch(
      /refused the access token for store storeb2 \(the registered one\).*bc-mirror stores add --store-hash storeb2/,
    )
    expect(run.out).not.toContain('revoked-token')
    await registerStore(ctx.db, await importTokenKeys(KEY_1), {
      storeHash: 'storeb2',
      kind: 'api_account',
      accessToken: b().accessToken,
    })
  })

  it('rekey re-seals with the first key; the old key alone then reads nothing', async () => {
    expect(await rekey(ctx.db, configWith({ TOKEN_ENCRYPTION_KEY: `${KEY_2},${KEY_1}` }))).toBe(2)
    const onlyNew = configWith({ TOKEN_ENCRYPTION_KEY: KEY_2 })
    const run = await captured(() =>
      syncStores(onlyNew, { json: true, tables: 'coupons' }, { openDatabase: open() }),
    )
    expect(run.error).toBeUndefined()
    const onlyOld = configWith({ TOKEN_ENCRYPTION_KEY: KEY_1 })
    const one = await captured(() =>
      syncStores(onlyOld, { json: true, store: 'storea1' }, { openDatabase: open() }),
    )
    expect(String(one.error)).toMatch(/sealed with a key not in TOKEN_ENCRYPTION_KEY/)
    // Over every store: each unreadable store is a failure, never a silent skip.
    const all = await captured(() => syncStores(onlyOld, { json: true }, { openDatabase: open() }))
    expect(all.error).toBeInstanceOf(CommandFailed)
    expect(String(all.error)).toMatch(/2 of 2 stores did not succeed: storea1, storeb2/)
  })

  it("remove --purge deletes that store's rows and leaves the other's; remove without --purge keeps rows", async () => {
    const config = configWith({ TOKEN_ENCRYPTION_KEY: KEY_2 })
    const [aRows, bRows] = [await orderCount('storea1'), await orderCount('storeb2')]
    expect(aRows).toBeGreaterThan(0)
    const outcome = await removeRegisteredStore(ctx.db, config, 'storea1', true)
    expect(outcome.registered).toBe(true)
    expect(outcome.purged.orders).toBe(aRows)
    expect(await orderCount('storea1')).toBe(0)
    const [left] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.sync_state where store_hash = 'storea1'`,
    )
    expect(Number(left?.n)).toBe(0)
    expect(await orderCount('storeb2')).toBe(bRows)
    await removeRegisteredStore(ctx.db, config, 'storeb2', false)
    expect(await orderCount('storeb2')).toBe(bRows)
    expect(await storeList(ctx.db, config)).toEqual([])
    await expect(removeRegisteredStore(ctx.db, config, 'storea1', false)).rejects.toThrow(
      /store storea1 is not registered/,
    )
  })

  async function orderCount(storeHash: string): Promise<number> {
    const [row] = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from bigcommerce.orders where store_hash = ${storeHash}`,
    )
    return Number(row?.n ?? 0)
  }
})
