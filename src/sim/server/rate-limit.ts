// BigCommerce's fixed-window rate limit: a quota of requests per window, counted from the store's
// start (or the last stats reset), reported in the four X-Rate-Limit-* headers on every answer.
// Another app may spend part of the same quota; by default its spending does not show in
// Requests-Left (docs/bigcommerce-api.md "The request quota").
import type { Context } from 'hono'
import type { SimContext } from './context.ts'

/** The current window's length and the time left in it; starts a new count when it has moved. */
export function rateWindow(ctx: SimContext) {
  const windowMs = ctx.settings.windowMs ?? 30_000
  const elapsed = Date.now() - ctx.window.startedAt
  const index = Math.floor(elapsed / windowMs)
  if (index !== ctx.window.index) {
    ctx.window.index = index
    ctx.window.count = 0
  }
  return { windowMs, resetMs: (index + 1) * windowMs - elapsed }
}

export function setRateHeaders(
  ctx: SimContext,
  c: Context,
  left: number,
  resetMs: number,
  windowMs: number,
) {
  const quota = ctx.settings.quota ?? 1_000_000
  c.header('X-Rate-Limit-Requests-Left', String(Math.max(0, left)))
  c.header('X-Rate-Limit-Time-Reset-Ms', String(Math.max(0, Math.round(resetMs))))
  c.header('X-Rate-Limit-Requests-Quota', String(quota))
  c.header('X-Rate-Limit-Time-Window-Ms', String(windowMs))
}

/** Half a round trip's simulated latency (the other half comes after the handler). */
export function halfLatency(ctx: SimContext) {
  const base = ctx.settings.latencyMs ?? 0
  const jitter = ctx.settings.jitterMs ?? 0
  return Math.max(0, (base + (ctx.random() * 2 - 1) * jitter) / 2)
}

/** What the other app has spent of the current window so far, spread evenly over the window. */
export function spentByOtherApp(ctx: SimContext, resetMs: number, windowMs: number): number {
  const other = ctx.settings.otherApp
  if (!other) return 0
  return Math.floor((other.requestsPerWindow * (windowMs - resetMs)) / windowMs)
}

/** Requests-Left as the store reports it: the other app's spending shows only on its switch. */
export function requestsLeftShown(ctx: SimContext, resetMs: number, windowMs: number): number {
  const quota = ctx.settings.quota ?? 1_000_000
  const others = ctx.settings.otherApp?.showsInRequestsLeft
    ? spentByOtherApp(ctx, resetMs, windowMs)
    : 0
  return quota - ctx.window.count - others
}

/** Whether the window's quota is spent; a request that is not throttled counts against it. */
export function throttledByQuota(ctx: SimContext, resetMs: number, windowMs: number): boolean {
  const quota = ctx.settings.quota
  const others = spentByOtherApp(ctx, resetMs, windowMs)
  if (quota !== null && quota !== undefined && ctx.window.count + others >= quota) return true
  ctx.window.count += 1
  ctx.stats.counted += 1
  ctx.stats.maxCountedInWindow = Math.max(ctx.stats.maxCountedInWindow, ctx.window.count)
  return false
}
