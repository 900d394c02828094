// The simulated login service's token exchange, `POST /oauth2/token` (login.bigcommerce.com):
// a code from an install (app-install.ts) is traded once, before it expires, for the store's app
// token. The body and the answer follow docs/bigcommerce-api.md ("Apps installed on many
// stores"); the docs show no error answers, so refusals take OAuth's usual shape, a 400 with
// `{error, error_description}`, and a context that is not the code's store is a 403.
import { randomBytes } from 'node:crypto'
import type { Context } from 'hono'
import type { SimApp, SimEnv } from './context.ts'
import { appClientId, type SimAppOptions, type SimFleet } from './fleet.ts'

type ExchangeBody = Record<string, unknown>

const refuse = (c: Context<SimEnv>, status: 400 | 401 | 403, error: string, description: string) =>
  c.json({ error, error_description: description }, status)

async function readBody(c: Context<SimEnv>): Promise<ExchangeBody | null> {
  try {
    const body: unknown = await c.req.json()
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as ExchangeBody) : null
  } catch {
    return null
  }
}

/** The refusal for a body that does not name this app with its secret, or null. */
function refuseClient(c: Context<SimEnv>, fleet: SimFleet, app: SimAppOptions, body: ExchangeBody) {
  if (body.client_id !== appClientId(fleet))
    return refuse(c, 400, 'invalid_client', 'Invalid client id.')
  if (body.client_secret !== app.clientSecret)
    return refuse(c, 400, 'invalid_client', 'Parameter client_secret does not match')
  if (body.grant_type !== 'authorization_code')
    return refuse(c, 400, 'unsupported_grant_type', 'grant_type must be authorization_code')
  return null
}

async function exchange(c: Context<SimEnv>, fleet: SimFleet) {
  const app = fleet.options.app
  if (!app)
    return c.json({ error: 'not_found', error_description: 'No app in this simulator' }, 404)
  const body = await readBody(c)
  if (!body) return refuse(c, 400, 'invalid_request', 'Invalid format.')
  const refused = refuseClient(c, fleet, app, body)
  if (refused) return refused
  const code = typeof body.code === 'string' ? body.code : ''
  const pending = fleet.codes.get(code)
  // Single use: the first exchange that names a code spends it, whatever comes of it.
  fleet.codes.delete(code)
  const now = (app.now ?? Date.now)()
  if (!pending || pending.expiresAt <= now) return refuse(c, 400, 'invalid_grant', 'Invalid code.')
  if (body.redirect_uri !== app.authCallbackUrl)
    return refuse(c, 400, 'redirect_uri_mismatch', 'redirect_uri does not match the app')
  const context = `stores/${pending.storeHash}`
  if (body.context !== context)
    return refuse(c, 403, 'access_denied', 'Only store owners may install or update apps.')
  const store = fleet.stores.get(pending.storeHash)
  if (!store) return refuse(c, 400, 'invalid_grant', 'Invalid code.')
  // One token per store and app: a new exchange replaces the previous token.
  const token = `sim-app-${randomBytes(12).toString('hex')}`
  store.installed = { token, scopes: pending.scopes, clientId: appClientId(fleet) }
  return c.json({
    access_token: token,
    scope: pending.scopes.join(' '),
    user: pending.user,
    owner: pending.owner,
    context,
    account_uuid: `00000000-0000-4000-8000-${pending.storeHash.padStart(12, '0').slice(-12)}`,
  })
}

export function registerLoginRoutes(app: SimApp, fleet: SimFleet) {
  app.post('/oauth2/token', (c) => exchange(c, fleet))
}
