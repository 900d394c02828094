// The app's callbacks (app mode): `GET /bigcommerce/auth` trades the install's code for the store's
// token, checks the granted scopes and registers the store; `/load`, `/uninstall` and
// `/remove_user` act only on a verified signed_payload_jwt. Where the store is kept is the host's
// (AppInstalls); what follows an install (hooks, backfill) is told through onInstalled.
// docs/bigcommerce-api.md, "Apps installed on many stores", has the flow and its sources.
import { Hono, type Context } from 'hono'
import { html } from 'hono/html'
import { CodeExchangeError, exchangeCode, type InstalledStore } from '../bigcommerce/app-install.ts'
import { describeMissingScopes, type ScopeNeed } from '../bigcommerce/scopes.ts'
import {
  SignedPayloadError,
  verifySignedPayload,
  type SignedPayload,
} from '../bigcommerce/signed-payload.ts'
import type { Executor } from '../db/database.ts'
import { REQUIRED_SCOPES } from '../resources/index.ts'
import { findStore, registerStore, setStoreStatus, UnknownStoreError } from '../stores/registry.ts'
import type { TokenKeys } from '../stores/token-crypto.ts'

export const AUTH_CALLBACK_PATH = '/bigcommerce/auth'

/** Where installed stores are kept (the store registry, in the hosts). */
export interface AppInstalls {
  /** Registers the store, or makes a registered one active again, with its new token and scopes. */
  install(store: InstalledStore): Promise<void>
  /** Marks the store uninstalled (its rows stay); false when it was not registered. */
  uninstall(storeHash: string): Promise<boolean>
  /** The store's status for the load page, or null when it is not registered. */
  status(storeHash: string): Promise<string | null>
}

/** AppInstalls on the store registry: an install registers (or re-activates) an `app` store. */
export function registryInstalls(db: Executor, keys: TokenKeys | undefined): AppInstalls {
  return {
    async install(store) {
      const { storeHash, accessToken, scopes } = store
      await registerStore(db, keys, { storeHash, kind: 'app', accessToken, scopes })
    },
    async uninstall(storeHash) {
      try {
        await setStoreStatus(db, storeHash, 'uninstalled')
        return true
      } catch (error) {
        if (error instanceof UnknownStoreError) return false
        throw error
      }
    },
    status: async (storeHash) => (await findStore(db, storeHash))?.status ?? null,
  }
}

export interface AppCallbackDeps {
  clientId: string
  clientSecret: string
  /** The base URL BigCommerce reaches the mirror at; the auth callback is under it. */
  publicUrl: string
  /** Default https://login.bigcommerce.com */
  loginUrl?: string
  installs: AppInstalls
  /** After a store is registered: make its hooks and start its backfill (the host's work). */
  onInstalled?(storeHash: string): void | Promise<void>
  /** After a store is marked uninstalled: stop its work at once (the host's work). */
  onUninstalled?(storeHash: string): void
  /** Told about unexpected errors; never carries a token. */
  onError?(error: unknown): void
  requiredScopes?: readonly ScopeNeed[]
  fetch?: typeof fetch
  now?: () => number
}

const page = (title: string, message: string) =>
  html`<!doctype html>
    <html>
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
      </head>
      <body>
        <h1>${title}</h1>
        <p>${message}</p>
      </body>
    </html>`

type Status = 200 | 400 | 401 | 403 | 502 | 503

const answer = (c: Context, status: Status, title: string, message: string) =>
  c.html(page(title, message), status)

async function install(c: Context, deps: AppCallbackDeps) {
  const { code = '', scope = '', context = '' } = c.req.query()
  let store: InstalledStore
  try {
    store = await exchangeCode({
      loginUrl: deps.loginUrl,
      clientId: deps.clientId,
      clientSecret: deps.clientSecret,
      redirectUri: `${deps.publicUrl.replace(/\/+$/, '')}${AUTH_CALLBACK_PATH}`,
      code,
      scope,
      context,
      fetch: deps.fetch,
    })
  } catch (error) {
    if (!(error instanceof CodeExchangeError)) throw error
    const status = error.problem === 'unreachable' ? 502 : 400
    return answer(c, status, 'The mirror was not installed', error.message)
  }
  const missing = describeMissingScopes(store.scopes, deps.requiredScopes ?? REQUIRED_SCOPES)
  if (missing) return answer(c, 403, 'The mirror was not installed', missing)
  await deps.installs.install(store)
  // The store is registered: what follows runs on its own, and its failures are the host's to retry.
  void Promise.resolve()
    .then(() => deps.onInstalled?.(store.storeHash))
    .catch((error: unknown) => deps.onError?.(error))
  return answer(
    c,
    200,
    'The mirror is installed',
    `Store ${store.storeHash} is registered; its data is being copied now.`,
  )
}

/** The callback's verified payload, or the answer refusing it. */
async function verified(c: Context, deps: AppCallbackDeps): Promise<SignedPayload | Response> {
  try {
    return await verifySignedPayload(c.req.query('signed_payload_jwt') ?? '', {
      clientId: deps.clientId,
      clientSecret: deps.clientSecret,
      now: deps.now?.(),
    })
  } catch (error) {
    if (!(error instanceof SignedPayloadError)) throw error
    return answer(c, 401, 'Refused', error.message)
  }
}

export function createAppCallbackRoutes(deps: AppCallbackDeps) {
  const app = new Hono()
  // The registry could not be read or written: nothing is half-done, and BigCommerce's next
  // callback (or a new install) tries again.
  app.onError((error, c) => {
    deps.onError?.(error)
    return answer(c, 503, 'Try again', 'The mirror could not record this now; try again shortly.')
  })
  app.get(AUTH_CALLBACK_PATH, (c) => install(c, deps))
  app.get('/bigcommerce/load', async (c) => {
    const payload = await verified(c, deps)
    if (payload instanceof Response) return payload
    const status = await deps.installs.status(payload.storeHash)
    const said = status ? `is ${status}` : 'is not registered: install the app again'
    return answer(c, 200, 'BigCommerce mirror', `Store ${payload.storeHash} ${said}.`)
  })
  app.get('/bigcommerce/uninstall', async (c) => {
    const payload = await verified(c, deps)
    if (payload instanceof Response) return payload
    const known = await deps.installs.uninstall(payload.storeHash)
    if (known) deps.onUninstalled?.(payload.storeHash)
    const said = known ? 'is uninstalled; its rows are kept' : 'was not registered'
    return answer(c, 200, 'Uninstalled', `Store ${payload.storeHash} ${said}.`)
  })
  // The mirror keeps nothing per user: a verified removal needs no work.
  app.get('/bigcommerce/remove_user', async (c) => {
    const payload = await verified(c, deps)
    if (payload instanceof Response) return payload
    return answer(
      c,
      200,
      'User removed',
      `Nothing is kept per user for store ${payload.storeHash}.`,
    )
  })
  return app
}
