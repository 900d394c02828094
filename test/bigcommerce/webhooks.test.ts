// The hooks API through the client, and the simulated store's webhook deliveries: payload shape,
// custom headers, signatures, retries, deactivation, duplicates.
import { createHmac } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHook, deleteHook, listHooks, updateHook } from '../../src/bigcommerce/hooks.ts'
import { RESOURCES } from '../../src/resources/index.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { connectClient } from './helpers.ts'

interface Received {
  headers: Record<string, string>
  body: string
}

let sim: SimStore
let receiver: ReturnType<typeof serve>
let destination = ''
const received: Received[] = []
let failNext = 0

beforeAll(async () => {
  const app = new Hono()
  app.post('/hook', async (c) => {
    const body = await c.req.text()
    if (failNext > 0) {
      failNext -= 1
      return c.text('nope', 503)
    }
    received.push({ headers: Object.fromEntries(c.req.raw.headers), body })
    return c.body(null, 200)
  })
  receiver = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  destination = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  sim = await startSimStore({
    quota: null,
    data: { counts: { orders: 5, products: 5, customers: 5 } },
    webhooks: { clientSecret: 'shh-secret', retryDelaysMs: [10, 10], localTesting: true },
  })
})
afterAll(async () => {
  await sim.close()
  await new Promise((resolve) => receiver.close(resolve))
})

const payloads = () => received.map((r) => JSON.parse(r.body) as Record<string, unknown>)

describe('hooks API', () => {
  it('creates, lists, updates and deletes hooks', async () => {
    const client = connectClient(sim)
    const hook = await createHook(client, {
      scope: 'store/order/*',
      destination,
      headers: { 'X-Webhook-Secret': 'abc' },
    })
    expect(hook).toMatchObject({ scope: 'store/order/*', destination, is_active: true })
    const other = await createHook(client, { scope: 'store/sku/*', destination })
    expect((await listHooks(client)).map((h) => h.id)).toEqual([hook.id, other.id])
    expect(await updateHook(client, other.id, { is_active: false })).toMatchObject({
      is_active: false,
    })
    expect(await deleteHook(client, other.id)).toBe(true)
    expect(await deleteHook(client, other.id)).toBe(false)
    expect(await updateHook(client, 9999, { is_active: true })).toBeNull()
    expect((await listHooks(client)).map((h) => h.id)).toEqual([hook.id])
  })
})

describe('deliveries', () => {
  it('posts thin payloads with the custom headers and a valid signature', async () => {
    received.length = 0
    sim.store.update('orders', 2, { status_id: 5 })
    await sim.flushDeliveries()
    const bodies = payloads()
    expect(bodies.map((b) => b.scope).sort()).toEqual([
      'store/order/statusUpdated',
      'store/order/updated',
    ])
    for (const [i, body] of bodies.entries()) {
      expect(body).toMatchObject({
        store_id: expect.any(String),
        producer: `stores/${sim.storeHash}`,
      })
      expect(body.hash).toMatch(/^[0-9a-f]{40}$/)
      expect(typeof body.created_at).toBe('number')
      expect(RESOURCES.orders.targetOf(String(body.scope), body.data)).toBe(2)
      const headers = received[i]?.headers ?? {}
      expect(headers['x-webhook-secret']).toBe('abc')
      const expected = createHmac('sha256', Buffer.from('shh-secret', 'utf8'))
        .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${received[i]?.body}`)
        .digest('base64')
      expect(headers['webhook-signature']).toBe(`v1,${expected}`)
    }
    const statusEvent = bodies.find((b) => b.scope === 'store/order/statusUpdated')
    expect(statusEvent?.data).toMatchObject({ type: 'order', id: 2, status: { new_status_id: 5 } })
  })

  it('retries a failed delivery, and duplicates keep their hash', async () => {
    received.length = 0
    failNext = 1
    sim.webhooks.setOptions({ duplicateRate: 1 })
    sim.store.archiveOrder(3)
    await sim.flushDeliveries()
    sim.webhooks.setOptions({ duplicateRate: 0 })
    const bodies = payloads()
    expect(bodies.length).toBe(2)
    expect(bodies[0]?.scope).toBe('store/order/archived')
    expect(bodies[0]?.hash).toBe(bodies[1]?.hash)
  })

  it('deactivates a hook whose last retry fails; reactivation through the API works', async () => {
    const client = connectClient(sim)
    const [hook] = await listHooks(client)
    failNext = 3
    sim.store.update('orders', 4, { staff_notes: 'x' })
    await sim.flushDeliveries()
    expect((await listHooks(client))[0]?.is_active).toBe(false)
    received.length = 0
    sim.store.update('orders', 4, { staff_notes: 'y' })
    await sim.flushDeliveries()
    expect(received).toHaveLength(0)
    await updateHook(client, hook?.id ?? 0, { is_active: true })
    sim.store.update('orders', 4, { staff_notes: 'z' })
    await sim.flushDeliveries()
    expect(payloads().map((b) => b.scope)).toEqual(['store/order/updated'])
  })

  it('address and variant events name their parent', async () => {
    const client = connectClient(sim)
    await createHook(client, { scope: 'store/customer/address/*', destination })
    await createHook(client, { scope: 'store/sku/*', destination })
    const withAddress = sim.store.byId('customers').find((r) => {
      const addresses = sim.store.fieldsOf('customers', r).addresses
      return Array.isArray(addresses) && addresses.length > 0
    })
    expect(withAddress).toBeDefined()
    const customerId = withAddress?.id ?? 0
    const [address] = sim.store.fieldsOf(
      'customers',
      withAddress ?? { id: 0, created: 0, modified: 0, fields: {} },
    ).addresses as Array<{ id: number }>
    const product = sim.store.get('products', 2)
    const [variant] = (product ? sim.store.fieldsOf('products', product).variants : []) as Array<{
      id: number
    }>
    const before = sim.store.get('customers', customerId)?.modified
    sim.store.clock.advance(5000)
    received.length = 0
    sim.store.updateAddress(customerId, address?.id ?? 0, { city: 'Lisbon' })
    sim.store.updateVariant(2, variant?.id ?? 0, { price: 9 })
    await sim.flushDeliveries()
    const targets = payloads().map((b) => {
      const scope = String(b.scope)
      const resource = scope.startsWith('store/sku/') ? RESOURCES.products : RESOURCES.customers
      return [scope, resource.targetOf(scope, b.data)]
    })
    expect(targets).toContainEqual(['store/sku/updated', 2])
    expect(targets).toContainEqual(['store/customer/address/updated', customerId])
    expect(sim.store.get('customers', customerId)?.modified).toBeGreaterThan(before ?? 0)
  })
})
