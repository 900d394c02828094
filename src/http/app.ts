// The mirror's HTTP app: `POST /webhooks/bigcommerce` (authenticate, validate, store durably,
// answer at once) and `GET /healthz`. Built from injected dependencies, never from `c.env`, so the
// Node server and the Cloudflare Worker serve the very same app. Nothing slow happens in a request:
// the refetch is the worker's job.
import {
  Hono,
  type Context,
  type ErrorHandler,
  type Handler,
  type MiddlewareHandler,
  type Next,
} from 'hono'
import type { BlankEnv } from 'hono/types'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { resourceForScope } from '../resources/index.ts'
import { storeOfProducer, type DeliveryRoute, type DropReason } from '../stores/router.ts'
import { InboxBusyError, type InboxEvent } from '../sync/events/inbox.ts'
import { createAppCallbackRoutes, type AppCallbackDeps } from './app-callbacks.ts'
import { createObserveRoutes, type ObserveDeps } from './observe.tsx'
import { findUnstorable } from './storable.ts'
import {
  createSecretChecker,
  createSignatureVerifier,
  type HmacSha256,
  type SignatureVerdict,
} from './verify.ts'

export const WEBHOOK_PATH = '/webhooks/bigcommerce'
export const MAX_BODY_BYTES = 1024 * 1024

export interface AppDeps {
  /** The one store this app serves when `route` is absent (the Worker). */
  storeHash: string
  /**
   * Which store a delivery is for, from its payload's `producer` (stores/router.ts); absent: only
   * `storeHash`'s deliveries (and those without a producer) are stored.
   */
  route?(producer: string | undefined): DeliveryRoute | Promise<DeliveryRoute>
  /** Expected in X-Webhook-Secret on every delivery. */
  webhookSecret: string
  /** When set, deliveries carrying Standard Webhooks headers must be signed with it. */
  clientSecret?: string
  /** App mode: every delivery must carry a valid signature made with `clientSecret` (unsigned: 401). */
  requireSignature?: boolean
  /** The host's synchronous HMAC-SHA256 for signatures (Node's); absent: WebCrypto's. */
  hmacSha256?: HmacSha256
  /**
   * Stores one event durably (a single insert) for `event.storeHash`; rejects when the database
   * is unavailable.
   */
  enqueue(event: InboxEvent): Promise<void>
  /** True when the database answers. */
  checkHealth(): Promise<boolean>
  /**
   * Reserves room for a delivery of up to `bytes` before its body is read; returns the release,
   * or null when the receiver holds as much as it may (the answer is then 503 at once, and
   * BigCommerce delivers again later). Absent: no bound.
   */
  admit?(bytes: number): (() => void) | null
  /** Told how each delivery was answered, for the host's request log. Never carries secrets. */
  onDelivery?(outcome: DeliveryOutcome): void
  /** Told about unexpected errors (the answer is 500 or 503). */
  onError?(error: unknown): void
  /** `GET /status` and `GET /metrics`, only when STATUS_TOKEN is set; absent, both answer 404. */
  observe?: ObserveDeps
  /** App mode: the install, load, uninstall and remove_user callbacks (app-callbacks.ts). */
  appCallbacks?: AppCallbackDeps
  now?: () => number
}

export interface DeliveryOutcome {
  status: number
  /** Why it was refused, ignored or dropped; absent for a stored event. */
  reason?: string
  /** A delivery answered 200 and dropped: its store is not served here. */
  dropped?: DropReason
  scope?: string
}

/** A delivery refused with a 4xx; the message is safe to send back and to log. */
export class DeliveryRejected extends Error {
  override readonly name = 'DeliveryRejected'
  constructor(
    readonly status: 400 | 401 | 403 | 413,
    message: string,
  ) {
    super(message)
  }
}

/** The inbox could not store the event: 503, so BigCommerce delivers it again later. */
export class InboxUnavailable extends Error {
  override readonly name = 'InboxUnavailable'
}

const envelopeSchema = z.object({
  scope: z.string().min(1).max(200),
  store_id: z.union([z.string(), z.number()]).optional(),
  data: z.record(z.string(), z.unknown()),
  hash: z.string().min(1).max(200),
  created_at: z.number().optional(),
  producer: z.string().max(200).optional(),
})

/** Nothing is kept on the context: each step hands the next what it needs. */
type Env = BlankEnv

/**
 * The checks made before the body is read, in one middleware (each layer of middleware costs
 * every delivery an async frame and a promise): 401 unless X-Webhook-Secret matches, 413 for a
 * body over `maxSize`, and 503 when the receiver already holds as many bytes as it may.
 */
function checkDelivery(
  secret: string,
  maxSize: number,
  admit: AppDeps['admit'],
): MiddlewareHandler<Env> {
  const matches = createSecretChecker(secret)
  const tooLarge = () => new DeliveryRejected(413, `body over ${maxSize} bytes`)
  const streaming = bodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge()
    },
  })
  return function checkDelivery(c, next) {
    const given = c.req.header('x-webhook-secret')
    if (given === undefined) throw new DeliveryRejected(401, 'missing X-Webhook-Secret')
    if (!matches(given)) throw new DeliveryRejected(401, 'wrong X-Webhook-Secret')
    // A declared Content-Length is checked from the header alone (the HTTP server holds the body
    // to that length); only a body without one (chunked) goes through hono's bodyLimit, which
    // counts it while streaming. Skipping bodyLimit's own first step, which touches
    // `c.req.raw.body`, keeps @hono/node-server's fast path: on every ordinary delivery it would
    // otherwise build a full web Request, a large share of the whole request's cost.
    const length = c.req.header('content-length')
    if (length === undefined || c.req.header('transfer-encoding') !== undefined)
      return streaming(c, () => admitted(c, next, admit, Number(length)))
    if (!/^\d+$/.test(length) || Number(length) > maxSize) throw tooLarge()
    return admitted(c, next, admit, Number(length))
  }
}

/**
 * Runs `next` holding room for `bytes` of delivery. When the receiver already holds as much as it
 * may, 503; the body is read and dropped chunk by chunk first (memory stays flat): a server that
 * answers while the sender is still writing resets the connection, and the sender sees an error
 * instead of the 503.
 */
function admitted(
  c: Context<Env>,
  next: Next,
  admit: AppDeps['admit'],
  bytes: number,
): Promise<void> {
  if (!admit) return next()
  const release = admit(Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : MAX_BODY_BYTES)
  if (!release) {
    return discardBody(c.req.raw.body).then(() => {
      throw new InboxUnavailable('receiver busy')
    })
  }
  return next().finally(release)
}

type BodyVerifier = (c: Context<Env>, body: Uint8Array) => Promise<void>

/**
 * 401 when the delivery is signed and the signature or its timestamp does not hold; null without
 * a client secret (nothing to check).
 */
function createBodyVerifier(
  clientSecret: string | undefined,
  now: () => number,
  required = false,
  hmac?: HmacSha256,
): BodyVerifier | null {
  if (!clientSecret) return null
  const verify = createSignatureVerifier(clientSecret, now, hmac)
  return async function verifyBody(c, body) {
    const verdict: SignatureVerdict = await verify(
      {
        id: c.req.header('webhook-id'),
        timestamp: c.req.header('webhook-timestamp'),
        signature: c.req.header('webhook-signature'),
      },
      body,
    )
    if (verdict === 'invalid') throw new DeliveryRejected(401, 'bad webhook-signature')
    if (verdict === 'absent' && required) throw new DeliveryRejected(401, 'unsigned delivery')
    if (verdict === 'stale') throw new DeliveryRejected(401, 'webhook-timestamp outside 5 minutes')
  }
}

async function discardBody(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return
  const reader = body.getReader()
  try {
    while (!(await reader.read()).done) {
      // dropped
    }
  } catch {
    // The sender went away: nothing left to drain.
  }
}

function parseEnvelope(body: Uint8Array) {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch {
    throw new DeliveryRejected(400, 'body is not JSON')
  }
  const unstorable = findUnstorable(json)
  if (unstorable) throw new DeliveryRejected(400, `body has ${unstorable}`)
  const parsed = envelopeSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where =
      issue && issue.path.length > 0 ? ` (${issue.path.join('.')}: ${issue.message})` : ''
    throw new DeliveryRejected(400, `not a BigCommerce webhook envelope${where}`)
  }
  return parsed.data
}

export function createApp(deps: AppDeps) {
  const now = deps.now ?? Date.now
  const report = deps.onDelivery ?? (() => {})
  const app = new Hono<Env>()

  app.get('/healthz', async (c) => {
    const healthy = await deps.checkHealth().catch(() => false)
    return c.json({ ok: healthy }, healthy ? 200 : 503)
  })

  if (deps.observe) app.route('/', createObserveRoutes(deps.observe))
  if (deps.appCallbacks) app.route('/', createAppCallbackRoutes(deps.appCallbacks))

  app.post(
    WEBHOOK_PATH,
    checkDelivery(deps.webhookSecret, MAX_BODY_BYTES, deps.admit),
    storeDelivery(
      deps,
      createBodyVerifier(deps.clientSecret, now, deps.requireSignature, deps.hmacSha256),
      report,
    ),
  )

  app.onError(answerError(deps, report))

  return app
}

type Report = (outcome: DeliveryOutcome) => void

/** One store's routes: its own deliveries and those without a producer; any other is dropped. */
function singleStoreRoute(storeHash: string) {
  const own = storeHash.toLowerCase()
  return (producer: string | undefined): DeliveryRoute =>
    producer === undefined || storeOfProducer(producer) === own
      ? { store: storeHash }
      : { drop: 'unknown store' }
}

/**
 * The last step of a delivery: read the body, check its signature, parse the envelope and store
 * the event in the inbox.
 */
function storeDelivery(
  deps: AppDeps,
  verifyBody: BodyVerifier | null,
  report: Report,
): Handler<Env> {
  const route = deps.route ?? singleStoreRoute(deps.storeHash)
  return async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer())
    if (verifyBody) await verifyBody(c, body)
    const envelope = parseEnvelope(body)
    // BigCommerce disables hooks that keep failing: a store not served here is acknowledged.
    let routed: DeliveryRoute
    try {
      const answer = route(envelope.producer)
      // Known stores are answered at once; awaiting those too would cost every delivery a turn.
      routed = answer instanceof Promise ? await answer : answer
    } catch (error) {
      throw new InboxUnavailable('could not look up the store', { cause: error })
    }
    if ('drop' in routed) {
      report({ status: 200, reason: routed.drop, dropped: routed.drop, scope: envelope.scope })
      return c.body(null, 200)
    }
    const resource = resourceForScope(envelope.scope)
    const resourceId = resource?.targetOf(envelope.scope, envelope.data) ?? null
    // Acknowledged but not stored: BigCommerce deactivates hooks that keep failing, and there is
    // nothing to refresh.
    if (!resource || resourceId === null) {
      report({ status: 200, reason: 'ignored scope', scope: envelope.scope })
      return c.body(null, 200)
    }
    try {
      await deps.enqueue({
        storeHash: routed.store,
        hash: envelope.hash,
        scope: envelope.scope,
        resource: resource.name,
        resourceId,
        payload: envelope,
      })
    } catch (error) {
      throw new InboxUnavailable('could not store the event', { cause: error })
    }
    report({ status: 200, scope: envelope.scope })
    return c.body(null, 200)
  }
}

/** Refusals answer 4xx, an inbox that cannot take the event 503, anything else 500. */
function answerError(deps: AppDeps, report: Report): ErrorHandler<Env> {
  return (error, c) => {
    if (error instanceof DeliveryRejected) {
      report({ status: error.status, reason: error.message })
      return c.json({ error: error.message }, error.status)
    }
    if (error instanceof InboxUnavailable) {
      // A full receiver or a slow inbox is counted in the request tally, not logged per request.
      const busy = error.message === 'receiver busy' || error.cause instanceof InboxBusyError
      if (!busy) deps.onError?.(error)
      report({ status: 503, reason: busy ? 'inbox busy' : error.message })
      return c.json({ error: 'temporarily unavailable; deliver again later' }, 503)
    }
    deps.onError?.(error)
    report({ status: 500, reason: 'internal error' })
    return c.json({ error: 'internal error' }, 500)
  }
}

export type MirrorApp = ReturnType<typeof createApp>
