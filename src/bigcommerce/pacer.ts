// The request budget of one store. BigCommerce gives each store one quota per window (150 per 30 s
// on Standard), shared by every app, and reports what is left on every response. The pacer spreads
// requests over what remains of the window, counts requests it has sent but not yet seen answered
// against what is left, and holds everything back after a 429 until the window resets. Concurrency
// is not configured: it follows from the spacing (at 2 ms spacing and 100 ms latency, ~50 requests
// are in flight), so it grows when the quota is large and shrinks as it runs low.

import {
  availableRequests,
  DEFAULT_PACER_SETTINGS,
  delayBeforeNext,
  finishRequest,
  initialPacerState,
  rollWindow,
  startRequest,
  type PacerSettings,
  type PacerState,
  type RateObservation,
  type RequestOutcome,
} from './pacer-state.ts'

export type { RateObservation, RequestOutcome }

export interface RatePacerOptions {
  /**
   * In flight before any rate-limit header has been seen. While answers keep coming without
   * headers (a plan without a request limit), this grows by about one per round trip.
   */
  initialConcurrency?: number
  /** Hard ceiling on requests in flight, whatever the quota allows. */
  maxConcurrency?: number
  /**
   * Requests per window kept unspent, against estimation error. Default 1: other apps' use already
   * shows in Requests-Left, so a larger reserve only slows backfills.
   */
  reserve?: number
  /** Extra wait after the estimated reset, against timer and clock granularity. */
  resetMarginMs?: number
  /** Backoff after a 429 that carries no rate-limit headers (doubling up to the max). */
  backoffBaseMs?: number
  backoffMaxMs?: number
  now?: () => number
}

export interface RateTicket {
  /** Report how the request ended; call exactly once (later calls are ignored). */
  release(outcome?: RequestOutcome): void
}

export interface PacerSnapshot {
  known: boolean
  quota: number | null
  windowMs: number | null
  /** Requests the pacer believes it may still send in the current window. */
  available: number | null
  inFlight: number
  issued: number
  throttled: number
}

export interface RatePacer {
  /** Wait for a turn to send one request. */
  acquire(signal?: AbortSignal): Promise<RateTicket>
  snapshot(): PacerSnapshot
}

/** Read the rate-limit headers (names are case-insensitive; `Headers.get` already is). */
export function parseRateHeaders(headers: Headers): RateObservation | null {
  const read = (name: string): number | undefined => {
    const raw = headers.get(name)
    if (raw === null || raw.trim() === '') return undefined
    const value = Number(raw)
    return Number.isFinite(value) && value >= 0 ? value : undefined
  }
  const left = read('x-rate-limit-requests-left')
  const resetMs = read('x-rate-limit-time-reset-ms')
  if (left === undefined || resetMs === undefined) return null
  const observation: RateObservation = { left, resetMs }
  const quota = read('x-rate-limit-requests-quota')
  const windowMs = read('x-rate-limit-time-window-ms')
  if (quota !== undefined && quota > 0) observation.quota = quota
  if (windowMs !== undefined && windowMs > 0) observation.windowMs = windowMs
  return observation
}

interface Waiter {
  resolve: (ticket: RateTicket) => void
  reject: (error: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

function settingsFrom(options: RatePacerOptions): PacerSettings {
  const defaults = DEFAULT_PACER_SETTINGS
  return {
    initialConcurrency: options.initialConcurrency ?? defaults.initialConcurrency,
    maxConcurrency: options.maxConcurrency ?? defaults.maxConcurrency,
    reserve: options.reserve ?? defaults.reserve,
    resetMarginMs: options.resetMarginMs ?? defaults.resetMarginMs,
    backoffBaseMs: options.backoffBaseMs ?? defaults.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs ?? defaults.backoffMaxMs,
  }
}

/** The mutable part of one pacer: the pure state, who is waiting, and the one timer. */
interface PacerShell {
  now: () => number
  settings: PacerSettings
  state: PacerState
  timer: ReturnType<typeof setTimeout> | undefined
  waiters: Waiter[]
}

/** The shell around the pure steps in pacer-state.ts: a queue of waiters and one timer. */
export function createRatePacer(options: RatePacerOptions = {}): RatePacer {
  const settings = settingsFrom(options)
  const shell: PacerShell = {
    now: options.now ?? Date.now,
    settings,
    state: initialPacerState(settings),
    timer: undefined,
    waiters: [],
  }
  return {
    acquire: (signal) =>
      new Promise<RateTicket>((resolve, reject) => enqueue(shell, resolve, reject, signal)),
    snapshot: () => snapshotOf(shell),
  }
}

function start(shell: PacerShell, waiter: Waiter) {
  if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort)
  shell.state = startRequest(shell.state, shell.now())
  let released = false
  waiter.resolve({
    release(outcome = {}) {
      if (released) return
      released = true
      shell.state = finishRequest(shell.state, shell.settings, outcome, shell.now(), Math.random())
      pump(shell)
    },
  })
}

/** Let waiters go while the budget allows, then arm the timer for the next one. */
function pump(shell: PacerShell) {
  if (shell.timer !== undefined) {
    clearTimeout(shell.timer)
    shell.timer = undefined
  }
  while (shell.waiters.length > 0) {
    const at = shell.now()
    shell.state = rollWindow(shell.state, shell.settings, at)
    const delay = delayBeforeNext(shell.state, shell.settings, at)
    if (delay <= 0) {
      const waiter = shell.waiters.shift()
      if (waiter) start(shell, waiter)
      continue
    }
    if (delay !== Number.POSITIVE_INFINITY) {
      shell.timer = setTimeout(() => {
        shell.timer = undefined
        pump(shell)
      }, Math.ceil(delay))
    }
    return
  }
}

function enqueue(
  shell: PacerShell,
  resolve: Waiter['resolve'],
  reject: Waiter['reject'],
  signal?: AbortSignal,
) {
  if (signal?.aborted) {
    reject(signal.reason)
    return
  }
  const waiter: Waiter = { resolve, reject, signal, onAbort: undefined }
  if (signal) {
    waiter.onAbort = () => {
      const index = shell.waiters.indexOf(waiter)
      if (index >= 0) shell.waiters.splice(index, 1)
      reject(signal.reason)
    }
    signal.addEventListener('abort', waiter.onAbort, { once: true })
  }
  shell.waiters.push(waiter)
  pump(shell)
}

function snapshotOf({ state, settings, now }: PacerShell): PacerSnapshot {
  const known = state.known
  return {
    known,
    quota: known ? state.quota : null,
    windowMs: known ? state.windowMs : null,
    available: known ? availableRequests(rollWindow(state, settings, now()), settings) : null,
    inFlight: state.inFlight,
    issued: state.issued,
    throttled: state.throttled,
  }
}

/** Stores whose pacer is kept for sharing; the least recently used one is let go beyond this. */
const MAX_SHARED_PACERS = 64
const sharedPacers = new Map<string, RatePacer>()

/**
 * The pacer for one store, shared by every client in this process (and so by the sweeps and the
 * webhook worker), because the quota belongs to the store, not to a client. Clients asking with
 * different options get different pacers (the options are part of the key), and a process that
 * talks to many stores keeps only the most recently used ones.
 */
export function getSharedPacer(key: string, options: RatePacerOptions = {}): RatePacer {
  const fullKey = `${key}|${JSON.stringify(settingsFrom(options))}`
  const pacer = sharedPacers.get(fullKey) ?? createRatePacer(options)
  // Re-inserting moves the key to the end: the Map's order is the recency order.
  sharedPacers.delete(fullKey)
  sharedPacers.set(fullKey, pacer)
  if (sharedPacers.size > MAX_SHARED_PACERS) {
    const oldest = sharedPacers.keys().next()
    if (!oldest.done) sharedPacers.delete(oldest.value)
  }
  return pacer
}
