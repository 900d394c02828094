// The request budget of one store. BigCommerce gives each store one quota per window (150 per 30 s
// on Standard), shared by every app, and reports what is left on every response. The pacer spreads
// requests over what remains of the window, counts requests it has sent but not yet seen answered
// against what is left, and holds everything back after a 429 until the window resets. Concurrency
// is not configured: it follows from the spacing (at 2 ms spacing and 100 ms latency, ~50 requests
// are in flight), so it grows when the quota is large and shrinks as it runs low.

/** What one response said about the budget (the four `X-Rate-Limit-*` headers). */
export interface RateObservation {
  left: number
  resetMs: number
  quota?: number
  windowMs?: number
}

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
  /** Order in which requests went out; later tickets were not counted in earlier answers. */
  readonly seq: number
  /** Report how the request ended; call exactly once (later calls are ignored). */
  release(outcome?: {
    observation?: RateObservation | null
    throttled?: boolean
    /** The store answered (any status); false or absent for timeouts and connection errors. */
    answered?: boolean
  }): void
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

export function createRatePacer(options: RatePacerOptions = {}): RatePacer {
  const now = options.now ?? Date.now
  const initialConcurrency = options.initialConcurrency ?? 3
  const maxConcurrency = options.maxConcurrency ?? 64
  const resetMarginMs = options.resetMarginMs ?? 10
  const backoffBaseMs = options.backoffBaseMs ?? 1000
  const backoffMaxMs = options.backoffMaxMs ?? 60_000

  let known = false
  let quota = 0
  let windowMs = 30_000
  let left = 0
  // seq of the request whose answer gave `left`; requests with a later seq are not counted in it.
  let leftSeq = 0
  let resetAt = 0
  let issued = 0
  let inFlight = 0
  let lastStartAt = Number.NEGATIVE_INFINITY
  let blockedUntil = 0
  let headerless429s = 0
  // In-flight limit while no header has been seen: additive increase, halved on a 429.
  let blindLimit = initialConcurrency
  let throttled = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const waiters: Waiter[] = []

  // Never reserve the whole quota, or a tiny quota would never let a request through.
  const reserveFor = () => Math.min(options.reserve ?? 1, Math.max(0, quota - 1))

  /** Once the estimated reset has passed, the whole quota is back (less what is in flight). */
  function rollWindow(at: number) {
    if (at < resetAt + resetMarginMs) return
    const passed = Math.floor((at - resetAt) / windowMs) + 1
    resetAt += passed * windowMs
    // A 429 can arrive before any quota header did; then restart as cautiously as at first.
    left = quota > 0 ? quota : initialConcurrency
    // Requests still in flight may land in the new window, so count them in it.
    leftSeq = issued - inFlight
  }

  function available(): number {
    return left - (issued - leftSeq) - reserveFor()
  }

  /** 0: send now; a number: check again after that many ms; Infinity: wait for an answer. */
  function nextDelay(at: number): number {
    if (at < blockedUntil) return blockedUntil - at
    if (!known) return inFlight < Math.floor(blindLimit) ? 0 : Number.POSITIVE_INFINITY
    if (inFlight >= maxConcurrency) return Number.POSITIVE_INFINITY
    rollWindow(at)
    const room = available()
    if (room <= 0) return Math.max(1, resetAt + resetMarginMs - at)
    // Spread what is left evenly over what remains of the window.
    const interval = Math.max(0, resetAt - at) / room
    return Math.max(0, lastStartAt + interval - at)
  }

  function observe(observation: RateObservation, seq: number, wasThrottled: boolean) {
    const at = now()
    if (observation.windowMs !== undefined) windowMs = observation.windowMs
    if (observation.quota !== undefined) quota = observation.quota
    else quota = Math.max(quota, observation.left)
    const observedResetAt = at + observation.resetMs
    if (!known || wasThrottled) {
      known = true
      left = wasThrottled ? 0 : observation.left
      leftSeq = seq
      resetAt = observedResetAt
      return
    }
    if (observedResetAt > resetAt + windowMs / 2) {
      // A later window than the one we were tracking.
      left = observation.left
      leftSeq = seq
      resetAt = observedResetAt
    } else if (observedResetAt >= resetAt - windowMs / 2 && seq > leftSeq) {
      left = observation.left
      leftSeq = seq
      // Every estimate is at or after the true reset (the answer took time to arrive): keep the
      // earliest, which is the closest.
      resetAt = Math.min(resetAt, observedResetAt)
    }
    // Otherwise the answer is older news than what we already know (or from a past window).
  }

  function start(waiter: Waiter) {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort)
    issued += 1
    inFlight += 1
    lastStartAt = now()
    const seq = issued
    let released = false
    waiter.resolve({
      seq,
      release(outcome = {}) {
        if (released) return
        released = true
        inFlight -= 1
        if (outcome.throttled) {
          throttled += 1
          blindLimit = Math.max(1, blindLimit / 2)
          if (!outcome.observation) {
            // A 429 without headers means the platform is under load: back off, growing.
            const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** headerless429s)
            headerless429s += 1
            blockedUntil = Math.max(blockedUntil, now() + delay * (0.75 + Math.random() * 0.5))
          }
        } else {
          headerless429s = 0
          if (!outcome.observation && outcome.answered) {
            blindLimit = Math.min(maxConcurrency, blindLimit + 1 / Math.floor(blindLimit))
          }
        }
        if (outcome.observation) observe(outcome.observation, seq, outcome.throttled === true)
        pump()
      },
    })
  }

  function pump() {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    while (waiters.length > 0) {
      const delay = nextDelay(now())
      if (delay <= 0) {
        const waiter = waiters.shift()
        if (waiter) start(waiter)
        continue
      }
      if (delay !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(() => {
          timer = undefined
          pump()
        }, Math.ceil(delay))
      }
      return
    }
  }

  return {
    acquire(signal) {
      return new Promise<RateTicket>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason)
          return
        }
        const waiter: Waiter = { resolve, reject, signal, onAbort: undefined }
        if (signal) {
          waiter.onAbort = () => {
            const index = waiters.indexOf(waiter)
            if (index >= 0) waiters.splice(index, 1)
            reject(signal.reason)
          }
          signal.addEventListener('abort', waiter.onAbort, { once: true })
        }
        waiters.push(waiter)
        pump()
      })
    },
    snapshot() {
      return {
        known,
        quota: known ? quota : null,
        windowMs: known ? windowMs : null,
        available: known ? available() : null,
        inFlight,
        issued,
        throttled,
      }
    },
  }
}

const sharedPacers = new Map<string, RatePacer>()

/**
 * The pacer for one store, shared by every client in this process (and so by the sweeps and the
 * webhook worker), because the quota belongs to the store, not to a client. Options apply only
 * when the pacer is first made.
 */
export function getSharedPacer(key: string, options?: RatePacerOptions): RatePacer {
  let pacer = sharedPacers.get(key)
  if (!pacer) {
    pacer = createRatePacer(options)
    sharedPacers.set(key, pacer)
  }
  return pacer
}
