// The settings schema, one group per concern (the store, storage, the server, the schedule). Every
// message names the variable and shows an example, so one run lists every fix needed.
import { z } from 'zod'
import { tokenKeyProblem } from '../stores/token-crypto.ts'
import { databaseUrlProblem } from './database-url.ts'
import type { ConfigNeeds } from './types.ts'

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

/** An optional whole number in [min, max]; `fallback` when unset or empty. */
const wholeNumber = (name: string, fallback: number, min: number, max: number, meaning: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      const n = Number(v)
      if (Number.isInteger(n) && n >= min && n <= max) return n
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be ${meaning} from ${min} to ${max}, e.g. ${name}=${fallback}`,
      })
      return z.NEVER
    })

/** The shortest interval a scheduled job may have (6 s): short runs for tests and demonstrations. */
const LEAST_INTERVAL_MINUTES = 0.1

/** Minutes between runs of a scheduled job, fractions allowed (0.5 is 30 s); 0 turns the job off. */
const minutes = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      const n = Number(v)
      if (n === 0 || (n >= LEAST_INTERVAL_MINUTES && n <= 10_080)) return n
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be minutes from ${LEAST_INTERVAL_MINUTES} to 10080 (fractions allowed: 0.5 is 30 s), or 0 to turn the job off, e.g. ${name}=${fallback}`,
      })
      return z.NEVER
    })

/** A setting that must be present and not blank; the message says what to put there. */
const required = (name: string, example: string) =>
  z
    .string({ message: `${name} is missing. Expected ${example}` })
    .trim()
    .min(1, { message: `${name} is empty. Expected ${example}` })

/** A trimmed setting where blank means unset. */
const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))

/** A past date in either accepted form; unset means everything. */
function startDateField(now: Date) {
  return optional.pipe(
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined
        const date = parseStartDate(v)
        if (!date) {
          ctx.addIssue({
            code: 'custom',
            message: `BIGCOMMERCE_START_DATE is not a real date. ${DATE_HINT}`,
          })
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
  )
}

function apiUrlField() {
  return baseUrlField(
    'https://api.bigcommerce.com',
    'BIGCOMMERCE_API_URL must be an http(s) URL without the /stores/... path, e.g. https://api.bigcommerce.com',
  )
}

/** An http(s) base URL without its trailing slash; `fallback` when unset. */
function baseUrlField(fallback: string, message: string) {
  return optional.pipe(
    z
      .string()
      .optional()
      .transform((v) => (v ?? fallback).replace(/\/+$/, ''))
      .pipe(z.url({ protocol: /^https?$/, message })),
  )
}

/** App mode's settings: where BigCommerce reaches the mirror, and where codes are exchanged. */
function appFields() {
  return {
    PUBLIC_URL: optional.pipe(
      z
        .string()
        .optional()
        .transform((v) => v?.replace(/\/+$/, ''))
        .pipe(
          z
            .url({
              protocol: /^https?$/,
              message:
                'PUBLIC_URL must be the https base URL where BigCommerce reaches this server, e.g. https://mirror.example.com',
            })
            .optional(),
        ),
    ),
    BIGCOMMERCE_LOGIN_URL: baseUrlField(
      'https://login.bigcommerce.com',
      'BIGCOMMERCE_LOGIN_URL must be an http(s) URL, e.g. https://login.bigcommerce.com',
    ),
  }
}

const STORE_HASH = /^[a-z0-9]{1,64}$/i
const STORE_HASH_MESSAGE =
  'BIGCOMMERCE_STORE_HASH must be letters and digits only (the part between stores/ and /v3/ in your API path), e.g. abc123xyz'

/** The store and how to reach its API. */
function storeFields(needs: ConfigNeeds, now: Date) {
  return {
    BIGCOMMERCE_STORE_HASH: needs.store
      ? required(
          'BIGCOMMERCE_STORE_HASH',
          'the part between stores/ and /v3/ in your API path, e.g. BIGCOMMERCE_STORE_HASH=abc123xyz',
        ).regex(STORE_HASH, { message: STORE_HASH_MESSAGE })
      : // Optional when stores are registered in the database, but never malformed.
        optional.pipe(z.string().regex(STORE_HASH, { message: STORE_HASH_MESSAGE }).optional()),
    BIGCOMMERCE_ACCESS_TOKEN: needs.store
      ? required(
          'BIGCOMMERCE_ACCESS_TOKEN',
          "the store-level API account's access token (sent as X-Auth-Token)",
        )
      : optional,
    BIGCOMMERCE_CLIENT_ID: optional,
    BIGCOMMERCE_CLIENT_SECRET: optional,
    BIGCOMMERCE_START_DATE: startDateField(now),
    BIGCOMMERCE_API_URL: apiUrlField(),
    // Short waits let tests and demonstrations live through an outage in seconds.
    API_RETRY_BASE_MS: wholeNumber('API_RETRY_BASE_MS', 1000, 10, 60_000, 'milliseconds'),
  }
}

/** Where the mirror is kept: PostgreSQL, or the embedded database in DATA_DIR. */
function storageFields() {
  return {
    DATABASE_URL: optional.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\/.+/, {
          message:
            'DATABASE_URL must be a postgres:// URL, e.g. postgres://user:password@localhost:5432/mirror (or unset it to use the embedded database)',
        })
        .superRefine((url, ctx) => {
          const problem = databaseUrlProblem(url)
          if (problem) ctx.addIssue({ code: 'custom', message: problem })
        })
        .optional(),
    ),
    DATA_DIR: optional.transform((v) => v ?? './data'),
    // Checked for its shape here; needed only once a token is stored in the database.
    TOKEN_ENCRYPTION_KEY: optional.superRefine((key, ctx) => {
      const problem = key === undefined ? undefined : tokenKeyProblem(key)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    }),
  }
}

/** What `serve` listens on and checks. */
function serverFields(needs: ConfigNeeds) {
  return {
    WEBHOOK_SECRET: needs.webhookSecret
      ? required(
          'WEBHOOK_SECRET',
          'a long random string that BigCommerce sends back in X-Webhook-Secret, e.g. the output of `openssl rand -hex 32`',
        ).min(16, {
          message:
            'WEBHOOK_SECRET is too short. Expected at least 16 characters, e.g. the output of `openssl rand -hex 32`',
        })
      : optional,
    STATUS_TOKEN: optional.pipe(
      z
        .string()
        .min(16, {
          message:
            'STATUS_TOKEN is too short. Expected at least 16 characters, e.g. the output of `openssl rand -hex 32` (or unset it to keep /status and /metrics off)',
        })
        .optional(),
    ),
    HOST: hostField(),
    PORT: wholeNumber('PORT', 3000, 1, 65_535, 'a whole number'),
    PGLITE_PORT: optional.pipe(
      z
        .string()
        .optional()
        .transform((v, ctx) => {
          if (v === undefined) return undefined
          const n = Number(v)
          if (Number.isInteger(n) && n >= 1 && n <= 65_535) return n
          ctx.addIssue({
            code: 'custom',
            message:
              'PGLITE_PORT must be a whole number from 1 to 65535, e.g. PGLITE_PORT=5433 (or unset it)',
          })
          return z.NEVER
        }),
    ),
    PGLITE_IDLE_TIMEOUT_SECONDS: wholeNumber(
      'PGLITE_IDLE_TIMEOUT_SECONDS',
      30,
      1,
      3600,
      'whole seconds',
    ),
  }
}

/**
 * The address `serve` listens on. Default 127.0.0.1: this machine only (a local TLS proxy reaches
 * it); 0.0.0.0 or :: for every interface (a container, a load balancer on another machine).
 */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i

function hostField() {
  return optional.pipe(
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return '127.0.0.1'
        // An IPv4 or IPv6 address (brackets dropped), or a host name of this machine.
        const host = v.replace(/^\[(.*)\]$/, '$1')
        if (/^[0-9a-f:.]+$/i.test(host) && host.includes(':')) return host
        if (HOST_NAME.test(host)) return host
        ctx.addIssue({
          code: 'custom',
          message:
            'HOST must be an address or host name of this machine, e.g. HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface)',
        })
        return z.NEVER
      }),
  )
}

function scheduleFields() {
  return {
    SYNC_INTERVAL_MINUTES: minutes('SYNC_INTERVAL_MINUTES', 15),
    COUPONS_INTERVAL_MINUTES: minutes('COUPONS_INTERVAL_MINUTES', 60),
    FULL_SYNC_INTERVAL_MINUTES: minutes('FULL_SYNC_INTERVAL_MINUTES', 1440),
    HOOKS_CHECK_INTERVAL_MINUTES: minutes('HOOKS_CHECK_INTERVAL_MINUTES', 60),
  }
}

export function buildSchema(needs: ConfigNeeds, now: Date) {
  return z.object({
    ...storeFields(needs, now),
    ...storageFields(),
    ...serverFields(needs),
    ...appFields(),
    ...scheduleFields(),
  })
}
