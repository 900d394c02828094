// The receiver's routing of deliveries by `producer` (stores/router.ts): what is stored, what is
// dropped, and that the directory is asked once per hash and refresh, not once per delivery.
import { describe, expect, it } from 'vitest'
import { createStoreRouter, storeOfProducer } from '../../src/stores/router.ts'
import type { StoreAccess, StoreDirectory, StoreStatus } from '../../src/stores/types.ts'

function directoryOf(stores: Array<[string, StoreStatus, StoreAccess['source']?]>) {
  const asked: string[] = []
  const byHash = new Map(
    stores.map(([storeHash, status, source = 'registry']) => [
      storeHash.toLowerCase(),
      { status, access: { storeHash, accessToken: 't', source } },
    ]),
  )
  const directory: StoreDirectory = {
    active: async () =>
      [...byHash.values()].filter((s) => s.status === 'active').map((s) => s.access),
    find: async (hash) => {
      asked.push(hash)
      return byHash.get(hash.toLowerCase()) ?? null
    },
  }
  return { directory, asked, byHash }
}

describe('routing deliveries by producer', () => {
  it('stores active and paused stores, drops unknown and uninstalled ones, asking each once', async () => {
    const { directory, asked } = directoryOf([
      ['ActiveOne', 'active'],
      ['pausedone', 'paused'],
      ['goneone', 'uninstalled'],
    ])
    const router = createStoreRouter(directory)
    await router.refresh()
    // The hash as the directory spells it: rows are keyed by it.
    expect(router.route('stores/activeone')).toEqual({ store: 'ActiveOne' })
    expect(await router.route('stores/pausedone')).toEqual({ store: 'pausedone' })
    expect(await router.route('stores/goneone')).toEqual({ drop: 'uninstalled store' })
    expect(await router.route('stores/nosuch')).toEqual({ drop: 'unknown store' })
    expect(await router.route('stores/')).toEqual({ drop: 'unknown store' })
    for (let i = 0; i < 5; i++) {
      expect(await router.route('stores/nosuch')).toEqual({ drop: 'unknown store' })
      expect(await router.route('stores/pausedone')).toEqual({ store: 'pausedone' })
    }
    expect(asked.sort()).toEqual(['goneone', 'nosuch', 'pausedone'])
    router.stop()
  })

  it('gives a delivery without producer to the settings store, and drops it when there is none', async () => {
    const withSettings = createStoreRouter(
      directoryOf([
        ['mine', 'active', 'settings'],
        ['other', 'active'],
      ]).directory,
    )
    await withSettings.refresh()
    expect(withSettings.route(undefined)).toEqual({ store: 'mine' })
    withSettings.stop()
    const registryOnly = createStoreRouter(directoryOf([['other', 'active']]).directory)
    await registryOnly.refresh()
    expect(registryOnly.route(undefined)).toEqual({ drop: 'no producer' })
    registryOnly.stop()
  })

  it('serves the settings store before the directory could be read', () => {
    const failing: StoreDirectory = {
      active: () => Promise.reject(new Error('database down')),
      find: () => Promise.reject(new Error('database down')),
    }
    const router = createStoreRouter(failing, { settingsStore: 'Mine' })
    expect(router.route(undefined)).toEqual({ store: 'Mine' })
    expect(router.route('stores/mine')).toEqual({ store: 'Mine' })
    router.stop()
  })

  it('an answer for another store is asked again once a refresh interval has passed', async () => {
    let now = 0
    const { directory, asked, byHash } = directoryOf([])
    const router = createStoreRouter(directory, { now: () => now, refreshMs: 1_000 })
    await router.refresh()
    expect(await router.route('stores/later')).toEqual({ drop: 'unknown store' })
    byHash.set('later', {
      status: 'paused',
      access: { storeHash: 'later', accessToken: 't', source: 'registry' },
    })
    now = 500
    expect(await router.route('stores/later')).toEqual({ drop: 'unknown store' })
    now = 1_500
    expect(await router.route('stores/later')).toEqual({ store: 'later' })
    expect(asked).toEqual(['later', 'later'])
    router.stop()
  })

  it('reads the hash from stores/{hash} only', () => {
    expect(storeOfProducer('stores/ABC123')).toBe('abc123')
    expect(storeOfProducer('stores/abc/def')).toBeNull()
    expect(storeOfProducer('abc123')).toBeNull()
  })
})
