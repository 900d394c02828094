// BigCommerce dates: v2 speaks RFC 2822 (`Tue, 20 Nov 2012 00:00:00 +0000`), v3 speaks ISO 8601
// (`2018-08-15T14:49:05+00:00`, `2018-11-13T21:42:06Z`). Both parse here to exact instants with a
// strict grammar rather than `Date.parse`, whose handling of non-ISO strings varies by runtime and
// which accepts garbage that would otherwise end up as a wrong timestamp in the database.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

// `[Day,] D Mon YYYY HH:MM[:SS] [zone]`
const RFC_2822 = new RegExp(
  '^\\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\\s*)?(\\d{1,2})\\s+' +
    '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\s+(\\d{4})\\s+' +
    '(\\d{2}):(\\d{2})(?::(\\d{2}))?\\s*([+-]\\d{4}|GMT|UTC|UT|Z)?\\s*$',
  'i',
)
// `YYYY-MM-DD[THH:MM[:SS[.fff]][zone]]`
const ISO_8601 = new RegExp(
  '^\\s*(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?' +
    '\\s*(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2})?)?\\s*$',
  'i',
)

/** Offset in minutes east of UTC, from `+0000`, `-04:00`, `+05`, `Z`, `GMT`; absent means UTC. */
function parseOffset(zone: string | undefined): number {
  if (zone === undefined || /^(Z|GMT|UTC|UT)$/i.test(zone)) return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  return sign * (hours * 60 + minutes)
}

function buildInstant(
  parts: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  millis: number,
  offsetMinutes: number,
  original: string,
): Date {
  const { year, month, day, hour, minute, second } = parts
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  // Date.UTC rolls 31 Feb into March; reject instead, since that means the input is not a date.
  const check = new Date(Date.UTC(year, month - 1, day))
  if (
    check.getUTCDate() !== day ||
    check.getUTCMonth() !== month - 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    throw new RangeError(`Not a valid BigCommerce date: ${JSON.stringify(original)}`)
  }
  return new Date(utc - offsetMinutes * 60_000)
}

/**
 * Parse a BigCommerce date (RFC 2822 with any offset, or ISO 8601) to the exact instant.
 * ISO values without an offset are taken as UTC, which is how BigCommerce states its times.
 * Throws RangeError for anything else, including the empty string (see `parseBcDateOrNull`).
 */
export function parseBcDate(value: string): Date {
  const rfc = RFC_2822.exec(value)
  if (rfc) {
    const [, day, mon, year, hour, minute, second, zone] = rfc
    const month = MONTHS.findIndex((m) => m.toLowerCase() === String(mon).toLowerCase()) + 1
    return buildInstant(
      {
        year: Number(year),
        month,
        day: Number(day),
        hour: Number(hour),
        minute: Number(minute),
        second: Number(second ?? 0),
      },
      0,
      parseOffset(zone),
      value,
    )
  }
  const iso = ISO_8601.exec(value)
  if (iso) {
    const [, year, month, day, hour, minute, second, fraction, zone] = iso
    const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000)
    return buildInstant(
      {
        year: Number(year),
        month: Number(month),
        day: Number(day),
        hour: Number(hour ?? 0),
        minute: Number(minute ?? 0),
        second: Number(second ?? 0),
      },
      millis,
      parseOffset(zone),
      value,
    )
  }
  throw new RangeError(`Not a valid BigCommerce date: ${JSON.stringify(value)}`)
}

/** Like `parseBcDate`, but null, undefined and `""` (v2 for "not set") give null. */
export function parseBcDateOrNull(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value !== 'string') throw new RangeError(`Not a BigCommerce date: ${String(value)}`)
  return parseBcDate(value)
}

const pad = (n: number) => String(n).padStart(2, '0')

/** RFC 2822 in UTC (`Tue, 20 Nov 2012 00:00:00 +0000`): what v2 returns and accepts in filters. */
export function formatV2Date(date: Date): string {
  const d = date
  return (
    `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
    `${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:` +
    `${pad(d.getUTCSeconds())} +0000`
  )
}

/**
 * A full ISO 8601 timestamp in UTC to whole seconds (`2025-01-15T00:03:17Z`) for v3 filters.
 * Never a bare date: v3 fills a missing time with the current time of day. Seconds are truncated
 * because BigCommerce stores whole seconds; flooring keeps `:min` bounds inclusive of that second.
 */
export function formatV3Date(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
