// The store registry on both databases: register and re-register, statuses, the StoreDirectory the
// hosts read, remove with --purge leaving other stores' rows, rekey, and no token in clear anywhere
// in the database.
import { randomBytes } from 'node:crypto'
import { getTableName, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { stores } from '../../src/db/schema.ts'
import {
  createStoreDirectory,
  listStores,
  registerStore,
  rekeyStores,
  removeStore,
  setStoreStatus,
  storeDataTables,
  UnknownStoreError,
} from '../../src/stores/registry.ts'
import { importTokenKeys, sealedWith, TokenKeyError } from '../../src/stores/token-crypto.ts'
import { collectChanges } from '../support/changes.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { everyRowAsText, rowsOf, seedEveryStoreTable, tokenForms } from './support.ts'

const hexKey = () => randomBytes(32).toString('hex')
// One key per database: every test in a describe shares its database and its stores.
const SHARED_KEY = hexKey()
const tokenOf = (name: string) => `${name}-token-${randomBytes(12).toString('hex')}`

describe('storeDataTables', () => {
  it("is read from the schema: the mirrored tables, their children and the mirror's bookkeeping", () => {
    const names = storeDataTables().map((t) => getTableName(t))
    for (const name of [
      'orders',
      'order_products',
      'deletions',
      'rejected_rows',
      'sync_state',
      'webhook_events',
      'sync_runs',
    ]) {
      expect(names).toContain(name)
    }
    expect(names).not.toContain('stores')
    expect(names).not.toContain('leases')
  })
})

describeEachDatabase('store registry', (ctx) => {
  // The tests share one database and build on each other's stores, in order.
  it('registers, lists without tokens, pauses, uninstalls and re-activates a store', async () => {
    const keys = await importTokenKeys(SHARED_KEY)
    const token = tokenOf('reg')
    const added = await registerStore(ctx.db, keys, {
      storeHash: 'RegA1',
      kind: 'api_account',
      accessToken: token,
      scopes: ['store_v2_orders_read_only', 'store_v2_products_read_only'],
      startDate: new Date('2024-01-31T00:00:00Z'),
    })
    expect(added).toMatchObject({ storeHash: 'rega1', kind: 'api_account', status: 'active' })
    expect(added.scopes).toEqual(['store_v2_orders_read_only', 'store_v2_products_read_only'])
    expect(added.startDate?.toISOString()).toBe('2024-01-31T00:00:00.000Z')
    expect(JSON.stringify(await listStores(ctx.db))).not.toContain(token)

    expect((await setStoreStatus(ctx.db, 'rega1', 'paused')).status).toBe('paused')
    const gone = await setStoreStatus(
      ctx.db,
      'rega1',
      'uninstalled',
      new Date('2025-05-05T00:00:00Z'),
    )
    expect(gone.uninstalledAt?.toISOString()).toBe('2025-05-05T00:00:00.000Z')
    const back = await registerStore(ctx.db, keys, {
      storeHash: 'rega1',
      kind: 'app',
      accessToken: tokenOf('again'),
      now: new Date('2025-06-06T00:00:00Z'),
    })
    expect(back).toMatchObject({ status: 'active', kind: 'app', uninstalledAt: null })
    expect(back.installedAt?.toISOString()).toBe('2025-06-06T00:00:00.000Z')
    // The start date given before is kept when a re-install gives none.
    expect(back.startDate?.toISOString()).toBe('2024-01-31T00:00:00.000Z')
    await expect(setStoreStatus(ctx.db, 'nosuch', 'paused')).rejects.toThrow(UnknownStoreError)
  })

  it('the directory serves the settings store and the active registered ones; find sees paused ones', async () => {
    const keys = await importTokenKeys(SHARED_KEY)
    const [activeToken, pausedToken] = [tokenOf('act'), tokenOf('pau')]
    await registerStore(ctx.db, keys, {
      storeHash: 'dira1',
      kind: 'api_account',
      accessToken: activeToken,
    })
    await registerStore(ctx.db, keys, {
      storeHash: 'dirp1',
      kind: 'api_account',
      accessToken: pausedToken,
    })
    await setStoreStatus(ctx.db, 'dirp1', 'paused')
    const settingsStore = {
      storeHash: 'settings1',
      accessToken: 'settings-token',
      source: 'settings' as const,
    }
    const directory = createStoreDirectory(ctx.db, { settingsStore, keys })
    const active = await directory.active()
    const byHash = new Map(active.map((a) => [a.storeHash, a]))
    expect(byHash.get('settings1')?.source).toBe('settings')
    expect(byHash.get('dira1')).toMatchObject({ accessToken: activeToken, source: 'registry' })
    expect(byHash.has('dirp1')).toBe(false)
    expect(await directory.find('DIRP1')).toMatchObject({
      status: 'paused',
      access: { accessToken: pausedToken },
    })
    expect(await directory.find('settings1')).toMatchObject({
      status: 'active',
      access: { source: 'settings' },
    })
    expect(await directory.find('unknown9')).toBeNull()
    // The same stores for routing, and never a token in what it reads.
    const routed = await directory.roster?.active()
    expect(routed).toEqual(
      expect.arrayContaining([
        { storeHash: 'settings1', source: 'settings' },
        { storeHash: 'dira1', source: 'registry' },
      ]),
    )
    expect(routed?.map((s) => s.storeHash)).not.toContain('dirp1')
    expect(await directory.roster?.find('DIRP1')).toEqual({
      status: 'paused',
      access: { storeHash: 'dirp1' },
    })
    expect(await directory.roster?.find('settings1')).toEqual({
      status: 'active',
      access: { storeHash: 'settings1' },
    })
    expect(JSON.stringify([routed, await directory.roster?.find('dira1')])).not.toMatch(/token/i)
  })

  it('says TOKEN_ENCRYPTION_KEY is missing once a token is stored or read, skips an unreadable store when asked, and routes it all the same', async () => {
    await expect(
      registerStore(ctx.db, undefined, {
        storeHash: 'nokey1',
        kind: 'api_account',
        accessToken: 'x',
      }),
    ).rejects.toThrow(/TOKEN_ENCRYPTION_KEY is not set/)
    await expect(createStoreDirectory(ctx.db, {}).active()).rejects.toThrow(TokenKeyError)
    const wrong = await importTokenKeys(hexKey())
    const skipped: string[] = []
    const directory = createStoreDirectory(ctx.db, {
      keys: wrong,
      onUnreadable: (hash) => skipped.push(hash),
    })
    expect(await directory.active()).toEqual([])
    expect(skipped).toContain('dira1')
    await expect(createStoreDirectory(ctx.db, { keys: wrong }).active()).rejects.toThrow(
      /sealed with a key not in TOKEN_ENCRYPTION_KEY/,
    )
    // Routing reads no token: with the wrong key, or none, the stores are still known.
    for (const roster of [directory.roster, createStoreDirectory(ctx.db, {}).roster]) {
      expect((await roster?.active())?.map((s) => s.storeHash)).toContain('dira1')
      expect(await roster?.find('DIRA1')).toEqual({
        status: 'active',
        access: { storeHash: 'dira1' },
      })
      expect(await roster?.find('unknown9')).toBeNull()
    }
  })

  it("remove --purge deletes the store's rows in every table and leaves other stores' rows", async () => {
    const keys = await importTokenKeys(SHARED_KEY)
    for (const hash of ['gone1', 'kept1']) {
      await registerStore(ctx.db, keys, {
        storeHash: hash,
        kind: 'api_account',
        accessToken: tokenOf(hash),
      })
      await seedEveryStoreTable(ctx.db, hash)
    }
    const heard = await collectChanges(ctx.db)
    const outcome = await removeStore(ctx.db, 'gone1', { purge: true })
    expect(outcome.registered).toBe(true)
    // The change feed hears the mirrored rows and their children go; bookkeeping tables are not in it.
    await heard.settle()
    await heard.stop()
    const announced = heard.changes.filter((c) => c.store_hash === 'gone1')
    expect(announced.every((c) => c.op === 'delete')).toBe(true)
    expect(announced.map((c) => c.table).sort()).toEqual([
      'brands',
      'categories',
      'coupons',
      'customer_addresses',
      'customers',
      'order_coupons',
      'order_products',
      'order_shipping_addresses',
      'orders',
      'product_variants',
      'products',
    ])
    expect(heard.changes.some((c) => c.store_hash === 'kept1')).toBe(false)
    for (const table of storeDataTables()) {
      expect(outcome.purged[getTableName(table)], getTableName(table)).toBe(1)
      expect(await rowsOf(ctx.db, table, 'gone1'), getTableName(table)).toBe(0)
      expect(await rowsOf(ctx.db, table, 'kept1'), getTableName(table)).toBe(1)
    }
    const left = (await listStores(ctx.db)).map((s) => s.storeHash)
    expect(left).toContain('kept1')
    expect(left).not.toContain('gone1')
  })

  it('remove without --purge keeps the rows; a later purge clears them; an unknown hash is refused', async () => {
    const keys = await importTokenKeys(SHARED_KEY)
    await registerStore(ctx.db, keys, {
      storeHash: 'later1',
      kind: 'api_account',
      accessToken: tokenOf('l'),
    })
    await seedEveryStoreTable(ctx.db, 'later1')
    expect(await removeStore(ctx.db, 'later1')).toEqual({ registered: true, purged: {} })
    const orders = storeDataTables().find((t) => getTableName(t) === 'orders')
    if (!orders) throw new Error('no orders table')
    expect(await rowsOf(ctx.db, orders, 'later1')).toBe(1)
    const purged = await removeStore(ctx.db, 'later1', { purge: true })
    expect(purged.registered).toBe(false)
    expect(purged.purged.orders).toBe(1)
    await expect(removeStore(ctx.db, 'later1', { purge: true })).rejects.toThrow(UnknownStoreError)
    await expect(removeStore(ctx.db, 'never1')).rejects.toThrow(/store never1 is not registered/)
  })

  it('no token in clear, hex or base64 anywhere in the database after add and after rekey', async () => {
    const [oldKey, newKey] = [SHARED_KEY, hexKey()]
    const oldKeys = await importTokenKeys(oldKey)
    const tokens = { rk1: tokenOf('rk1'), rk2: tokenOf('rk2') }
    for (const [hash, token] of Object.entries(tokens)) {
      await registerStore(ctx.db, oldKeys, {
        storeHash: hash,
        kind: 'api_account',
        accessToken: token,
      })
    }
    const expectNoToken = async () => {
      const text = (await everyRowAsText(ctx.db)).join('\n')
      expect(text).toContain('rk1') // the rows were read
      for (const token of Object.values(tokens))
        for (const form of tokenForms(token)) expect(text).not.toContain(form)
    }
    await expectNoToken()

    const both = await importTokenKeys(`${newKey},${oldKey}`)
    const registered = (await listStores(ctx.db)).length
    expect(await rekeyStores(ctx.db, both)).toBe(registered)
    await expectNoToken()
    const sealed = await ctx.db.execute<{ token_sealed: string }>(
      sql`select token_sealed from ${stores}`,
    )
    for (const row of sealed) expect(sealedWith(row.token_sealed)).toBe(both.sealing.fingerprint)
    // The new key alone now opens every token.
    const active = await createStoreDirectory(ctx.db, {
      keys: await importTokenKeys(newKey),
    }).active()
    expect(Object.fromEntries(active.map((a) => [a.storeHash, a.accessToken]))).toMatchObject(
      tokens,
    )
  })

  it('rekey without the key that sealed a token changes nothing', async () => {
    const before = await ctx.db.execute<{ token_sealed: string }>(
      sql`select token_sealed from ${stores} order by store_hash`,
    )
    await expect(rekeyStores(ctx.db, await importTokenKeys(hexKey()))).rejects.toThrow(
      /sealed with a key not in TOKEN_ENCRYPTION_KEY/,
    )
    const after = await ctx.db.execute<{ token_sealed: string }>(
      sql`select token_sealed from ${stores} order by store_hash`,
    )
    expect(after).toEqual(before)
  })
})
