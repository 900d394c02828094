// The `signed_payload_jwt` of the app's load, uninstall and remove_user callbacks: HS256 with the
// app's client secret, `aud` = client id, `iss` = `bc`, `sub` = `stores/{hash}`, and time claims
// (docs/bigcommerce-api.md, "Apps installed on many stores"). jose does the JWT work on WebCrypto,
// so both hosts share it; only HS256 is accepted, whatever the token's header says.
import { errors, jwtVerify, type JWTPayload } from 'jose'

/** Clock difference allowed on exp, nbf and iat, between BigCommerce and this machine. */
export const SIGNED_PAYLOAD_LEEWAY_SECONDS = 60

export interface VerifyOptions {
  clientId: string
  clientSecret: string
  /** Milliseconds since the epoch; default Date.now(). */
  now?: number
}

export interface SignedPayloadUser {
  id: number
  email: string
}

export interface SignedPayload {
  storeHash: string
  user: SignedPayloadUser | null
  owner: SignedPayloadUser | null
  /** The control panel path a load asks for (`/`), when present. */
  url: string | null
  claims: JWTPayload
}

export type SignedPayloadProblem =
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'audience'
  | 'issuer'
  | 'expired'
  | 'not-yet-valid'
  | 'subject'

/** The payload is not one BigCommerce signed for this app now: refuse the callback. */
export class SignedPayloadError extends Error {
  override readonly name = 'SignedPayloadError'

  constructor(
    readonly problem: SignedPayloadProblem,
    message: string,
  ) {
    super(message)
  }
}

const SUBJECT = /^stores\/([a-z0-9]+)$/i

function claimProblem(claim: string): SignedPayloadProblem {
  if (claim === 'aud') return 'audience'
  if (claim === 'iss') return 'issuer'
  if (claim === 'nbf' || claim === 'iat') return 'not-yet-valid'
  if (claim === 'exp') return 'expired'
  if (claim === 'sub') return 'subject'
  return 'malformed'
}

/** jose's error, as a problem and a sentence that names no secret and quotes no token. */
function explain(error: unknown): SignedPayloadError {
  const refused = (problem: SignedPayloadProblem, why: string) =>
    new SignedPayloadError(problem, `signed_payload_jwt refused: ${why}`)
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return refused('algorithm', 'it is not signed with HS256')
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refused('signature', "its signature does not match the app's client secret")
  if (error instanceof errors.JWTExpired) return refused('expired', 'it has expired (exp)')
  if (error instanceof errors.JWTClaimValidationFailed) {
    const problem = claimProblem(error.claim)
    return refused(problem, `its ${error.claim} claim does not hold (${error.reason})`)
  }
  return refused('malformed', 'it is not a well-formed JWT')
}

function userOf(value: unknown): SignedPayloadUser | null {
  if (!value || typeof value !== 'object') return null
  const { id, email } = value as Record<string, unknown>
  return typeof id === 'number' && typeof email === 'string' ? { id, email } : null
}

/** Verifies a callback's signed_payload_jwt for this app; throws SignedPayloadError otherwise. */
export async function verifySignedPayload(
  jwt: string,
  options: VerifyOptions,
): Promise<SignedPayload> {
  const now = options.now ?? Date.now()
  let claims: JWTPayload
  try {
    const verified = await jwtVerify(jwt, new TextEncoder().encode(options.clientSecret), {
      algorithms: ['HS256'],
      audience: options.clientId,
      issuer: 'bc',
      requiredClaims: ['exp', 'nbf', 'iat', 'sub'],
      clockTolerance: SIGNED_PAYLOAD_LEEWAY_SECONDS,
      currentDate: new Date(now),
    })
    claims = verified.payload
  } catch (error) {
    throw explain(error)
  }
  // jose checks that iat is a number; one from the future is as suspect as an early nbf.
  if ((claims.iat ?? 0) > Math.floor(now / 1000) + SIGNED_PAYLOAD_LEEWAY_SECONDS)
    throw new SignedPayloadError(
      'not-yet-valid',
      'signed_payload_jwt refused: it was issued in the future (iat)',
    )
  const storeHash = SUBJECT.exec(claims.sub ?? '')?.[1]
  if (!storeHash)
    throw new SignedPayloadError(
      'subject',
      'signed_payload_jwt refused: its sub is not "stores/{store hash}"',
    )
  return {
    storeHash,
    user: userOf(claims.user),
    owner: userOf(claims.owner),
    url: typeof claims.url === 'string' ? claims.url : null,
    claims,
  }
}
