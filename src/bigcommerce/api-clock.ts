// The API's clock, as the Date header of its answers shows it. A store's clock may be minutes
// off this machine's, and every date_modified is written on the store's clock, so sweep windows
// are cut on this one (docs/bigcommerce-api.md "Clocks, date bounds and ordering").

export interface ApiClock {
  /** Notes an answer's Date header, received at `receivedAt` (this machine's milliseconds). */
  observe(dateHeader: string | null, receivedAt: number): void
  /**
   * How far the API's clock is ahead of this machine's (negative: behind), in milliseconds, from
   * the latest dated answer; null before any. An underestimate by up to a second plus the answer's
   * transit: the header has whole seconds, written before the answer travelled.
   */
  offsetMs(): number | null
}

export function createApiClock(): ApiClock {
  let offset: number | null = null
  return {
    observe(dateHeader, receivedAt) {
      if (!dateHeader) return
      const dated = Date.parse(dateHeader)
      if (!Number.isNaN(dated)) offset = dated - receivedAt
    },
    offsetMs: () => offset,
  }
}

/**
 * The clock as one run reads it: the first offset known, kept while later answers move the
 * underlying clock, so that every table of the run cuts its window at the same moment.
 */
export function settledApiClock(clock: ApiClock): ApiClock {
  let settled: number | null = null
  return {
    observe: (dateHeader, receivedAt) => clock.observe(dateHeader, receivedAt),
    offsetMs() {
      settled ??= clock.offsetMs()
      return settled
    },
  }
}

/** A moment of this machine's clock on the API's clock (unchanged while the offset is unknown). */
export function onApiClock(clock: ApiClock, local: Date): Date {
  return new Date(local.getTime() + (clock.offsetMs() ?? 0))
}
