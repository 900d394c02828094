// The pacer's decisions as pure steps over a plain state value: what one answer teaches about the
// store's budget, when the next request may go, and what starting or ending a request changes.
// No timers, no clock, no randomness of its own (the caller passes `at` and a jitter factor), so
// each step is tested on its own and a property test can replay any sequence of headers.

/** What one response said about the budget (the four `X-Rate-Limit-*` headers). */
export interface RateObservation {
  left: number
  resetMs: number
  quota?: number
  windowMs?: number
}

export interface PacerSettings {
  /** In flight before any rate-limit header has been seen. */
  initialConcurrency: number
  /** Hard ceiling on requests in flight, whatever the quota allows. */
  maxConcurrency: number
  /** Requests per window kept unspent, against estimation error. */
  reserve: number
  /** Extra wait after the estimated reset, against timer and clock granularity. */
  resetMarginMs: number
  /** Backoff after a 429 that carries no rate-limit headers (doubling up to the max). */
  backoffBaseMs: number
  backoffMaxMs: number
}

export const DEFAULT_PACER_SETTINGS: PacerSettings = {
  initialConcurrency: 3,
  maxConcurrency: 64,
  // Other apps' use already shows in Requests-Left, so a larger reserve only slows backfills.
  reserve: 1,
  resetMarginMs: 10,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
}

export interface PacerState {
  /** Whether any rate-limit header has been seen. */
  known: boolean
  quota: number
  windowMs: number
  /**
   * Requests left in the tracked window: the lowest count any answer from it gave, less the
   * requests that ended without telling. Requests still in flight are not counted in it.
   */
  left: number
  /** Estimated end of the tracked window (never earlier than the true one). */
  resetAt: number
  issued: number
  inFlight: number
  lastStartAt: number
  blockedUntil: number
  headerless429s: number
  /** In-flight limit while no header has been seen: additive increase, halved on a 429. */
  blindLimit: number
  throttled: number
}

export function initialPacerState(settings: PacerSettings): PacerState {
  return {
    known: false,
    quota: 0,
    windowMs: 30_000,
    left: 0,
    resetAt: 0,
    issued: 0,
    inFlight: 0,
    lastStartAt: Number.NEGATIVE_INFINITY,
    blockedUntil: 0,
    headerless429s: 0,
    blindLimit: settings.initialConcurrency,
    throttled: 0,
  }
}

/** Never reserve the whole quota, or a tiny quota would never let a request through. */
function reserveFor(state: PacerState, settings: PacerSettings): number {
  return Math.min(settings.reserve, Math.max(0, state.quota - 1))
}

/**
 * Requests the pacer may still send in the tracked window. Every request in flight counts as
 * spent: requests overtake each other on the way to the store, so an answer's count may miss a
 * request sent before it. An answered request is in the lowest count seen (its own answer's count
 * is no lower), unless it landed in a later window, whose answers then start the count afresh.
 */
export function availableRequests(state: PacerState, settings: PacerSettings): number {
  return state.left - state.inFlight - reserveFor(state, settings)
}

/** Once the estimated reset has passed, the whole quota is back (less what is in flight). */
export function rollWindow(state: PacerState, settings: PacerSettings, at: number): PacerState {
  if (!state.known || at < state.resetAt + settings.resetMarginMs) return state
  const passed = Math.floor((at - state.resetAt) / state.windowMs) + 1
  return {
    ...state,
    resetAt: state.resetAt + passed * state.windowMs,
    // A 429 can arrive before any quota header did; then restart as cautiously as at first.
    // Requests still in flight may land in the new window: availableRequests counts them.
    left: state.quota > 0 ? state.quota : settings.initialConcurrency,
  }
}

/**
 * How long until the next request may go, on a state already rolled to `at`: 0 now, a number of
 * milliseconds, or Infinity to wait for an answer.
 */
export function delayBeforeNext(state: PacerState, settings: PacerSettings, at: number): number {
  if (at < state.blockedUntil) return state.blockedUntil - at
  if (!state.known)
    return state.inFlight < Math.floor(state.blindLimit) ? 0 : Number.POSITIVE_INFINITY
  if (state.inFlight >= settings.maxConcurrency) return Number.POSITIVE_INFINITY
  const room = availableRequests(state, settings)
  if (room <= 0) return Math.max(1, state.resetAt + settings.resetMarginMs - at)
  // Spread what is left evenly over what remains of the window.
  const interval = Math.max(0, state.resetAt - at) / room
  return Math.max(0, state.lastStartAt + interval - at)
}

/** A request goes out. */
export function startRequest(state: PacerState, at: number): PacerState {
  return { ...state, issued: state.issued + 1, inFlight: state.inFlight + 1, lastStartAt: at }
}

/**
 * What one answer's headers teach. Within one window the store's count only falls, so the lowest
 * count seen is the truest, whatever order the answers arrive in.
 */
export function observeHeaders(
  state: PacerState,
  observation: RateObservation,
  wasThrottled: boolean,
  at: number,
): PacerState {
  const windowMs = observation.windowMs ?? state.windowMs
  const quota = observation.quota ?? Math.max(state.quota, observation.left)
  const next = { ...state, windowMs, quota }
  const observedResetAt = at + observation.resetMs
  if (!state.known || wasThrottled) {
    const left = wasThrottled ? 0 : observation.left
    return { ...next, known: true, left, resetAt: observedResetAt }
  }
  if (observedResetAt > state.resetAt + windowMs / 2) {
    // A later window than the one tracked.
    return { ...next, left: observation.left, resetAt: observedResetAt }
  }
  if (observedResetAt >= state.resetAt - windowMs / 2) {
    // Every estimate is at or after the true reset (the answer took time to arrive): keep the
    // earliest, which is the closest.
    const resetAt = Math.min(state.resetAt, observedResetAt)
    return { ...next, left: Math.min(state.left, observation.left), resetAt }
  }
  // News from a past window.
  return next
}

export interface RequestOutcome {
  observation?: RateObservation | null
  throttled?: boolean
  /** The store answered (any status); false or absent for timeouts and connection errors. */
  answered?: boolean
}

/**
 * A request ended. `jitter` in [0, 1) spreads the backoff after a headerless 429 so that many
 * processes do not retry in step.
 */
export function finishRequest(
  state: PacerState,
  settings: PacerSettings,
  outcome: RequestOutcome,
  at: number,
  jitter: number,
): PacerState {
  let next: PacerState = { ...state, inFlight: state.inFlight - 1 }
  if (outcome.throttled) {
    next = { ...next, throttled: next.throttled + 1, blindLimit: Math.max(1, next.blindLimit / 2) }
    if (!outcome.observation) {
      // A 429 without headers means the platform is under load: back off, growing.
      const delay = Math.min(
        settings.backoffMaxMs,
        settings.backoffBaseMs * 2 ** next.headerless429s,
      )
      const blockedUntil = Math.max(next.blockedUntil, at + delay * (0.75 + jitter * 0.5))
      next = { ...next, headerless429s: next.headerless429s + 1, blockedUntil }
    }
  } else {
    next = { ...next, headerless429s: 0 }
    if (!outcome.observation && outcome.answered) {
      const grown = next.blindLimit + 1 / Math.floor(next.blindLimit)
      next = { ...next, blindLimit: Math.min(settings.maxConcurrency, grown) }
    }
  }
  if (outcome.observation) {
    return observeHeaders(next, outcome.observation, outcome.throttled === true, at)
  }
  // It may have reached the store (a timeout, an answer without headers): count it as spent.
  return next.known ? { ...next, left: next.left - 1 } : next
}
