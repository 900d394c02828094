// The check every command that talks to the store makes first: one cheap request that tells an
// unknown store hash (404 on the store's path) and a refused token (401/403) from everything else,
// so the user hears about either once, before any table work, instead of once per table (or, for a
// wrong hash behind a list that reads a 404 as empty, as a "completed" sync of 0 rows).
import type { BigCommerceClient } from './client.ts'
import { BigCommerceApiError, BigCommerceAuthError } from './errors.ts'
import { describeFailure } from './explain.ts'

/** `GET /v3/hooks` needs no OAuth scope (docs/bigcommerce-api.md): any valid token may call it */
export const PREFLIGHT_PATH = '/v3/hooks'

export type StoreAccessProblem = 'unknown-store' | 'token-refused' | 'unreachable'

/** The store cannot be used at all: nothing was done. */
export class StoreAccessError extends Error {
  override readonly name = 'StoreAccessError'

  constructor(
    readonly problem: StoreAccessProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Throws a StoreAccessError naming the problem when the store hash or the token is not usable. */
export async function checkStoreAccess(
  client: BigCommerceClient,
  signal?: AbortSignal,
): Promise<void> {
  let status: number
  try {
    status = (await client.request(PREFLIGHT_PATH, { query: { limit: 1 }, signal })).status
  } catch (error) {
    if (error instanceof BigCommerceAuthError) {
      // BigCommerce may answer a store hash it does not know with 403 rather than 404
      // (docs/bigcommerce-api.md): on a path that needs no scope, a 403 names either.
      const orHash =
        error.status === 403
          ? `, or BIGCOMMERCE_STORE_HASH "${client.storeHash}" is not the store the token belongs to`
          : ''
      throw new StoreAccessError(
        'token-refused',
        `BigCommerce refused the access token for store ${client.storeHash} (${error.status} on GET ${PREFLIGHT_PATH}, which needs no scope): BIGCOMMERCE_ACCESS_TOKEN is wrong or was revoked with its API account${orHash}. Create a store-level API account and set its access token.`,
        { cause: error },
      )
    }
    if (error instanceof BigCommerceApiError) {
      throw new StoreAccessError('unreachable', `BigCommerce: ${describeFailure(error)}`, {
        cause: error,
      })
    }
    throw error
  }
  if (status === 404) {
    throw new StoreAccessError(
      'unknown-store',
      `The API at ${client.apiUrl} does not know store hash "${client.storeHash}" (404 on GET ${PREFLIGHT_PATH}). Check BIGCOMMERCE_STORE_HASH: it is the part between stores/ and /v3/ in the API path of your API account.`,
    )
  }
}
