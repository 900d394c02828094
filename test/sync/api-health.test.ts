// The API gate (src/sync/api-health.ts) as a pure step: which errors say something about the API
// as a whole, growing waits between tries, one change reported once however many requests fail;
// and the probe that reopens it, over HTTP against the simulated store.
import { describe, expect, it } from 'vitest'
import { BigCommerceApiError, BigCommerceAuthError } from '../../src/bigcommerce/errors.ts'
import { checkStoreAccess } from '../../src/bigcommerce/preflight.ts'
import { startSimStore } from '../../src/sim/index.ts'
import {
  classifyApiError,
  createApiHealth,
  createApiProbe,
  watchApi,
  type ApiHealthSnapshot,
} from '../../src/sync/api-health.ts'
import { clientFor } from './support.ts'

const refused = () =>
  new BigCommerceAuthError('BigCommerce GET /v2/orders answered 401. The token was rejected.', {
    method: 'GET',
    path: '/v2/orders',
    status: 401,
    scope: null,
  })
const noScope = () =>
  new BigCommerceAuthError('BigCommerce GET /v2/orders answered 403.', {
    method: 'GET',
    path: '/v2/orders',
    status: 403,
    scope: 'store_v2_orders_read_only',
  })
const outage = (status: number | null) =>
  new BigCommerceApiError(`BigCommerce GET /v3/catalog/products failed after 5 attempts`, {
    method: 'GET',
    path: '/v3/catalog/products',
    status,
    attempts: 5,
  })

describe('the API gate', () => {
  it('tells a refused token and an outage from problems of one table or one row', () => {
    expect(classifyApiError(refused())).toBe('refused')
    expect(classifyApiError(outage(503))).toBe('outage')
    expect(classifyApiError(outage(null))).toBe('outage')
    expect(classifyApiError(noScope())).toBeNull()
    expect(classifyApiError(outage(422))).toBeNull()
    expect(classifyApiError(new Error('database down'))).toBeNull()
  })

  it('waits longer after each failed try, up to its cap; one answer opens it again', () => {
    let clock = 0
    const changes: Array<[ApiHealthSnapshot['state'], ApiHealthSnapshot['state']]> = []
    const gate = createApiHealth({
      baseDelayMs: 1_000,
      maxDelayMs: 8_000,
      now: () => clock,
      onChange: (now, before) => changes.push([before.state, now.state]),
    })
    expect(gate.delayMs()).toBe(0)
    const waits: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) {
      // Every request of one try fails together: they count as one try.
      for (let i = 0; i < 5; i++) gate.failed(refused())
      waits.push(gate.delayMs())
      clock += gate.delayMs()
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
    expect(gate.snapshot()).toMatchObject({ state: 'refused', failures: 6, since: new Date(0) })
    expect(gate.snapshot().lastError).toBe('BigCommerce GET /v2/orders answered 401.')
    gate.failed(noScope()) // says nothing about the API as a whole
    expect(gate.snapshot().failures).toBe(6)
    gate.succeeded()
    gate.succeeded()
    expect(gate.delayMs()).toBe(0)
    gate.failed(outage(502))
    expect(gate.delayMs()).toBe(1_000)
    // The first failure reports the first state; then one report per change, never per request.
    expect(changes).toEqual([
      ['ok', 'refused'],
      ['refused', 'ok'],
      ['ok', 'outage'],
    ])
  })
})

describe('the probe that reopens the gate', () => {
  it('is one cheap request over HTTP, shared by all who ask, and only once the wait is over', async () => {
    const sim = await startSimStore({ quota: null, data: { counts: { orders: 1 } } })
    try {
      let clock = 0
      const gate = createApiHealth({ baseDelayMs: 1_000, now: () => clock })
      const client = watchApi(clientFor(sim).client, gate)
      const paths: string[] = []
      sim.setOptions({ onRequest: ({ path }) => void paths.push(path) })
      const ready = createApiProbe(gate, (signal) => checkStoreAccess(client, signal))

      expect(await ready()).toBe(true) // answering: no request at all
      sim.setOptions({ tokens: { 'some-other-token': { scopes: [] } } })
      gate.failed(refused())
      expect(await ready()).toBe(false) // waiting: no request either
      expect(paths).toEqual([])

      clock += gate.delayMs()
      // Three jobs due at once: one probe, still refused, so none of them runs; a longer wait.
      expect(await Promise.all([ready(), ready(), ready()])).toEqual([false, false, false])
      expect(paths).toEqual(['/v3/hooks'])
      expect(gate.delayMs()).toBe(2_000)

      sim.setOptions({ tokens: undefined })
      clock += gate.delayMs()
      expect(await ready()).toBe(true)
      expect(paths).toEqual(['/v3/hooks', '/v3/hooks'])
      expect(gate.snapshot().state).toBe('ok')
    } finally {
      await sim.close()
    }
  })
})
