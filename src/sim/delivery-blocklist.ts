// BigCommerce's domain blocklist, as the simulated store applies it (docs/bigcommerce-api.md,
// "Webhooks: scopes, hook creation and deliveries"): per client id and destination domain, once
// 100 requests fall in a sliding 2-minute window and fewer than 90% of them succeeded, the domain
// gets no delivery for 3 minutes. Durations are BigCommerce's, multiplied by the time scale.

const WINDOW_SECONDS = 120
const BLOCK_SECONDS = 180
const MIN_REQUESTS = 100
const MIN_SUCCESS = 0.9

interface Attempt {
  at: number
  ok: boolean
  failure: string | null
}

interface DomainState {
  destination: string
  attempts: Attempt[]
  blockedUntil: number
  reasons: Map<string, { count: number; timestamp: number }>
}

/** One entry of `GET /v3/hooks/admin`'s `blocked_domains`. */
export interface BlockedDomain {
  destination: string
  time_left: number
  reasons: Array<{ failure_description: string; count: number; timestamp: number }>
}

export interface BlocklistClock {
  /** Real milliseconds (timers run on real time). */
  now(): number
  /** BigCommerce seconds → real milliseconds (the time scale). */
  realMs(seconds: number): number
  /** The store's clock in Unix seconds, for the reasons' timestamps. */
  storeSeconds(): number
}

const keyOf = (clientId: string, destination: string) =>
  `${clientId} ${URL.canParse(destination) ? new URL(destination).hostname : destination}`

export function createBlocklist(clock: BlocklistClock, enabled: () => boolean) {
  const domains = new Map<string, DomainState>()
  const stateOf = (clientId: string, destination: string) => {
    const key = keyOf(clientId, destination)
    let state = domains.get(key)
    if (!state) {
      const origin = URL.canParse(destination) ? new URL(destination).origin : destination
      state = { destination: origin, attempts: [], blockedUntil: 0, reasons: new Map() }
      domains.set(key, state)
    }
    return state
  }

  function block(state: DomainState) {
    state.blockedUntil = clock.now() + clock.realMs(BLOCK_SECONDS)
    state.reasons.clear()
    for (const a of state.attempts) {
      if (a.failure === null) continue
      const reason = state.reasons.get(a.failure) ?? { count: 0, timestamp: clock.storeSeconds() }
      reason.count += 1
      state.reasons.set(a.failure, reason)
    }
    // Counting starts afresh once the block ends.
    state.attempts = []
  }

  return {
    /** Counts one delivery request; blocks the domain when the window's success falls too low. */
    record(clientId: string, destination: string, ok: boolean, failure: string | null) {
      if (!enabled()) return
      const state = stateOf(clientId, destination)
      const now = clock.now()
      const since = now - clock.realMs(WINDOW_SECONDS)
      state.attempts = state.attempts.filter((a) => a.at > since)
      state.attempts.push({ at: now, ok, failure })
      const succeeded = state.attempts.filter((a) => a.ok).length
      if (state.attempts.length >= MIN_REQUESTS && succeeded / state.attempts.length < MIN_SUCCESS)
        block(state)
    },
    isBlocked(clientId: string, destination: string): boolean {
      return enabled() && stateOf(clientId, destination).blockedUntil > clock.now()
    },
    /** The client's blocked domains now, as `GET /v3/hooks/admin` lists them. */
    list(clientId: string): BlockedDomain[] {
      const now = clock.now()
      return [...domains.entries()]
        .filter(([key, state]) => key.startsWith(`${clientId} `) && state.blockedUntil > now)
        .map(([, state]) => ({
          destination: state.destination,
          time_left: Math.ceil((state.blockedUntil - now) / clock.realMs(1)),
          reasons: [...state.reasons].map(([failure_description, r]) => ({
            failure_description,
            ...r,
          })),
        }))
    },
  }
}

export type Blocklist = ReturnType<typeof createBlocklist>
