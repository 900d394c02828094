// What every API request passes before its route: the store its hash names, counting, the
// onRequest hook and latency, X-Auth-Token and its scopes, the rate limit, and the injected faults
// and random failures, each the named store's own. A request that gets through reaches its route
// with `sim` (the store's context), `clientId` and `fault` set.
import type { Context, Next } from 'hono'
import { accountOf, sleep, type SimApp, type SimContext, type SimEnv } from './context.ts'
import { unknownStore, type SimFleet } from './fleet.ts'
import { answerOddly, streamOversize, takeFault } from './faults.ts'
import type { SimFault } from './options.ts'
import {
  halfLatency,
  rateWindow,
  requestsLeftShown,
  setRateHeaders,
  throttledByQuota,
} from './rate-limit.ts'

type GateContext = Context<SimEnv>

function scopeForPath(path: string): string | null {
  if (/^\/v2\/orders(\/|$)/.test(path)) return 'store_v2_orders_read_only'
  if (/^\/v3\/catalog(\/|$)/.test(path)) return 'store_v2_products_read_only'
  if (/^\/v3\/customers(\/|$)/.test(path)) return 'store_v2_customers_read_only'
  if (/^\/v2\/coupons(\/|$)/.test(path)) return 'store_v2_marketing_read_only'
  return null
}

function countRequest(ctx: SimContext, method: string, path: string) {
  ctx.stats.requests += 1
  const key = `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/:id')}`
  ctx.stats.byPath[key] = (ctx.stats.byPath[key] ?? 0) + 1
}

/** 401 without a token the store knows, 403 without the path's scope. */
function refuseUnauthorised(ctx: SimContext, c: GateContext, path: string) {
  const token = c.req.header('x-auth-token') ?? ''
  const account = accountOf(ctx, token)
  if (!account) return c.json({ status: 401, title: 'Unauthorized: no valid X-Auth-Token' }, 401)
  const needed = scopeForPath(path)
  if (
    needed &&
    !account.scopes.includes(needed) &&
    !account.scopes.includes(needed.replace(/_read_only$/, ''))
  ) {
    return c.json(
      { status: 403, title: "You don't have a required scope to access the endpoint" },
      403,
    )
  }
  c.set('clientId', account.clientId ?? token)
  return undefined
}

/** 429 for a 429 fault or a spent quota; otherwise counts the request and sets the headers. */
function limitRate(ctx: SimContext, c: GateContext, fault: SimFault | undefined) {
  const { windowMs, resetMs } = rateWindow(ctx)
  if (fault?.status === 429) {
    ctx.stats.throttled += 1
    if (!fault.withoutRateHeaders) setRateHeaders(ctx, c, 0, fault.resetMs ?? resetMs, windowMs)
    return c.json({ status: 429, title: 'Too many requests' }, 429)
  }
  if (throttledByQuota(ctx, resetMs, windowMs)) {
    ctx.stats.throttled += 1
    // Above 0 when another app spent the rest of the quota (its use does not show here).
    setRateHeaders(ctx, c, requestsLeftShown(ctx, resetMs, windowMs), resetMs, windowMs)
    return c.json({ status: 429, title: 'You have exceeded your request quota' }, 429)
  }
  if (!fault?.withoutRateHeaders) {
    setRateHeaders(ctx, c, requestsLeftShown(ctx, resetMs, windowMs), resetMs, windowMs)
  }
  return undefined
}

/** The fault's (or a random failure's) answer, if it replaces the route's; else sets `fault`. */
async function applyFault(ctx: SimContext, c: GateContext, fault: SimFault | undefined) {
  const { settings, stats, random } = ctx
  if (fault?.drop || random() < (settings.dropRate ?? 0)) {
    stats.dropped += 1
    c.env.incoming.socket.destroy()
    return c.body(null, 500)
  }
  if (fault?.redirectTo) return c.redirect(fault.redirectTo, 302)
  if (fault?.oversizeBytes) return streamOversize(fault.oversizeBytes)
  if (fault?.delayMs) await sleep(fault.delayMs)
  if (random() < (settings.slowRate ?? 0)) await sleep(settings.slowMs ?? 0)
  if (fault?.answer || fault?.shortPage !== undefined || fault?.omitIds) stats.oddAnswers += 1
  if (fault?.answer) return answerOddly(c, fault.answer)
  c.set('fault', fault)
  if (fault?.status || random() < (settings.errorRate ?? 0)) {
    stats.errors += 1
    const status = (fault?.status ?? 500) as 500
    return c.json({ status, title: 'Internal Server Error (simulated)' }, status)
  }
  return undefined
}

async function gate(fleet: SimFleet, c: GateContext, hash: string, next: Next) {
  // A request for no known store counts (and waits) as the first store's, as it did when the
  // simulator held one store.
  const found = fleet.stores.get(hash)
  const ctx = found ?? fleet.first
  const path = c.req.path.slice(`/stores/${hash}`.length)
  const query = new URL(c.req.url).searchParams
  countRequest(ctx, c.req.method, path)
  await ctx.settings.onRequest?.({ method: c.req.method, path, query })
  await sleep(halfLatency(ctx))
  if (!found) return unknownStore(fleet, c)
  c.set('sim', ctx)
  const refused = refuseUnauthorised(ctx, c, path)
  if (refused) return refused
  const fault = takeFault(ctx, path, new URL(c.req.url).searchParams)
  const throttled = limitRate(ctx, c, fault)
  if (throttled) return throttled
  const faulted = await applyFault(ctx, c, fault)
  if (faulted) return faulted
  await next()
  await sleep(halfLatency(ctx))
  return undefined
}

export function registerGate(app: SimApp, fleet: SimFleet) {
  app.use('/stores/:hash/*', (c, next) => gate(fleet, c, c.req.param('hash'), next))
}
