// The simulated store's clock, which tests can freeze and advance: BigCommerce timestamps have
// whole seconds, so tests need same-second ties on demand.

export interface SimClock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Freeze the clock at this instant. */
  set(at: Date | number): void
  /** Move a frozen clock forward (or freeze it at real time + ms). */
  advance(ms: number): void
  useRealTime(): void
}

export function createSimClock(start?: Date | number): SimClock {
  let frozen: number | null = start === undefined ? null : Number(start)
  return {
    now: () => frozen ?? Date.now(),
    set(at) {
      frozen = Number(at)
    },
    advance(ms) {
      frozen = (frozen ?? Date.now()) + ms
    },
    useRealTime() {
      frozen = null
    },
  }
}
