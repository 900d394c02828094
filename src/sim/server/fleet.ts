// Several simulated stores behind one server: each store keeps its own context (data, token,
// quota, clock, hooks, deliveries), `/stores/{hash}/...` reaches that store's, and the app's side
// (login service, signed callbacks) is shared. A store costs one context; no per-store server.
import type { Context } from 'hono'
import { createSimContext, type SimContext, type SimEnv } from './context.ts'
import type { SimStoreOptions } from './options.ts'

/** The app merchants install (its login service and callbacks: app-install.ts). */
export interface SimAppOptions {
  clientId?: string
  clientSecret: string
  /** The auth callback registered for the app: an exchange's `redirect_uri` must equal it. */
  authCallbackUrl: string
  /** What an install grants unless the install says otherwise; default every read scope. */
  scopes?: string[]
  /** How long a code can be exchanged (not documented; default 5 minutes, a short reading). */
  codeLifetimeMs?: number
  /** The login service's clock (codes' lifetime, callbacks' iat); default Date.now. */
  now?: () => number
}

export interface SimServerOptions {
  app?: SimAppOptions
  /**
   * What a request for a store hash the server does not know gets. BigCommerce documents no
   * answer; its status codes page lists a wrong URL among the causes of 403, so 'forbidden' (the
   * default, harsher: it reads like a missing scope) answers 403 with the scope message;
   * 'not-found' answers 404 "Store not found".
   */
  unknownStoreAnswer?: 'forbidden' | 'not-found'
}

/** A code from an install, waiting to be exchanged once. */
export interface PendingCode {
  storeHash: string
  scopes: string[]
  user: SimUser
  owner: SimUser
  expiresAt: number
}

export interface SimUser {
  id: number
  username: string
  email: string
}

export interface SimFleet {
  stores: Map<string, SimContext>
  /** The store created with the server: the single-store API's store. */
  first: SimContext
  options: SimServerOptions
  codes: Map<string, PendingCode>
  /** Where the server listens, once it does. */
  url: string
}

export const DEFAULT_APP_CLIENT_ID = 'sim-app-client'

export function appClientId(fleet: SimFleet): string {
  return fleet.options.app?.clientId ?? DEFAULT_APP_CLIENT_ID
}

function storeContext(fleet: SimFleet | null, options: SimStoreOptions, app?: SimAppOptions) {
  // With an app configured, deliveries are signed with its secret, as BigCommerce signs an app's.
  const clientSecret = options.webhooks?.clientSecret ?? app?.clientSecret
  const ctx = createSimContext({ ...options, webhooks: { ...options.webhooks, clientSecret } })
  if (fleet?.url) ctx.store.setStoreUrl(`${fleet.url}/stores/${ctx.storeHash}`)
  return ctx
}

export function createFleet(options: SimStoreOptions & SimServerOptions): SimFleet {
  const { app, unknownStoreAnswer, ...storeOptions } = options
  const first = storeContext(null, storeOptions, app)
  return {
    stores: new Map([[first.storeHash, first]]),
    first,
    options: { app, unknownStoreAnswer },
    codes: new Map(),
    url: '',
  }
}

/** Adds a store; its hash must be new. */
export function addFleetStore(fleet: SimFleet, options: SimStoreOptions): SimContext {
  const hash = options.storeHash
  if (!hash || !/^[a-z0-9]+$/i.test(hash))
    throw new Error(`a store needs a hash of letters and digits, got ${JSON.stringify(hash)}`)
  if (fleet.stores.has(hash)) throw new Error(`store ${hash} already exists in this simulator`)
  const ctx = storeContext(fleet, options, fleet.options.app)
  fleet.stores.set(hash, ctx)
  return ctx
}

/** The answer for a hash no store has (see SimServerOptions.unknownStoreAnswer). */
export function unknownStore(fleet: SimFleet, c: Context<SimEnv>) {
  if (fleet.options.unknownStoreAnswer === 'not-found')
    return c.json({ status: 404, title: 'Store not found' }, 404)
  return c.json(
    { status: 403, title: "You don't have a required scope to access the endpoint" },
    403,
  )
}
