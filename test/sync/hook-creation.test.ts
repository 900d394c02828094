// Hook creation against a store as strict as BigCommerce (docs/bigcommerce-api.md, "Webhooks:
// scopes, hook creation and deliveries"): the simulated store refuses undocumented wildcards,
// duplicates and non-https destinations; `webhooks ensure` makes each hook on its own, records
// what the store refused and why, and `status` shows it; two ensures at once do not collide.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createHook, listHooks } from '../../src/bigcommerce/hooks.ts'
import { BigCommerceApiError } from '../../src/bigcommerce/errors.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import {
  ensureHooks,
  hookStateOf,
  MIRROR_SCOPES,
  recordHookState,
} from '../../src/sync/hooks/mirror-hooks.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { runCli } from '../support/cli.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { clientFor } from './support.ts'

const URL_A = 'https://mirror.example.com/webhooks/bigcommerce'
const SECRET = 'hook-creation-secret-0123'
const REFUSED = ['store/shipment/*', 'store/order/message/created']

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(BigCommerceApiError)
  expect((error as BigCommerceApiError).status).toBe(422)
  return (error as Error).message
}

describeEachDatabase('hook creation on a strict store', (ctx) => {
  let sim: SimStore
  const client = () => clientFor(sim).client

  beforeAll(async () => {
    sim = await startSimStore({ quota: null })
  })
  afterAll(async () => {
    await sim.close()
  })
  beforeEach(() => {
    sim.webhooks.hooks.clear()
    sim.webhooks.setOptions({ unknownScopes: [], localTesting: false })
  })

  it('refuses an undocumented wildcard, a duplicate, and http or a port other than 443 unless local testing', async () => {
    const hook = (scope: string, destination = URL_A) =>
      createHook(client(), { scope, destination })
    expect(await refusal(hook('store/order/message/*'))).toMatch(/not a valid webhook scope/)
    expect(await refusal(hook('store/product/inventory/*'))).toMatch(/not a valid webhook scope/)
    await hook('store/order/*')
    await hook('store/order/message/created')
    expect(await refusal(hook('store/order/*'))).toMatch(/exists/)
    const local = 'http://127.0.0.1:3000/webhooks/bigcommerce'
    expect(await refusal(hook('store/sku/*', local))).toMatch(/https/)
    expect(await refusal(hook('store/sku/*', 'https://m.example.com:8443/x'))).toMatch(/443/)
    sim.webhooks.setOptions({ localTesting: true })
    await hook('store/sku/*', local)
    expect((await listHooks(client())).map((h) => h.scope).sort()).toEqual([
      'store/order/*',
      'store/order/message/created',
      'store/sku/*',
    ])
  })

  it('ensure makes every hook it can, records each refused scope with its reason, and status shows it', async () => {
    sim.webhooks.setOptions({ unknownScopes: REFUSED })
    const result = await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    expect(result.refused.map((r) => r.scope).sort()).toEqual([...REFUSED].sort())
    for (const r of result.refused) expect(r.reason).toMatch(/422.*not a valid webhook scope/)
    expect(result.unchanged).toBe(false)
    const made = (await listHooks(client())).map((h) => h.scope).sort()
    expect(made).toEqual(MIRROR_SCOPES.filter((s) => !REFUSED.includes(s)).sort())

    await recordHookState(ctx.db, sim.storeHash, hookStateOf(URL_A, result))
    const status = await readStatus(ctx.db, sim.storeHash)
    expect(status.hooks).toMatchObject({ status: 'partial', destination: URL_A })
    expect(status.hooks?.refused.map((r) => r.scope).sort()).toEqual([...REFUSED].sort())
    const problem = status.problems.find((p) => p.what.includes('refused'))
    expect(problem?.what).toContain('store/shipment/*')
    expect(problem?.fix).toContain(`bc-mirror webhooks ensure --url ${URL_A}`)

    // The store learns the scopes: the next ensure makes just those, and the problem is gone.
    sim.webhooks.setOptions({ unknownScopes: [] })
    const again = await ensureHooks(client(), { destination: URL_A, secret: SECRET })
    expect(again.refused).toEqual([])
    expect(
      again.actions
        .filter((a) => a.kind === 'create')
        .map((a) => a.scope)
        .sort(),
    ).toEqual([...REFUSED].sort())
    await recordHookState(ctx.db, sim.storeHash, hookStateOf(URL_A, again))
    const fixed = await readStatus(ctx.db, sim.storeHash)
    expect(fixed.hooks?.status).toBe('ok')
    expect(fixed.problems.filter((p) => p.what.includes('refused'))).toEqual([])
  })

  it('two ensures at once make each hook once and neither reports a refusal', async () => {
    const [a, b] = await Promise.all([
      ensureHooks(client(), { destination: URL_A, secret: SECRET }),
      ensureHooks(client(), { destination: URL_A, secret: SECRET }),
    ])
    expect([...a.refused, ...b.refused]).toEqual([])
    const scopes = (await listHooks(client())).map((h) => h.scope).sort()
    expect(scopes).toEqual([...MIRROR_SCOPES].sort())
  })

  it('bc-mirror webhooks ensure says what it could not do, one line per refused scope, and exits 1', async () => {
    sim.webhooks.setOptions({ unknownScopes: REFUSED })
    const env = {
      BIGCOMMERCE_STORE_HASH: sim.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      BIGCOMMERCE_API_URL: sim.url,
      WEBHOOK_SECRET: SECRET,
      DATA_DIR: '/nonexistent/bc-mirror-hook-creation',
    }
    const result = await runCli(['webhooks', 'ensure', '--url', URL_A], env)
    expect(result.code).toBe(1)
    const refusedLines = result.stdout.split('\n').filter((l) => l.startsWith('refused '))
    expect(refusedLines).toHaveLength(REFUSED.length)
    for (const scope of REFUSED)
      expect(refusedLines.some((l) => l.includes(scope) && l.includes('422'))).toBe(true)
    expect(result.stdout.match(/^created /gm)).toHaveLength(MIRROR_SCOPES.length - REFUSED.length)
    expect(result.stderr).toContain('the store refused 2 of')
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/)
  })
})
