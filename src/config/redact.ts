// Keeping secrets out of output: configured secrets are masked wherever they appear, connection
// URLs lose their passwords, and a rejected setting is described without its secret value.
import { passwordsInUrl, redactUrl, replaceSecret } from '../util/redact.ts'
import type { Env } from './types.ts'

export { passwordsInUrl, redactUrl, replaceSecret }

export const SECRET_NAMES = new Set([
  'BIGCOMMERCE_ACCESS_TOKEN',
  'BIGCOMMERCE_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'STATUS_TOKEN',
  'TOKEN_ENCRYPTION_KEY',
])

/** The rejected value, as far as it is safe to show: nothing of a secret, a URL's scheme only. */
export function describeValue(name: string, value: string): string {
  if (SECRET_NAMES.has(name)) return ''
  // A connection URL's shape is too varied to trust a mask with: show only its scheme.
  if (name === 'DATABASE_URL') {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(value)?.[0]
    return scheme ? ` (got a URL starting "${scheme}")` : ' (got something that is not a URL)'
  }
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value
  return ` (got "${redactUrl(shown)}")`
}

/**
 * The last line of defence for anything printed: every configured secret (tokens, the database
 * password, raw and percent-decoded) is replaced by ***, and connection URLs are redacted.
 */
export function maskSecrets(text: string, env: Env): string {
  // A key list (TOKEN_ENCRYPTION_KEY's `new,old`) is hidden whole and key by key.
  const secrets = [...SECRET_NAMES].flatMap((name) => [env[name], ...(env[name]?.split(',') ?? [])])
  const databaseUrl = env.DATABASE_URL
  if (databaseUrl) secrets.push(...passwordsInUrl(databaseUrl))
  // Longest first, so a secret that contains another is hidden whole. Very short values would
  // mask ordinary words.
  const masks = secrets
    .filter((s): s is string => !!s && s.length >= 4)
    .sort((a, b) => b.length - a.length)
  let masked = text
  for (const secret of masks) masked = replaceSecret(masked, secret)
  return redactUrl(masked)
}
