// Shared set-up for the client suites: a simulated store and a client with its own pacer (so
// suites do not share a budget) and short retry delays (so retries take milliseconds).
import {
  createBigCommerceClient,
  type BigCommerceClientOptions,
} from '../../src/bigcommerce/client.ts'
import { createRatePacer, type RatePacerOptions } from '../../src/bigcommerce/pacer.ts'
import type { SimStore } from '../../src/sim/server.ts'

export function connectClient(
  sim: SimStore,
  options: Partial<BigCommerceClientOptions> & { pacerOptions?: RatePacerOptions } = {},
) {
  return createBigCommerceClient({
    apiUrl: sim.url,
    storeHash: sim.storeHash,
    accessToken: sim.accessToken,
    retryBaseMs: 5,
    retryMaxMs: 50,
    timeoutMs: 2000,
    pacer: createRatePacer({ backoffBaseMs: 20, ...options.pacerOptions }),
    ...options,
  })
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}
