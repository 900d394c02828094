// The merchant's side of the simulated app: installing it on a store (what BigCommerce sends to
// the auth callback: code, scope, context), the signed_payload_jwt of the load, uninstall and
// remove_user callbacks (HS256 with the app's secret, claims as docs/bigcommerce-api.md lists
// them), and uninstalling, which revokes the store's app token and deletes the app's hooks there.
import { randomBytes, randomUUID } from 'node:crypto'
import { SignJWT, type JWTPayload } from 'jose'
import { ALL_READ_SCOPES } from './server/options.ts'
import { appClientId, type SimAppOptions, type SimFleet, type SimUser } from './server/fleet.ts'

/** What BigCommerce puts in the auth callback's query when a merchant installs the app. */
export interface AuthCallbackQuery {
  code: string
  scope: string
  context: string
  account_uuid: string
}

export interface InstallOptions {
  /** Scopes the merchant grants; default the app's (SimAppOptions.scopes). */
  scopes?: string[]
  user?: SimUser
}

export type SignedCallback = 'load' | 'uninstall' | 'remove_user'

export interface SignOptions {
  /** Claims to add or replace (a test's forgeries: another aud, an old exp...). */
  claims?: JWTPayload & Record<string, unknown>
  /** Sign with this secret instead of the app's. */
  secret?: string
  user?: SimUser
}

const DAY_SECONDS = 86_400

function appOf(fleet: SimFleet): SimAppOptions {
  const app = fleet.options.app
  if (!app) throw new Error('the simulator has no app: start it with the `app` option')
  return app
}

function storeOf(fleet: SimFleet, storeHash: string) {
  const store = fleet.stores.get(storeHash)
  if (!store) throw new Error(`the simulator has no store ${storeHash}`)
  return store
}

const ownerOf = (storeHash: string): SimUser => ({
  id: 1,
  username: `owner-${storeHash}`,
  email: `owner@${storeHash}.example`,
})

/** A merchant installs the app on a store: a code to exchange once (before it expires). */
export function installApp(
  fleet: SimFleet,
  storeHash: string,
  options: InstallOptions = {},
): AuthCallbackQuery {
  const app = appOf(fleet)
  storeOf(fleet, storeHash)
  const scopes = options.scopes ?? app.scopes ?? ALL_READ_SCOPES
  const code = randomBytes(16).toString('hex')
  const owner = ownerOf(storeHash)
  fleet.codes.set(code, {
    storeHash,
    scopes,
    user: options.user ?? owner,
    owner,
    expiresAt: (app.now ?? Date.now)() + (app.codeLifetimeMs ?? 5 * 60_000),
  })
  return {
    code,
    scope: scopes.join(' '),
    context: `stores/${storeHash}`,
    account_uuid: randomUUID(),
  }
}

/** The signed_payload_jwt BigCommerce sends a callback for this store. */
export async function signCallback(
  fleet: SimFleet,
  storeHash: string,
  callback: SignedCallback,
  options: SignOptions = {},
): Promise<string> {
  const app = appOf(fleet)
  const now = Math.floor((app.now ?? Date.now)() / 1000)
  const owner = ownerOf(storeHash)
  const claims = {
    aud: appClientId(fleet),
    iss: 'bc',
    iat: now,
    nbf: now - 5,
    exp: now - 5 + DAY_SECONDS,
    jti: randomUUID(),
    sub: `stores/${storeHash}`,
    user: { ...(options.user ?? owner), locale: 'en-US' },
    owner,
    url: callback === 'load' ? '/' : undefined,
    channel_id: null,
    ...options.claims,
  }
  const secret = new TextEncoder().encode(options.secret ?? app.clientSecret)
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret)
}

/**
 * The merchant uninstalls the app: the store refuses its token from now on, and BigCommerce
 * deletes the app's hooks there (deliveries in flight or waiting to retry stop). Returns the
 * uninstall callback's signed payload.
 */
export async function uninstallApp(fleet: SimFleet, storeHash: string): Promise<string> {
  const store = storeOf(fleet, storeHash)
  const clientId = appClientId(fleet)
  store.installed = null
  for (const hook of [...store.webhooks.hooks.values()]) {
    if (hook.client_id !== clientId) continue
    // A delivery waiting to retry checks is_active before each attempt.
    hook.is_active = false
    store.webhooks.hooks.delete(hook.id)
  }
  return signCallback(fleet, storeHash, 'uninstall')
}
