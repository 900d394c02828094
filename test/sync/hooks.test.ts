// Hook management against the simulated store: ensure creates what is missing and is idempotent,
// repairs deactivated hooks and changed secrets or destinations; list and remove touch only this
// mirror's hooks; the command refuses addresses BigCommerce cannot deliver to.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createHook, listHooks, updateHook } from '../../src/bigcommerce/hooks.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import {
  checkDestination,
  checkHooks,
  ensureHooks,
  MIRROR_SCOPES,
  removeHooks,
} from '../../src/sync/hooks/mirror-hooks.ts'
import { DOCUMENTED_WILDCARDS, startSimStore, type SimStore } from '../../src/sim/index.ts'
import { runCli } from '../support/cli.ts'

const URL_A = 'https://mirror.example.com/webhooks/bigcommerce'
const URL_B = 'https://new-host.example.com/webhooks/bigcommerce'
const SECRET = 'hooks-test-secret-0123456789'
let sim: SimStore

beforeAll(async () => {
  sim = await startSimStore({ quota: null, webhooks: { localTesting: true } })
})
afterAll(async () => {
  await sim.close()
})

const client = () =>
  createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    pacer: createRatePacer(),
  })

beforeEach(() => {
  sim.webhooks.hooks.clear()
})

describe('ensureHooks', () => {
  it('subscribes only documented scopes: the wildcards, nested wildcards and named nested events, with the secret header; a second run changes nothing', async () => {
    // Either reading of the wildcard rule (docs/bigcommerce-api.md, "Webhooks: ..."): nested
    // events through a documented nested wildcard, or by name where none exists.
    expect([...MIRROR_SCOPES].sort()).toEqual([
      'store/category/*',
      'store/customer/*',
      'store/customer/address/*',
      'store/order/*',
      'store/order/message/created',
      'store/order/metafield/created',
      'store/order/metafield/deleted',
      'store/order/metafield/updated',
      'store/order/refund/created',
      'store/order/transaction/created',
      'store/order/transaction/updated',
      'store/product/*',
      'store/product/inventory/order/updated',
      'store/product/inventory/updated',
      'store/product/metafield/*',
      'store/shipment/*',
      'store/sku/*',
      'store/sku/inventory/order/updated',
      'store/sku/inventory/updated',
    ])
    for (const scope of MIRROR_SCOPES.filter((s) => s.endsWith('/*')))
      expect(DOCUMENTED_WILDCARDS).toContain(scope)
    const first = await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    expect(first.unchanged).toBe(false)
    expect(first.actions.map((a) => a.kind)).toEqual(MIRROR_SCOPES.map(() => 'create'))
    const hooks = await listHooks(client())
    expect(hooks.map((h) => [h.scope, h.destination, h.is_active, h.headers]).sort()).toEqual(
      [...MIRROR_SCOPES]
        .sort()
        .map((scope) => [scope, URL_A, true, { 'X-Webhook-Secret': SECRET }]),
    )
    sim.resetStats()
    const second = await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    expect(second.unchanged).toBe(true)
    expect(sim.stats.byPath).toEqual({ 'GET /v3/hooks': 1, 'GET /v3/hooks/admin': 1 })
  })

  it('reactivates a deactivated hook, fixes a changed secret, moves a changed destination', async () => {
    await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    const [order, product] = await listHooks(client())
    await updateHook(client(), order?.id ?? 0, { is_active: false })
    await updateHook(client(), product?.id ?? 0, {
      headers: { 'X-Webhook-Secret': 'an-old-secret' },
    })
    const repaired = await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    expect(
      repaired.actions
        .filter((a) => a.kind === 'update')
        .map((a) => (a.kind === 'update' ? a.reasons : [])),
    ).toEqual([['was deactivated'], ['secret header changed']])
    expect(
      (await listHooks(client())).every(
        (h) => h.is_active && h.headers?.['X-Webhook-Secret'] === SECRET,
      ),
    ).toBe(true)

    const moved = await ensureHooks(client(), { destination: URL_B, secret: SECRET })
    expect(moved.actions.map((a) => a.kind)).toEqual(MIRROR_SCOPES.map(() => 'update'))
    const hooks = await listHooks(client())
    expect(hooks).toHaveLength(MIRROR_SCOPES.length)
    expect(hooks.every((h) => h.destination === URL_B)).toBe(true)
  })

  it("the health check re-ensures at the hooks' own address; other apps' hooks are left alone", async () => {
    expect(await checkHooks(client(), SECRET)).toEqual({ destination: null, result: null })
    await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    const other = await createHook(client(), {
      scope: 'store/order/*',
      destination: 'https://erp.example.com/hook',
    })
    const [first] = await listHooks(client())
    await updateHook(client(), first?.id ?? 0, { is_active: false })
    const check = await checkHooks(client(), SECRET)
    expect(check.destination).toBe(URL_A)
    expect(check.result?.actions.filter((a) => a.kind === 'update')).toHaveLength(1)
    expect((await listHooks(client())).filter((h) => !h.is_active)).toEqual([])

    expect((await removeHooks(client())).map((h) => h.destination)).toEqual(
      MIRROR_SCOPES.map(() => URL_A),
    )
    expect((await listHooks(client())).map((h) => h.id)).toEqual([other.id])
  })

  it('ensure on a mirror subscribed to the four top-level wildcards only adds the nested families', async () => {
    const old = ['store/order/*', 'store/product/*', 'store/sku/*', 'store/customer/*']
    for (const scope of old) {
      await createHook(client(), {
        scope,
        destination: URL_A,
        is_active: true,
        headers: { 'X-Webhook-Secret': SECRET },
      })
    }
    const result = await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    const created = result.actions.filter((a) => a.kind === 'create').map((a) => a.scope)
    expect(created.sort()).toEqual(MIRROR_SCOPES.filter((s) => !old.includes(s)).sort())
    expect(
      result.actions
        .filter((a) => a.kind === 'keep')
        .map((a) => a.scope)
        .sort(),
    ).toEqual([...old].sort())
    expect((await listHooks(client())).map((h) => h.scope).sort()).toEqual(
      [...MIRROR_SCOPES].sort(),
    )
  })

  it('refuses destinations BigCommerce cannot deliver to', () => {
    expect(checkDestination(URL_A)).toBeNull()
    expect(checkDestination('https://mirror.example.com:443/webhooks/bigcommerce')).toBeNull()
    expect(checkDestination('http://mirror.example.com/webhooks/bigcommerce')).toMatch(/HTTPS/)
    expect(checkDestination('https://mirror.example.com:8443/webhooks/bigcommerce')).toMatch(
      /port 443/,
    )
  })
})

describe('bc-mirror webhooks', () => {
  const env = () => ({
    BIGCOMMERCE_STORE_HASH: sim.storeHash,
    BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
    BIGCOMMERCE_API_URL: sim.url,
    WEBHOOK_SECRET: SECRET,
  })

  it('ensure is idempotent; list shows the hooks without their secret; remove deletes them', async () => {
    const first = await runCli(['webhooks', 'ensure', '--url', URL_A], env())
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout.match(/^created /gm)).toHaveLength(MIRROR_SCOPES.length)
    const second = await runCli(['webhooks', 'ensure', '--url', URL_A], env())
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('Nothing to change')
    expect(second.stdout).not.toMatch(/^created /m)

    const list = await runCli(['webhooks', 'list', '--json'], env())
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toHaveLength(MIRROR_SCOPES.length)
    expect(list.stdout).not.toContain(SECRET)

    const removed = await runCli(['webhooks', 'remove'], env())
    expect(removed.code).toBe(0)
    expect(removed.stdout).toContain(`Removed ${MIRROR_SCOPES.length} hooks`)
    expect(sim.webhooks.hooks.size).toBe(0)
  })

  it('refuses an http:// or non-443 URL with exit code 2 unless --allow-insecure', async () => {
    const insecure = await runCli(
      ['webhooks', 'ensure', '--url', 'http://127.0.0.1:3000/webhooks/bigcommerce'],
      env(),
    )
    expect(insecure.code).toBe(2)
    expect(insecure.stderr).toMatch(/only over HTTPS/)
    expect(insecure.stderr).toContain('--allow-insecure')
    expect(sim.webhooks.hooks.size).toBe(0)
    const allowed = await runCli(
      [
        'webhooks',
        'ensure',
        '--url',
        'http://127.0.0.1:3000/webhooks/bigcommerce',
        '--allow-insecure',
      ],
      env(),
    )
    expect(allowed.code).toBe(0)
    expect(sim.webhooks.hooks.size).toBe(MIRROR_SCOPES.length)
  })

  it('ensure without WEBHOOK_SECRET stops with exit code 2', async () => {
    const result = await runCli(['webhooks', 'ensure', '--url', URL_A], {
      ...env(),
      WEBHOOK_SECRET: undefined,
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('WEBHOOK_SECRET is missing')
  })
})
