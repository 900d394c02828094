// What the client refuses, over real HTTP: a redirect to another origin (the token must never go
// there), an answer larger than its limit (refused while it streams, never buffered whole); and the
// preflight that names an unknown store hash or a refused token before any other request.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BigCommerceApiError,
  BigCommerceAuthError,
  BigCommerceRedirectError,
  BigCommerceResponseTooLargeError,
} from '../../src/bigcommerce/errors.ts'
import { describeFailure } from '../../src/bigcommerce/explain.ts'
import { checkStoreAccess, StoreAccessError } from '../../src/bigcommerce/preflight.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { connectClient } from './helpers.ts'

let sim: SimStore
/** Another origin that records every request it gets. */
let elsewhere: { url: string; seen: IncomingHttpHeaders[]; server: Server }

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )
}

beforeAll(async () => {
  sim = await startSimStore({
    quota: null,
    unknownStoreAnswer: 'not-found',
    data: { seed: 5, counts: { orders: 300, products: 40 } },
  })
  const seen: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    res.setHeader('content-type', 'application/json')
    res.end('[]')
  })
  elsewhere = { url: await listen(server), seen, server }
})
afterAll(async () => {
  await sim.close()
  await new Promise((resolve) => elsewhere.server.close(resolve))
})

describe('redirects', () => {
  it('a redirect to another origin is refused, and that origin never sees the token', async () => {
    const client = connectClient(sim)
    sim.injectFaults({
      path: '/v2/orders',
      redirectTo: `${elsewhere.url}/stores/${sim.storeHash}/v2/orders`,
    })
    const error = await client.get('/v2/orders', { limit: 5 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BigCommerceRedirectError)
    expect(error).toMatchObject({ status: 302, targetOrigin: elsewhere.url })
    expect(elsewhere.seen).toEqual([])
    expect(describeFailure(error)).toMatch(
      /302 redirect on GET \/v2\/orders to http:\/\/127\.0\.0\.1:\d+, not followed .* check BIGCOMMERCE_API_URL/,
    )
  })

  it('a GET redirected within the same origin is followed, with the token', async () => {
    const client = connectClient(sim)
    sim.injectFaults({ path: '/v2/orders/7', redirectTo: `/stores/${sim.storeHash}/v2/orders/8` })
    expect(await client.get('/v2/orders/7')).toMatchObject({ id: 8 })
  })

  it('a redirect loop on the same origin ends with an error, not forever', async () => {
    const client = connectClient(sim)
    const loop = `/stores/${sim.storeHash}/v2/orders/9`
    // The first answer and three followed redirects all point back: the fourth is refused.
    sim.injectFaults(
      ...Array.from({ length: 4 }, () => ({ path: '/v2/orders/9', redirectTo: loop })),
    )
    await expect(client.get('/v2/orders/9')).rejects.toBeInstanceOf(BigCommerceRedirectError)
    expect(await client.get('/v2/orders/9')).toMatchObject({ id: 9 })
  })
})

describe('answer size limit', () => {
  it('a page larger than maxResponseBytes is refused with a typed error', async () => {
    const client = connectClient(sim, { maxResponseBytes: 16 * 1024 })
    const error = await client.get('/v3/catalog/products', { limit: 40 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BigCommerceResponseTooLargeError)
    expect(error).toMatchObject({ limitBytes: 16 * 1024, path: '/v3/catalog/products' })
    expect(describeFailure(error)).toMatch(
      /answer too large on GET \/v3\/catalog\/products: answered more than 16 KiB; refused/,
    )
    // The same request under the limit is fine.
    expect(await connectClient(sim).get('/v3/catalog/products', { limit: 40 })).toMatchObject({
      data: expect.any(Array),
    })
  })

  it('an endless answer is cut off at the limit: the server gets to send only a little of it', async () => {
    let written = 0
    let closed!: () => void
    const done = new Promise<void>((resolve) => (closed = resolve))
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('[')
      const pump = () => {
        // 256 MiB at most, so a client that never stops reading still ends the test.
        while (!res.destroyed && written < 256 * 1024 * 1024) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end(']')
      }
      res.on('close', closed)
      pump()
    })
    const url = await listen(server)
    try {
      const client = connectClient(sim, { apiUrl: url, maxResponseBytes: 1024 * 1024 })
      await expect(client.get('/v2/orders')).rejects.toBeInstanceOf(
        BigCommerceResponseTooLargeError,
      )
      await done
      // Only the limit plus what the sockets' buffers held went out, not the 256 MiB on offer.
      expect(written).toBeLessThan(32 * 1024 * 1024)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('a declared Content-Length over the limit is refused before the body is read', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(200 * 1024 * 1024),
      })
      res.write('[')
    })
    const url = await listen(server)
    try {
      const client = connectClient(sim, { apiUrl: url, maxResponseBytes: 1024 * 1024 })
      await expect(client.get('/v2/orders')).rejects.toBeInstanceOf(
        BigCommerceResponseTooLargeError,
      )
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('preflight', () => {
  it('passes for a known store and a good token, with one request', async () => {
    const client = connectClient(sim)
    sim.resetStats()
    await checkStoreAccess(client)
    expect(sim.stats.requests).toBe(1)
  })

  it('names an unknown store hash', async () => {
    const client = connectClient(sim, { storeHash: 'nosuchstore' })
    const error = await checkStoreAccess(client).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreAccessError)
    expect(error).toMatchObject({ problem: 'unknown-store' })
    expect((error as Error).message).toMatch(
      /does not know store hash "nosuchstore" \(404 .*Check BIGCOMMERCE_STORE_HASH/,
    )
  })

  it('names a refused token, without the token', async () => {
    const client = connectClient(sim, { accessToken: 'wrong-token-123' })
    const error = await checkStoreAccess(client).catch((e: unknown) => e)
    expect(error).toMatchObject({ problem: 'token-refused' })
    expect((error as Error).message).toMatch(
      /refused the access token .*BIGCOMMERCE_ACCESS_TOKEN is wrong/,
    )
    expect((error as Error).message).not.toContain('wrong-token-123')
  })

  it('a token without any read scope still passes: hooks need none (the tables say what they lack)', async () => {
    const limited = await startSimStore({ tokens: { 'no-scopes': { scopes: [] } } })
    try {
      await checkStoreAccess(connectClient(limited, { accessToken: 'no-scopes' }))
    } finally {
      await limited.close()
    }
  })

  it('an API that keeps failing is named as unreachable', async () => {
    const client = connectClient(sim, { maxRetries: 1 })
    sim.injectFaults({ path: '/v3/hooks', status: 503 }, { path: '/v3/hooks', status: 503 })
    const error = await checkStoreAccess(client).catch((e: unknown) => e)
    expect(error).toMatchObject({ problem: 'unreachable' })
    expect((error as Error).message).toMatch(
      /503 Service Unavailable on GET \/v3\/hooks after 2 attempts: BigCommerce is failing/,
    )
  })
})

describe('describeFailure: one line with the status, its meaning, and what to do', () => {
  const auth = (status: number, path: string) =>
    new BigCommerceAuthError('x', { method: 'GET', path, status, scope: null })
  it.each([
    [
      auth(403, '/v2/orders'),
      /^403 Forbidden on GET \/v2\/orders: the API account lacks the Orders read scope \(store_v2_orders_read_only\); create a store-level API account with it/,
    ],
    [
      auth(401, '/v2/coupons/count'),
      /^401 Unauthorized on GET \/v2\/coupons\/count: the access token is wrong for this store, or its API account lacks the Marketing read scope \(store_v2_marketing_read_only\)/,
    ],
    [
      auth(401, '/v3/hooks'),
      /^401 Unauthorized on GET \/v3\/hooks: BigCommerce refused the access token; check BIGCOMMERCE_ACCESS_TOKEN/,
    ],
    [
      new BigCommerceApiError('BigCommerce GET /v3/customers failed after 5 attempts (last: 502)', {
        method: 'GET',
        path: '/v3/customers',
        status: 502,
        attempts: 5,
      }),
      /^502 Bad Gateway on GET \/v3\/customers after 5 attempts: BigCommerce is failing; nothing was lost; run it again later/,
    ],
    [
      new BigCommerceApiError(
        'BigCommerce GET /v2/orders failed after 5 attempts (last: timeout)',
        { method: 'GET', path: '/v2/orders', status: null, attempts: 5 },
      ),
      /^no answer on GET \/v2\/orders after 5 attempts \(timeout\): BigCommerce or the network is not answering/,
    ],
    [
      new BigCommerceApiError('x', { method: 'GET', path: '/v2/orders', status: 404, attempts: 1 }),
      /^404 Not Found on GET \/v2\/orders: .*check BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_API_URL/,
    ],
  ])('%s', (error, line) => {
    const text = describeFailure(error)
    expect(text).toMatch(line)
    expect(text).not.toContain('\n')
  })
})
