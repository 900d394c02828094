/** @jsxImportSource hono/jsx */
// `GET /status` (the page for people) and `GET /metrics` (Prometheus). Both exist only when the
// host passes a token (STATUS_TOKEN); unset, they are not routed at all and answer 404. Each
// request must carry `Authorization: Bearer <token>`; the page also takes `?token=` so that a
// phone's browser can open it from a bookmark. Compared in constant time.
import { Hono } from 'hono'
import type { MirrorStatus } from '../sync/status/status.ts'
import type { StoresOverview } from '../sync/status/stores.ts'
import { METRICS_CONTENT_TYPE } from './metrics.ts'
import { pageHeaders, STYLE_NONCE_KEY } from './page-headers.ts'
import { StatusPage, type ApiState, type StoreApiOf } from './status-page.tsx'
import { createSecretChecker } from './verify.ts'

export interface ObserveDeps {
  token: string
  readStatus(): Promise<MirrorStatus>
  /** Every store served at a glance (serve with several stores); absent: one store. */
  readStores?(): Promise<StoresOverview>
  renderMetrics(): Promise<string>
  apiState?(): ApiState | null
  /** Each store's API figures counted in this process, for the page's Stores table. */
  storeApi?: StoreApiOf
  now?: () => number
}

function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '')
  return match?.[1]?.trim()
}

export function createObserveRoutes(deps: ObserveDeps) {
  const matches = createSecretChecker(deps.token)
  const allowed = (given: string | undefined) => given !== undefined && matches(given)
  const refuse = () =>
    new Response('a status token is needed: Authorization: Bearer <STATUS_TOKEN>\n', {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'text/plain; charset=utf-8' },
    })
  const app = new Hono<{ Variables: { [STYLE_NONCE_KEY]?: string } }>()
  app.use('/status', pageHeaders())
  app.use('/metrics', pageHeaders())

  app.get('/metrics', async (c) => {
    if (!allowed(bearerOf(c.req.header('authorization')))) return refuse()
    return c.body(await deps.renderMetrics(), 200, {
      'Content-Type': METRICS_CONTENT_TYPE,
      'Cache-Control': 'no-store',
    })
  })

  app.get('/status', async (c) => {
    if (!allowed(bearerOf(c.req.header('authorization')) ?? c.req.query('token'))) return refuse()
    const [status, stores] = await Promise.all([deps.readStatus(), deps.readStores?.()])
    const now = (deps.now ?? Date.now)()
    c.header('Cache-Control', 'no-store')
    const page = (
      <StatusPage
        status={status}
        api={deps.apiState?.() ?? null}
        stores={stores}
        storeApi={deps.storeApi}
        now={now}
        styleNonce={c.get(STYLE_NONCE_KEY)}
      />
    )
    return c.html(`<!doctype html>${await page}`)
  })
  return app
}
