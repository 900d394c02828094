// What every part of one simulated store's HTTP side shares: the store's state, its settings,
// its fault queue, its statistics and its rate-limit window. The gate finds the store a request
// names (fleet.ts) and hands its context to the routes as `c.var.sim`.
import type { HttpBindings } from '@hono/node-server'
import type { Hono } from 'hono'
import { createRng } from '../generate.ts'
import { createSimClock, createSimState, type SimClock, type SimState } from '../state.ts'
import { createWebhookEmitter, type WebhookEmitter } from '../webhooks.ts'
import {
  ALL_READ_SCOPES,
  type MutableOptions,
  type SimFault,
  type SimStats,
  type SimStoreOptions,
} from './options.ts'

export interface SimEnv {
  Bindings: HttpBindings
  Variables: { sim: SimContext; clientId: string; fault: SimFault | undefined }
}

export type SimApp = Hono<SimEnv>

/** Every API route lives under this prefix. */
export const BASE = '/stores/:hash'

/** A fault waiting for its requests, and how many it still applies to. */
export interface PendingFault {
  fault: SimFault
  left: number | 'always'
}

export interface SimContext {
  storeHash: string
  accessToken: string
  /** Replaced whole by setOptions and POST /__sim/options. */
  settings: MutableOptions
  clock: SimClock
  store: SimState
  webhooks: WebhookEmitter
  random: () => number
  /** Orders rows with equal date_modified (its own stream, so other draws stay as they were). */
  tieRandom: () => number
  faults: PendingFault[]
  stats: SimStats
  /** The fixed rate-limit window: when counting began, the current window and its count. */
  window: { startedAt: number; index: number; count: number }
  /** The app's token here, from the last code exchange; null before an install and after uninstall. */
  installed: AppGrant | null
}

/** What a store granted the app: its token and the scopes the merchant accepted. */
export interface AppGrant {
  token: string
  scopes: string[]
  clientId: string
}

export class BadRequest extends Error {
  constructor(
    readonly status: 400 | 413 | 422,
    message: string,
  ) {
    super(message)
  }
}

export const sleep = (ms: number) =>
  ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve()

function emptyStats(): SimStats {
  return {
    requests: 0,
    counted: 0,
    throttled: 0,
    errors: 0,
    dropped: 0,
    oddAnswers: 0,
    maxCountedInWindow: 0,
    byPath: {},
  }
}

export function createSimContext(options: SimStoreOptions): SimContext {
  const storeHash = options.storeHash ?? 'sim123'
  const clock = options.clock ?? createSimClock()
  if (options.clockOffsetMs !== undefined) clock.setOffset(options.clockOffsetMs)
  const store = createSimState({
    data: options.data,
    clock,
    variantEditsBumpProduct: options.variantEditsBumpProduct,
    cacheRendered: options.cacheRendered,
  })
  const webhooks = createWebhookEmitter({
    ...options.webhooks,
    storeHash,
    clock: () => clock.now(),
  })
  store.onEvent((event) => webhooks.emit(event))
  return {
    storeHash,
    accessToken: options.accessToken ?? 'sim-token',
    settings: { quota: 150, windowMs: 30_000, ...options },
    clock,
    store,
    webhooks,
    random: createRng(options.seed ?? 42),
    tieRandom: createRng((options.seed ?? 42) + 7),
    faults: [],
    stats: emptyStats(),
    // Fixed windows from server start, like BigCommerce's quota refreshing every window.
    window: { startedAt: Date.now(), index: -1, count: 0 },
    installed: null,
  }
}

/** Zero the statistics (the same object, which callers may hold). */
export function resetStats(ctx: SimContext) {
  Object.assign(ctx.stats, emptyStats())
  // A fresh window too, so a measured run starts with the whole quota.
  ctx.window = { startedAt: Date.now(), index: -1, count: 0 }
}

/** The tokens the store accepts and their scopes. */
export function tokensOf(ctx: SimContext) {
  return (
    ctx.settings.tokens ?? {
      [ctx.accessToken]: { scopes: ALL_READ_SCOPES, clientId: 'sim-client' },
    }
  )
}

/** The account behind a token on this store (a store-level one, or the installed app), if any. */
export function accountOf(ctx: SimContext, token: string) {
  if (ctx.installed && ctx.installed.token === token) return ctx.installed
  return Object.hasOwn(tokensOf(ctx), token) ? tokensOf(ctx)[token] : undefined
}
