// The app install's token exchange: the auth callback's code traded at
// `{loginUrl}/oauth2/token` for the store's token, granted scopes and user (docs/bigcommerce-api.md,
// "Apps installed on many stores"). Web-standard fetch only, so both hosts use it. Errors name
// what failed, never the client secret, the code or a token.
import { z } from 'zod'
import { MIRROR_VERSION } from './version.ts'

export const DEFAULT_LOGIN_URL = 'https://login.bigcommerce.com'

export interface ExchangeCodeOptions {
  /** Default https://login.bigcommerce.com */
  loginUrl?: string
  clientId: string
  clientSecret: string
  /** The app's registered auth callback (`PUBLIC_URL/bigcommerce/auth`). */
  redirectUri: string
  /** The auth callback's query: `code`, `scope` and `context` as BigCommerce sent them. */
  code: string
  scope: string
  context: string
  fetch?: typeof fetch
  /** Default 15 s. */
  timeoutMs?: number
  signal?: AbortSignal
}

export interface AppUser {
  id: number
  username?: string
  email: string
}

export interface InstalledStore {
  storeHash: string
  accessToken: string
  /** The scopes the merchant granted. */
  scopes: string[]
  user: AppUser
  owner: AppUser | null
}

export type CodeExchangeProblem = 'bad-request' | 'refused' | 'unreachable' | 'bad-answer'

/** The code could not be exchanged: nothing was installed. */
export class CodeExchangeError extends Error {
  override readonly name = 'CodeExchangeError'

  constructor(
    readonly problem: CodeExchangeProblem,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message)
  }
}

const CONTEXT = /^stores\/([a-z0-9]+)$/i

const userSchema = z.object({
  id: z.number(),
  username: z.string().optional(),
  email: z.string(),
})

const answerSchema = z.object({
  access_token: z.string().min(1),
  scope: z.string(),
  context: z.string().regex(CONTEXT),
  user: userSchema,
  owner: userSchema.optional(),
})

/** Removes anything secret an answer might echo, and keeps it short. */
function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]')
  return out.replace(/\s+/g, ' ').slice(0, 200)
}

/** What the login service said about a refusal: its `error` and `error_description`. */
async function refusalText(response: Response, secrets: string[]): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown }
    const parts = [body.error, body.error_description].filter((p) => typeof p === 'string')
    if (parts.length > 0) return scrub(parts.join(': '), secrets)
  } catch {
    // not JSON: fall through to the status alone
  }
  return 'no explanation in the answer'
}

function checkInput(options: ExchangeCodeOptions): string {
  const problems: string[] = []
  if (!options.code) problems.push('the auth callback has no code')
  const hash = CONTEXT.exec(options.context ?? '')?.[1]
  if (!hash) problems.push('its context is not "stores/{store hash}"')
  if (!hash || problems.length > 0)
    throw new CodeExchangeError('bad-request', `Cannot install the app: ${problems.join(' and ')}.`)
  return hash
}

async function post(options: ExchangeCodeOptions, url: string): Promise<Response> {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  try {
    return await doFetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': `bigcommerce-mirror/${MIRROR_VERSION}`,
      },
      body: JSON.stringify({
        client_id: options.clientId,
        client_secret: options.clientSecret,
        code: options.code,
        context: options.context,
        scope: options.scope,
        grant_type: 'authorization_code',
        redirect_uri: options.redirectUri,
      }),
      signal,
      // Never followed (the code and secret stay with the login service): a redirect is answered
      // as a refusal below. 'manual', not 'error', which the Workers runtime does not implement.
      redirect: 'manual',
    })
  } catch (error) {
    const why = timeout.aborted
      ? 'no answer in time'
      : scrub(String(error), [options.code, options.clientSecret])
    throw new CodeExchangeError(
      'unreachable',
      `The login service at ${url} could not be reached (${why}).`,
    )
  }
}

/** Trades an install's code for the store's token; throws CodeExchangeError naming what failed. */
export async function exchangeCode(options: ExchangeCodeOptions): Promise<InstalledStore> {
  const storeHash = checkInput(options)
  const url = `${(options.loginUrl ?? DEFAULT_LOGIN_URL).replace(/\/+$/, '')}/oauth2/token`
  const secrets = [options.clientSecret, options.code]
  const response = await post(options, url)
  if (!response.ok) {
    const said = await refusalText(response, secrets)
    const problem = response.status >= 500 ? 'unreachable' : 'refused'
    throw new CodeExchangeError(
      problem,
      `The login service refused the install's code for store ${storeHash} (${response.status}: ${said}). The code works once and expires soon: install the app again; if it keeps failing, check BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_CLIENT_SECRET and that PUBLIC_URL/bigcommerce/auth is the app's auth callback.`,
      response.status,
    )
  }
  const parsed = answerSchema.safeParse(await response.json().catch(() => null))
  if (!parsed.success || parsed.data.context !== options.context) {
    throw new CodeExchangeError(
      'bad-answer',
      `The login service's answer for store ${storeHash} is not a token for that store (expected access_token, scope, user and context "${options.context}").`,
      response.status,
    )
  }
  const answer = parsed.data
  return {
    storeHash,
    accessToken: answer.access_token,
    scopes: answer.scope.split(/[\s,]+/).filter(Boolean),
    user: answer.user,
    owner: answer.owner ?? null,
  }
}
