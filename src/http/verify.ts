// Authenticating a BigCommerce delivery: the shared secret header, and the Standard Webhooks
// signature when a client secret is configured. Only WebCrypto (`crypto.subtle`, global on Node 20
// and in Workers), so the same code runs on both hosts.
const encoder = new TextEncoder()

/** Signatures older or newer than this are refused (Standard Webhooks' tolerance, against replay). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60

/**
 * A checker for the shared secret, in constant time: the loop always runs over the expected
 * secret's bytes and folds a length difference into the result, so its time depends on neither
 * the candidate's content nor its length, and a wrong length is simply "not equal". Synchronous
 * on purpose: it runs on every delivery, and WebCrypto's async digests cost more than the rest of
 * the request.
 */
export function createSecretChecker(secret: string): (candidate: string) => boolean {
  const expected = encoder.encode(secret)
  return (candidate) => {
    const given = encoder.encode(candidate)
    let difference = expected.length ^ given.length
    for (let i = 0; i < expected.length; i++) difference |= (expected[i] ?? 0) ^ (given[i] ?? 0)
    return difference === 0
  }
}

export interface SignatureHeaders {
  id: string | undefined
  timestamp: string | undefined
  signature: string | undefined
}

export type SignatureVerdict = 'absent' | 'valid' | 'invalid' | 'stale'

/**
 * A host's own synchronous HMAC-SHA256 keyed with `secret` (Node's node:crypto), over `parts` in
 * order (a string as its UTF-8 bytes). Checking a signature with it costs a fraction of WebCrypto's
 * asynchronous verify, which runs on every delivery of an app's stores; taking the parts as they
 * come spares joining the signed text and the body into a copy on each delivery.
 */
export type HmacSha256 = (
  secret: string,
) => (parts: ReadonlyArray<string | Uint8Array>) => Uint8Array

/** Whether two byte strings are equal, in time that depends on their lengths only. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return difference === 0
}

function decodeBase64(text: string): Uint8Array | null {
  try {
    const binary = atob(text)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}

/**
 * A verifier for Standard Webhooks signatures: HMAC-SHA256 keyed with the client secret's UTF-8
 * bytes over `${id}.${timestamp}.${raw body}`, sent as a space-separated list of `v1,<base64>`.
 * 'absent' when the delivery carries none of the three headers (BigCommerce does not sign every
 * hook); a partial set is 'invalid'.
 */
export function createSignatureVerifier(
  clientSecret: string,
  now: () => number = Date.now,
  hmac?: HmacSha256,
): (headers: SignatureHeaders, body: Uint8Array) => Promise<SignatureVerdict> {
  const matches = hmac ? hostMatcher(hmac(clientSecret)) : webCryptoMatcher(clientSecret)
  return async ({ id, timestamp, signature }, body) => {
    if (id === undefined && timestamp === undefined && signature === undefined) return 'absent'
    if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return 'invalid'
    const skew = Math.abs(Math.floor(now() / 1000) - Number(timestamp))
    if (skew > SIGNATURE_TOLERANCE_SECONDS) return 'stale'
    const given = signature.split(' ').flatMap((entry) => {
      const [version, value] = entry.split(',', 2)
      const bytes = version === 'v1' && value ? decodeBase64(value) : null
      return bytes ? [bytes] : []
    })
    if (given.length === 0) return 'invalid'
    return (await matches(`${id}.${timestamp}.`, body, given)) ? 'valid' : 'invalid'
  }
}

/** Whether any of `given` is the HMAC of `prefix` followed by `body`. */
type Matcher = (prefix: string, body: Uint8Array, given: Uint8Array[]) => boolean | Promise<boolean>

function hostMatcher(mac: (parts: ReadonlyArray<string | Uint8Array>) => Uint8Array): Matcher {
  return (prefix, body, given) => {
    const expected = mac([prefix, body])
    return given.some((bytes) => sameBytes(expected, bytes))
  }
}

function webCryptoMatcher(clientSecret: string): Matcher {
  const key = crypto.subtle.importKey(
    'raw',
    encoder.encode(clientSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  return async (prefix, body, given) => {
    const head = encoder.encode(prefix)
    const signed = new Uint8Array(head.length + body.length)
    signed.set(head, 0)
    signed.set(body, head.length)
    // subtle.verify compares in constant time.
    for (const bytes of given)
      if (await crypto.subtle.verify('HMAC', await key, bytes, signed)) return true
    return false
  }
}
