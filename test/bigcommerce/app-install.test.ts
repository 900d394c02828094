// Many stores in one simulator and the app's side of BigCommerce, over real HTTP: each store's
// own data, token and quota; the login service's code exchange (exchangeCode); the callbacks'
// signed_payload_jwt (verifySignedPayload) and its forgeries; uninstalling; signed deliveries.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CodeExchangeError, exchangeCode } from '../../src/bigcommerce/app-install.ts'
import { createHook } from '../../src/bigcommerce/hooks.ts'
import { describeMissingScopes } from '../../src/bigcommerce/scopes.ts'
import { SignedPayloadError, verifySignedPayload } from '../../src/bigcommerce/signed-payload.ts'
import { createSignatureVerifier } from '../../src/http/verify.ts'
import { REQUIRED_SCOPES } from '../../src/resources/index.ts'
import { startSimStore, type SimStore } from '../../src/sim/server.ts'
import { connectClient } from './helpers.ts'

const CLIENT_ID = 'app-client-1'
const SECRET = 'app-secret-0123456789'
const CALLBACK = 'https://mirror.example/bigcommerce/auth'

interface Received {
  headers: Record<string, string>
  body: string
}

let sim: SimStore
let loginNow = Date.now()
let receiver: ReturnType<typeof serve>
let destination = ''
const received: Received[] = []

beforeAll(async () => {
  const hooks = new Hono()
  hooks.post('/hook', async (c) => {
    received.push({ headers: Object.fromEntries(c.req.raw.headers), body: await c.req.text() })
    return c.body(null, 200)
  })
  receiver = await new Promise((resolve) => {
    const s = serve({ fetch: hooks.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  destination = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  sim = await startSimStore({
    storeHash: 'alpha',
    quota: null,
    data: { seed: 1, counts: { orders: 3 } },
    webhooks: { localTesting: true },
    app: {
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      authCallbackUrl: CALLBACK,
      now: () => loginNow,
    },
  })
  sim.addStore({
    storeHash: 'beta',
    accessToken: 'beta-token',
    quota: 2,
    windowMs: 60_000,
    data: { seed: 2, counts: { orders: 7 } },
    webhooks: { localTesting: true },
  })
})
afterAll(async () => {
  await sim.close()
  await new Promise((resolve) => receiver.close(resolve))
})

const exchange = (query: { code: string; scope: string; context: string }, changes = {}) =>
  exchangeCode({
    loginUrl: sim.url,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    redirectUri: CALLBACK,
    ...query,
    ...changes,
  })

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (error: unknown) => error as Error,
  )

describe('several stores in one simulator', () => {
  it('keeps each store its own data, token and quota', async () => {
    const count = (hash: string, token: string) =>
      fetch(`${sim.url}/stores/${hash}/v2/orders/count`, { headers: { 'X-Auth-Token': token } })
    expect(await (await count('alpha', sim.accessToken)).json()).toMatchObject({ count: 3 })
    const first = await count('beta', 'beta-token')
    expect(await first.json()).toMatchObject({ count: 7 })
    expect(first.headers.get('x-rate-limit-requests-quota')).toBe('2')
    // beta's quota of 2 per window is spent after two; alpha has none and still answers.
    expect((await count('beta', 'beta-token')).status).toBe(200)
    expect((await count('beta', 'beta-token')).status).toBe(429)
    expect(sim.storeOf('beta')?.stats.throttled).toBe(1)
    expect((await count('alpha', sim.accessToken)).status).toBe(200)
    expect(sim.stats.throttled).toBe(0)
    // A token is one store's: alpha's is refused on beta.
    expect((await count('beta', sim.accessToken)).status).toBe(401)
    // Each store dates its answers by its own clock.
    sim.storeOf('beta')?.clock.set(Date.UTC(2030, 0, 2))
    sim.storeOf('beta')?.setOptions({ quota: null })
    expect((await count('beta', 'beta-token')).headers.get('date')).toMatch(/2030/)
    expect((await count('alpha', sim.accessToken)).headers.get('date')).not.toMatch(/2030/)
    sim.storeOf('beta')?.clock.useRealTime()
  })

  it('answers an unknown store hash with 403 and the scope message (the harsher reading)', async () => {
    const answer = await fetch(`${sim.url}/stores/nosuch/v3/hooks`, {
      headers: { 'X-Auth-Token': sim.accessToken },
    })
    expect(answer.status).toBe(403)
    expect(await answer.json()).toMatchObject({ title: expect.stringMatching(/required scope/) })
    expect(() => sim.addStore({ storeHash: 'beta' })).toThrow(/already exists/)
  })
})

describe('control routes, for a simulator in another process', () => {
  it('adds a store, installs the app on it and uninstalls it', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    const added = await post('/__sim/stores', {
      storeHash: 'gamma',
      data: { counts: { orders: 2 } },
    })
    expect(await added.json()).toMatchObject({ storeHash: 'gamma' })
    const query = (await (await post('/__sim/stores/gamma/install')).json()) as {
      code: string
      scope: string
      context: string
    }
    expect(query.context).toBe('stores/gamma')
    const { accessToken } = await exchange(query)
    const count = () =>
      fetch(`${sim.url}/stores/gamma/v2/orders/count`, { headers: { 'X-Auth-Token': accessToken } })
    expect(await (await count()).json()).toMatchObject({ count: 2 })
    const { signed_payload_jwt } = (await (await post('/__sim/stores/gamma/uninstall')).json()) as {
      signed_payload_jwt: string
    }
    const payload = await verifySignedPayload(signed_payload_jwt, {
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      now: loginNow,
    })
    expect(payload.storeHash).toBe('gamma')
    expect((await count()).status).toBe(401)
  })
})

describe('the code exchange', () => {
  it('trades an install for the store token, granted scopes and user; the token works on that store only', async () => {
    const installed = await exchange(sim.installApp('beta'))
    expect(installed).toMatchObject({
      storeHash: 'beta',
      user: { id: 1, email: 'owner@beta.example' },
    })
    expect(installed.scopes.sort()).toEqual(REQUIRED_SCOPES.map((need) => need.scope).sort())
    expect(describeMissingScopes(installed.scopes, REQUIRED_SCOPES)).toBeNull()
    expect(installed.accessToken).toBe(sim.storeOf('beta')?.appToken())
    const headers = { 'X-Auth-Token': installed.accessToken }
    sim.storeOf('beta')?.setOptions({ quota: null })
    expect((await fetch(`${sim.url}/stores/beta/v3/hooks`, { headers })).status).toBe(200)
    expect((await fetch(`${sim.url}/stores/alpha/v3/hooks`, { headers })).status).toBe(401)
  })

  it('refuses an unknown code, naming neither the code nor the secret', async () => {
    const query = { code: 'made-up-code-42', scope: 'x', context: 'stores/alpha' }
    const error = await refusal(exchange(query))
    expect(error).toBeInstanceOf(CodeExchangeError)
    expect(error).toMatchObject({ problem: 'refused', status: 400 })
    expect(error.message).toMatch(/refused the install's code for store alpha \(400: invalid_grant/)
    expect(error.message).not.toContain('made-up-code-42')
    expect(error.message).not.toContain(SECRET)
  })

  it('a code works once', async () => {
    const query = sim.installApp('alpha')
    await exchange(query)
    const again = await refusal(exchange(query))
    expect(again).toMatchObject({ problem: 'refused', status: 400 })
    expect(again.message).not.toContain(query.code)
  })

  it('refuses a wrong client secret, a wrong redirect_uri and an expired code', async () => {
    const wrongSecret = await refusal(exchange(sim.installApp('alpha'), { clientSecret: 'guess' }))
    expect(wrongSecret.message).toMatch(/\(400: invalid_client: Parameter client_secret/)
    expect(wrongSecret.message).not.toContain('guess')
    const wrongUri = await refusal(
      exchange(sim.installApp('alpha'), { redirectUri: 'https://evil.example/auth' }),
    )
    expect(wrongUri.message).toMatch(/redirect_uri_mismatch/)
    const query = sim.installApp('alpha')
    loginNow += 5 * 60_000
    const expired = await refusal(exchange(query))
    expect(expired.message).toMatch(/invalid_grant/)
  })

  it('names the scopes a narrower grant lacks', async () => {
    const granted = REQUIRED_SCOPES.map((n) => n.scope).filter((s) => !s.includes('customers'))
    const install = sim.installApp('alpha', { scopes: [...granted, 'store_v2_orders'] })
    const installed = await exchange(install)
    expect(describeMissingScopes(installed.scopes, REQUIRED_SCOPES)).toBe(
      'The app was granted too few OAuth scopes: it lacks store_v2_customers_read_only ("Customers: read-only"). Add them to the app\'s scopes and install it again.',
    )
    // A modify scope stands in for its read-only one.
    expect(describeMissingScopes(['store_v2_customers', ...granted], REQUIRED_SCOPES)).toBeNull()
  })

  it('refuses a callback whose context is not a store before asking the login service', async () => {
    const error = await refusal(exchange({ code: 'abc', scope: '', context: 'accounts/1' }))
    expect(error).toMatchObject({ problem: 'bad-request' })
  })

  it('names a login service that cannot be reached', async () => {
    const query = { code: 'c0de', scope: '', context: 'stores/alpha' }
    const error = await refusal(exchange(query, { loginUrl: 'http://127.0.0.1:1' }))
    expect(error).toMatchObject({ problem: 'unreachable' })
    expect(error.message).toMatch(
      /login service at http:\/\/127\.0\.0\.1:1\/oauth2\/token could not be reached/,
    )
  })
})

describe('signed callbacks', () => {
  const options = () => ({ clientId: CLIENT_ID, clientSecret: SECRET, now: loginNow })
  const problemOf = async (jwt: string) => {
    const error = await refusal(verifySignedPayload(jwt, options()))
    expect(error).toBeInstanceOf(SignedPayloadError)
    expect(error.message).not.toContain(SECRET)
    return (error as SignedPayloadError).problem
  }
  const seconds = () => Math.floor(loginNow / 1000)
  const key = new TextEncoder().encode(SECRET)

  it('accepts what the store signs for load, uninstall and remove_user', async () => {
    for (const callback of ['load', 'uninstall', 'remove_user'] as const) {
      const payload = await verifySignedPayload(await sim.signCallback('beta', callback), options())
      expect(payload).toMatchObject({
        storeHash: 'beta',
        user: { id: 1, email: 'owner@beta.example' },
      })
      expect(payload.claims).toMatchObject({ aud: CLIENT_ID, iss: 'bc', sub: 'stores/beta' })
    }
  })

  it('refuses another secret, alg none, another algorithm, and each wrong claim', async () => {
    const otherSecret = await sim.signCallback('beta', 'load', { secret: 'not-it' })
    expect(await problemOf(otherSecret)).toBe('signature')
    const at = seconds()
    const claims = {
      aud: CLIENT_ID,
      iss: 'bc',
      sub: 'stores/beta',
      iat: at,
      nbf: at,
      exp: at + 3600,
    }
    expect(await problemOf(new UnsecuredJWT(claims).encode())).toBe('algorithm')
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(key)
    expect(await problemOf(hs512)).toBe('algorithm')
    const forge = (changes: Record<string, unknown>) =>
      sim.signCallback('beta', 'load', { claims: changes }).then(problemOf)
    expect(await forge({ aud: 'another-app' })).toBe('audience')
    expect(await forge({ iss: 'someone' })).toBe('issuer')
    expect(await forge({ exp: seconds() - 3600, nbf: seconds() - 90_000 })).toBe('expired')
    expect(await forge({ nbf: seconds() + 3600 })).toBe('not-yet-valid')
    expect(await forge({ iat: seconds() + 3600 })).toBe('not-yet-valid')
    expect(await forge({ sub: 'users/7' })).toBe('subject')
    expect(await problemOf('not.a.jwt')).toBe('malformed')
  })

  it('allows a minute of clock difference', async () => {
    const jwt = await sim.signCallback('beta', 'load', { claims: { nbf: seconds() + 30 } })
    expect((await verifySignedPayload(jwt, options())).storeHash).toBe('beta')
  })
})

describe('uninstalling and signed deliveries', () => {
  it('signs every store delivery with the app secret; a tampered body does not verify', async () => {
    const verify = createSignatureVerifier(SECRET, () => loginNow)
    const token = (await exchange(sim.installApp('alpha'))).accessToken
    const client = connectClient(sim, { storeHash: 'alpha', accessToken: token })
    await createHook(client, { scope: 'store/order/*', destination })
    received.length = 0
    sim.store.update('orders', 1, { staff_notes: 'x' })
    await sim.flushDeliveries()
    expect(received.length).toBeGreaterThan(0)
    for (const { headers, body } of received) {
      expect(JSON.parse(body)).toMatchObject({ producer: 'stores/alpha' })
      const signed = {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
      }
      const bytes = new TextEncoder().encode(body)
      expect(await verify(signed, bytes)).toBe('valid')
      const tampered = new TextEncoder().encode(body.replace('stores/alpha', 'stores/beta'))
      expect(await verify(signed, tampered)).toBe('invalid')
    }
  })

  const options = () => ({ clientId: CLIENT_ID, clientSecret: SECRET, now: loginNow })

  it('uninstalling refuses the app token and stops the store deliveries; the other store is untouched', async () => {
    const betaToken = (await exchange(sim.installApp('beta'))).accessToken
    const beta = connectClient(sim, { storeHash: 'beta', accessToken: betaToken })
    await createHook(beta, { scope: 'store/order/*', destination })
    const alphaToken = sim.appToken()
    const jwt = await sim.uninstallApp('alpha')
    expect((await verifySignedPayload(jwt, options())).storeHash).toBe('alpha')
    const headers = { 'X-Auth-Token': alphaToken ?? '' }
    expect((await fetch(`${sim.url}/stores/alpha/v3/hooks`, { headers })).status).toBe(401)
    received.length = 0
    sim.store.update('orders', 2, { staff_notes: 'y' })
    sim.storeOf('beta')?.store.update('orders', 3, { staff_notes: 'z' })
    await Promise.all([sim.flushDeliveries(), sim.storeOf('beta')?.flushDeliveries()])
    const producers = received.map((r) => (JSON.parse(r.body) as { producer: string }).producer)
    expect(producers.length).toBeGreaterThan(0)
    expect(new Set(producers)).toEqual(new Set(['stores/beta']))
  })
})
