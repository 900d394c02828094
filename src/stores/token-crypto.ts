// Sealing stores' access tokens for the database: AES-256-GCM through WebCrypto, so Node and the
// Cloudflare Worker share it. A sealed token names the key that sealed it (a short fingerprint),
// carries its own random IV, and is bound to its store hash: copied onto another store's row, it
// does not open. TOKEN_ENCRYPTION_KEY holds one key, or two (`new,old`): the first seals, both open.

const VERSION = 'v1'
const KEY_BYTES = 32
const IV_BYTES = 12
const VARIABLE = 'TOKEN_ENCRYPTION_KEY'
const MAKE_ONE = 'make one with `openssl rand -hex 32`'

/** The key setting is missing or malformed: the message says which and what is expected. */
export class TokenKeyError extends Error {
  override readonly name = 'TokenKeyError'
}

/** A sealed token that does not open: a key not in TOKEN_ENCRYPTION_KEY, or an altered value. */
export class SealedTokenError extends Error {
  override readonly name = 'SealedTokenError'
}

/** WebCrypto's key type, named without the DOM library (Node's types lack a global CryptoKey). */
type WebCryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>

export interface TokenKey {
  /** 8 hex characters naming the key in sealed values; not enough to learn anything of it. */
  fingerprint: string
  key: WebCryptoKey
}

/** The keys from TOKEN_ENCRYPTION_KEY: `sealing` seals, every one of `all` opens. */
export interface TokenKeys {
  sealing: TokenKey
  all: TokenKey[]
}

/** One key's 32 bytes from 64 hex characters or base64 (standard or URL-safe); null otherwise. */
export function decodeTokenKey(text: string): Uint8Array | null {
  const value = text.trim()
  if (/^[0-9a-f]{64}$/i.test(value)) {
    return Uint8Array.from(value.match(/../g) ?? [], (pair) => parseInt(pair, 16))
  }
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return null
  const bytes = fromBase64(value)
  return bytes?.length === KEY_BYTES ? bytes : null
}

/**
 * What is wrong with a TOKEN_ENCRYPTION_KEY value, or undefined when it is usable. Never quotes
 * the value: it is a secret.
 */
export function tokenKeyProblem(text: string): string | undefined {
  const parts = text.split(',').map((p) => p.trim())
  if (parts.length > 2) {
    return `${VARIABLE} holds ${parts.length} keys; expected one key, or two separated by a comma (the new key first, the previous one second, while \`bc-mirror stores rekey\` moves tokens to the new one)`
  }
  const which = ['the first key', 'the second key']
  for (const [i, part] of parts.entries()) {
    if (decodeTokenKey(part)) continue
    const what = parts.length === 1 ? 'its key' : which[i]
    return `${VARIABLE}: ${what} is not 32 bytes written as 64 hex characters or as base64 (44 characters); ${MAKE_ONE}`
  }
  return undefined
}

/** Reads TOKEN_ENCRYPTION_KEY; throws a TokenKeyError saying what is missing or malformed. */
export async function importTokenKeys(text: string | undefined): Promise<TokenKeys> {
  if (text === undefined || text.trim() === '') {
    throw new TokenKeyError(
      `${VARIABLE} is not set; it is needed to store or read a store's access token in the database (32 bytes, hex or base64): ${MAKE_ONE}`,
    )
  }
  const problem = tokenKeyProblem(text)
  if (problem) throw new TokenKeyError(problem)
  const all: TokenKey[] = []
  for (const part of text.split(',')) {
    const bytes = decodeTokenKey(part)
    if (!bytes) throw new TokenKeyError(`${VARIABLE}: a key cannot be read; ${MAKE_ONE}`)
    all.push(await importKey(bytes))
  }
  const [sealing] = all
  if (!sealing) throw new TokenKeyError(`${VARIABLE} holds no key; ${MAKE_ONE}`)
  return { sealing, all }
}

async function importKey(bytes: Uint8Array): Promise<TokenKey> {
  const subtle = globalThis.crypto.subtle
  // Domain-separated, so the fingerprint is not a hash anyone else computes over the key.
  const label = new TextEncoder().encode('bc-mirror token key id:')
  const digest = new Uint8Array(await subtle.digest('SHA-256', concat(label, bytes)))
  const fingerprint = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const key = await subtle.importKey('raw', bytes, { name: 'AES-GCM' }, false, [
    'encrypt',
    'decrypt',
  ])
  return { fingerprint, key }
}

/** What binds a sealed token to its store: the GCM additional data. */
const boundTo = (storeHash: string) =>
  new TextEncoder().encode(`bc-mirror ${VERSION} token of stores/${storeHash.toLowerCase()}`)

/** Seals `token` for `storeHash` with the first key: `v1.<fingerprint>.<iv>.<ciphertext>`. */
export async function sealToken(
  keys: TokenKeys,
  storeHash: string,
  token: string,
): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: boundTo(storeHash) },
    keys.sealing.key,
    new TextEncoder().encode(token),
  )
  return [VERSION, keys.sealing.fingerprint, toBase64(iv), toBase64(new Uint8Array(sealed))].join(
    '.',
  )
}

/** The fingerprint of the key that sealed `sealed`, or null when it is not a sealed token. */
export function sealedWith(sealed: string): string | null {
  const [version, fingerprint] = sealed.split('.')
  return version === VERSION && fingerprint && /^[0-9a-f]{8}$/.test(fingerprint)
    ? fingerprint
    : null
}

/** Opens a sealed token of `storeHash`; throws a SealedTokenError saying why it does not open. */
export async function openToken(
  keys: TokenKeys,
  storeHash: string,
  sealed: string,
): Promise<string> {
  const [version, fingerprint, ivText, bodyText, ...rest] = sealed.split('.')
  const iv = ivText ? fromBase64(ivText) : null
  const body = bodyText ? fromBase64(bodyText) : null
  if (version !== VERSION || !fingerprint || !iv || !body || rest.length > 0) {
    throw new SealedTokenError(
      `the stored token of store ${storeHash} is not a sealed token this version of bc-mirror reads`,
    )
  }
  const key = keys.all.find((k) => k.fingerprint === fingerprint)
  if (!key) {
    throw new SealedTokenError(
      `the token of store ${storeHash} was sealed with a key not in ${VARIABLE} (key ${fingerprint}); set that key, as the second key after the new one, and run \`bc-mirror stores rekey\``,
    )
  }
  try {
    const clear = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: boundTo(storeHash) },
      key.key,
      body,
    )
    return new TextDecoder().decode(clear)
  } catch {
    throw new SealedTokenError(
      `the token of store ${storeHash} does not open with key ${fingerprint}: it was altered, or copied from another store's row; register the store again with its token`,
    )
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** Standard or URL-safe base64, padded or not; null when it is not base64. */
function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  if (standard.length % 4 === 1) return null
  try {
    const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4))
    return Uint8Array.from(binary, (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}
