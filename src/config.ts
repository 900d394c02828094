// Settings: the one place that interprets the environment. Hosts pass in a plain key/value map
// (process.env merged with .env on Node, the bindings on Workers) and get back a typed Config, or
// a ConfigError that names every problem at once. Secret values never appear in messages.
import { z } from 'zod'

export interface Config {
  storeHash: string
  accessToken: string
  clientId?: string
  clientSecret?: string
  /** Where replication starts (UTC midnight); undefined means everything. */
  startDate?: Date
  apiUrl: string
  databaseUrl?: string
  dataDir: string
  webhookSecret?: string
  /** Opens `GET /status` and `GET /metrics` to `Authorization: Bearer <token>`; unset, both are off. */
  statusToken?: string
  /** While `serve` runs on the embedded database, it also answers PostgreSQL's protocol here (127.0.0.1). */
  pglitePort?: number
  port: number
  schedule: ScheduleConfig
}

/** Minutes between scheduled jobs of `serve`; 0 turns a job off. */
export interface ScheduleConfig {
  incrementalMinutes: number
  couponsMinutes: number
  fullMinutes: number
  hooksMinutes: number
}

/** What the calling command needs beyond the database settings. */
export interface ConfigNeeds {
  /** BigCommerce store hash and token (every command that talks to, or about, a store). */
  store?: boolean
  /** WEBHOOK_SECRET (serve, webhooks ensure). */
  webhookSecret?: boolean
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet them in the environment or in a .env file in the working directory.',
    )
    this.name = 'ConfigError'
  }
}

export type Env = Record<string, string | undefined>

const SECRET_NAMES = new Set([
  'BIGCOMMERCE_ACCESS_TOKEN',
  'BIGCOMMERCE_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'STATUS_TOKEN',
])

/** Parses a start date given as MM/DD/YYYY (Stitch's form) or YYYY-MM-DD; null when invalid. */
export function parseStartDate(text: string): Date | null {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text)
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const parts = us ? [us[3], us[1], us[2]] : iso ? [iso[1], iso[2], iso[3]] : null
  if (!parts) return null
  const [year, month, day] = parts.map(Number) as [number, number, number]
  const date = new Date(Date.UTC(year, month - 1, day))
  // Date.UTC rolls 2024-02-30 over to March 1st; a real date survives the round trip.
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  return real ? date : null
}

const DATE_HINT = 'Expected MM/DD/YYYY or YYYY-MM-DD, e.g. 01/31/2024 or 2024-01-31'

function describeValue(name: string, value: string): string {
  if (SECRET_NAMES.has(name)) return ''
  // A connection URL's shape is too varied to trust a mask with: show only its scheme.
  if (name === 'DATABASE_URL') {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(value)?.[0]
    return scheme ? ` (got a URL starting "${scheme}")` : ' (got something that is not a URL)'
  }
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value
  return ` (got "${redactUrl(shown)}")`
}

/** Query parameters that carry a secret in connection URLs (libpq, JDBC, and the like). */
const SECRET_PARAM =
  /([?&;](?:password|passwd|pwd|pass|sslpassword|sslkey|secret|token|access_token|api_key|apikey)=)[^&;\s"']*/gi

const KNOWN_SCHEMES =
  'postgres|postgresql|pgsql|jdbc|mysql|mariadb|sqlserver|oracle|mongodb|mongodb\\+srv|redis|rediss|amqps?|https?|tcp'

/** Hides the password in a `user:password@` part: everything from the first colon to the last @. */
function redactUserInfo(token: string): string {
  const at = token.lastIndexOf('@')
  if (at < 0) return token
  const before = token.slice(0, at)
  // Skip what the text put before the URL (a quote, a bracket), then known schemes followed by
  // slashes (`postgres://`, `postgres:/`, `jdbc:postgresql://`). Only those: in `postgres:pw@host`
  // or `user:pw:/x@host` the first word is the user, and the password starts right after it.
  const lead = new RegExp(`^[^a-z0-9]*(?:(?:(?:${KNOWN_SCHEMES}):)+(?=/))?/*`, 'i').exec(before)?.[0] ?? ''
  const userInfo = before.slice(lead.length)
  const colon = userInfo.indexOf(':')
  if (colon < 0) return token
  return `${lead}${userInfo.slice(0, colon)}:***${token.slice(at)}`
}

/**
 * Hides passwords in every connection URL in `text`, whatever its shape: `user:pw@` (a password
 * holding `@`, `/` or `:` included; with `//`, `/` or no slashes after the scheme) and secret
 * query parameters (`?password=`, JDBC's `;password=`). Errs on the side of hiding too much.
 */
export function redactUrl(text: string): string {
  return text
    // Quotes end a token too: JSON log lines have no spaces between their fields.
    .split(/([\s"'`]+)/)
    .map((token) => redactUserInfo(token.replace(SECRET_PARAM, '$1***')))
    .join('')
}

/**
 * The last line of defence for anything printed: every configured secret (tokens, the database
 * password, raw and percent-decoded) is replaced by ***, and connection URLs are redacted.
 */
export function maskSecrets(text: string, env: Env): string {
  const secrets = [...SECRET_NAMES].map((name) => env[name])
  const databaseUrl = env.DATABASE_URL
  if (databaseUrl) secrets.push(...passwordsInUrl(databaseUrl))
  // Longest first, so a secret that contains another is hidden whole. Very short values would
  // mask ordinary words.
  const masks = secrets
    .filter((s): s is string => !!s && s.length >= 4)
    .sort((a, b) => b.length - a.length)
  let masked = text
  for (const secret of masks) masked = masked.split(secret).join('***')
  return redactUrl(masked)
}

/** The passwords a connection URL may carry, raw and percent-decoded, for exact-match masking. */
export function passwordsInUrl(url: string): string[] {
  const found: string[] = []
  const userInfo = /^[a-z][a-z0-9+.-]*:\/*(.*)@/is.exec(url)?.[1]
  const colon = userInfo?.indexOf(':') ?? -1
  if (userInfo && colon >= 0) found.push(userInfo.slice(colon + 1))
  for (const match of url.matchAll(/[?&;](?:password|sslpassword)=([^&;]*)/gi)) {
    found.push(match[1] ?? '')
  }
  for (const value of [...found]) {
    try {
      found.push(decodeURIComponent(value))
    } catch {
      // not percent-encoded
    }
  }
  return found
}

/** An optional whole number in [min, max]; `fallback` when unset or empty. */
const wholeNumber = (name: string, fallback: number, min: number, max: number, meaning: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      const n = Number(v)
      if (Number.isInteger(n) && n >= min && n <= max) return n
      ctx.addIssue({ code: 'custom', message: `${name} must be ${meaning} from ${min} to ${max}, e.g. ${name}=${fallback}` })
      return z.NEVER
    })

const minutes = (name: string, fallback: number) =>
  wholeNumber(name, fallback, 0, 10_080, 'whole minutes (0 turns the job off)')

function buildSchema(needs: ConfigNeeds, now: Date) {
  const required = (name: string, example: string) =>
    z
      .string({ message: `${name} is missing. Expected ${example}` })
      .trim()
      .min(1, { message: `${name} is empty. Expected ${example}` })
  const optional = z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))

  return z.object({
    BIGCOMMERCE_STORE_HASH: needs.store
      ? required(
          'BIGCOMMERCE_STORE_HASH',
          'the part between stores/ and /v3/ in your API path, e.g. BIGCOMMERCE_STORE_HASH=abc123xyz',
        ).regex(/^[a-z0-9]{1,64}$/i, {
          message:
            'BIGCOMMERCE_STORE_HASH must be letters and digits only (the part between stores/ and /v3/ in your API path), e.g. abc123xyz',
        })
      : optional,
    BIGCOMMERCE_ACCESS_TOKEN: needs.store
      ? required(
          'BIGCOMMERCE_ACCESS_TOKEN',
          "the store-level API account's access token (sent as X-Auth-Token)",
        )
      : optional,
    BIGCOMMERCE_CLIENT_ID: optional,
    BIGCOMMERCE_CLIENT_SECRET: optional,
    BIGCOMMERCE_START_DATE: optional.pipe(
      z
        .string()
        .optional()
        .transform((v, ctx) => {
          if (v === undefined) return undefined
          const date = parseStartDate(v)
          if (!date) {
            ctx.addIssue({ code: 'custom', message: `BIGCOMMERCE_START_DATE is not a real date. ${DATE_HINT}` })
            return z.NEVER
          }
          if (date.getTime() > now.getTime()) {
            ctx.addIssue({
              code: 'custom',
              message: `BIGCOMMERCE_START_DATE is in the future. Expected a past date, e.g. 01/31/2024`,
            })
            return z.NEVER
          }
          return date
        }),
    ),
    BIGCOMMERCE_API_URL: optional.pipe(
      z
        .string()
        .optional()
        .transform((v) => (v ?? 'https://api.bigcommerce.com').replace(/\/+$/, ''))
        .pipe(
          z.url({
            protocol: /^https?$/,
            message:
              'BIGCOMMERCE_API_URL must be an http(s) URL without the /stores/... path, e.g. https://api.bigcommerce.com',
          }),
        ),
    ),
    DATABASE_URL: optional.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\/.+/, {
          message:
            'DATABASE_URL must be a postgres:// URL, e.g. postgres://user:password@localhost:5432/mirror (or unset it to use the embedded database)',
        })
        .optional(),
    ),
    DATA_DIR: optional.transform((v) => v ?? './data'),
    WEBHOOK_SECRET: needs.webhookSecret
      ? required(
          'WEBHOOK_SECRET',
          'a long random string that BigCommerce sends back in X-Webhook-Secret, e.g. the output of `openssl rand -hex 32`',
        ).min(16, { message: 'WEBHOOK_SECRET is too short. Expected at least 16 characters, e.g. the output of `openssl rand -hex 32`' })
      : optional,
    STATUS_TOKEN: optional.pipe(
      z
        .string()
        .min(16, { message: 'STATUS_TOKEN is too short. Expected at least 16 characters, e.g. the output of `openssl rand -hex 32` (or unset it to keep /status and /metrics off)' })
        .optional(),
    ),
    PORT: wholeNumber('PORT', 3000, 1, 65_535, 'a whole number'),
    PGLITE_PORT: optional.pipe(
      z
        .string()
        .optional()
        .transform((v, ctx) => {
          if (v === undefined) return undefined
          const n = Number(v)
          if (Number.isInteger(n) && n >= 1 && n <= 65_535) return n
          ctx.addIssue({ code: 'custom', message: 'PGLITE_PORT must be a whole number from 1 to 65535, e.g. PGLITE_PORT=5433 (or unset it)' })
          return z.NEVER
        }),
    ),
    SYNC_INTERVAL_MINUTES: minutes('SYNC_INTERVAL_MINUTES', 15),
    COUPONS_INTERVAL_MINUTES: minutes('COUPONS_INTERVAL_MINUTES', 60),
    FULL_SYNC_INTERVAL_MINUTES: minutes('FULL_SYNC_INTERVAL_MINUTES', 1440),
    HOOKS_CHECK_INTERVAL_MINUTES: minutes('HOOKS_CHECK_INTERVAL_MINUTES', 60),
  })
}

/** Validates the settings; throws one ConfigError naming every problem. */
export function parseConfig(env: Env, needs: ConfigNeeds = {}, now = new Date()): Config {
  const result = buildSchema(needs, now).safeParse(env)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '')
      // zod's own messages (wrong type, not a number) get the variable's name in front.
      const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`
      const value = env[name]
      return value === undefined ? message : message + describeValue(name, value)
    })
    throw new ConfigError(problems)
  }
  const v = result.data
  return {
    storeHash: v.BIGCOMMERCE_STORE_HASH ?? '',
    accessToken: v.BIGCOMMERCE_ACCESS_TOKEN ?? '',
    clientId: v.BIGCOMMERCE_CLIENT_ID,
    clientSecret: v.BIGCOMMERCE_CLIENT_SECRET,
    startDate: v.BIGCOMMERCE_START_DATE,
    apiUrl: v.BIGCOMMERCE_API_URL,
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR,
    webhookSecret: v.WEBHOOK_SECRET,
    statusToken: v.STATUS_TOKEN,
    pglitePort: v.PGLITE_PORT,
    port: v.PORT,
    schedule: {
      incrementalMinutes: v.SYNC_INTERVAL_MINUTES,
      couponsMinutes: v.COUPONS_INTERVAL_MINUTES,
      fullMinutes: v.FULL_SYNC_INTERVAL_MINUTES,
      hooksMinutes: v.HOOKS_CHECK_INTERVAL_MINUTES,
    },
  }
}
