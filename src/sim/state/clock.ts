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
  /** Run this many ms ahead of real time (negative: behind) while not frozen. */
  setOffset(ms: number): void
}

export function createSimClock(start?: Date | number, offsetMs = 0): SimClock {
  let frozen: number | null = start === undefined ? null : Number(start)
  let offset = offsetMs
  return {
    now: () => frozen ?? Date.now() + offset,
    set(at) {
      frozen = Number(at)
    },
    advance(ms) {
      frozen = (frozen ?? Date.now() + offset) + ms
    },
    useRealTime() {
      frozen = null
    },
    setOffset(ms) {
      offset = ms
    },
  }
}
