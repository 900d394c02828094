// Hiding secrets in text: connection URLs lose their passwords, and a known secret is replaced
// wherever it appears. The settings (config/redact.ts) and the logger (util/log.ts) both use it.

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
  const lead =
    new RegExp(`^[^a-z0-9]*(?:(?:(?:${KNOWN_SCHEMES}):)+(?=/))?/*`, 'i').exec(before)?.[0] ?? ''
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
  return (
    text
      // Quotes end a token too: JSON log lines have no spaces between their fields.
      .split(/([\s"'`]+)/)
      .map((token) => redactUserInfo(token.replace(SECRET_PARAM, '$1***')))
      .join('')
  )
}

/** From this length even a secret of letters only is not an ordinary word. */
const HIDDEN_ANYWHERE_LENGTH = 16
/** What stands before a value: a separator, a quote, an opening bracket, or `Bearer `. */
const VALUE_BEFORE = '(^|[=:"\'`/@,;(\\[{<]|: |Bearer )'
/** What may follow a value: the end, a closing quote or bracket, a separator, a space. */
const VALUE_AFTER = '(?=$|["\'`@&;,)\\]}>/\\s])'

/**
 * Replaces `secret` with *** in `text`: everywhere, unless it could be a word (letters only,
 * shorter than 16): such a one (a password "wrong") only where it stands as a value
 * (`password=wrong`, `:wrong@`, `"wrong"`), so that "is wrong" stays a sentence.
 */
export function replaceSecret(text: string, secret: string): string {
  const mayBeAWord = /^\p{L}+$/u.test(secret) && secret.length < HIDDEN_ANYWHERE_LENGTH
  if (!mayBeAWord) return text.split(secret).join('***')
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return text.replace(new RegExp(`${VALUE_BEFORE}${escaped}${VALUE_AFTER}`, 'g'), '$1***')
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
