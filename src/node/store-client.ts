// The BigCommerce client for a configured store, as the Node commands create it. Every client for
// the same store in this process shares one rate pacer (the client's default), so the webhook
// worker and the sweeps of `serve` draw on one budget.
import {
  createBigCommerceClient,
  type BigCommerceClient,
  type ClientEvent,
} from '../bigcommerce/client.ts'
import type { Config } from '../config.ts'
import { logClientEvent } from '../sync/jobs.ts'
import type { Logger } from '../util/log.ts'

export function createStoreClient(
  config: Pick<Config, 'storeHash' | 'accessToken' | 'apiUrl' | 'clientId' | 'apiRetryBaseMs'>,
  onEvent?: (event: ClientEvent) => void,
): BigCommerceClient {
  return createBigCommerceClient({
    storeHash: config.storeHash,
    accessToken: config.accessToken,
    apiUrl: config.apiUrl,
    clientId: config.clientId,
    retryBaseMs: config.apiRetryBaseMs,
    onEvent,
  })
}

/** Logs the client's retries and throttling (one line each), as both hosts report them. */
export function logClientEvents(log: Logger): (event: ClientEvent) => void {
  return (event) => logClientEvent(log, event)
}
