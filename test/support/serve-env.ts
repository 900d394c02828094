// The settings for running `bc-mirror serve` against a simulated store with its schedule off:
// in tests and benchmarks, webhooks and explicit syncs are what is under test.

export interface SimEndpoint {
  storeHash: string
  accessToken: string
  url: string
}

export function serveEnvForSim(
  sim: SimEndpoint,
  webhookSecret: string,
  port: number,
): Record<string, string> {
  return {
    BIGCOMMERCE_STORE_HASH: sim.storeHash,
    BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
    BIGCOMMERCE_API_URL: sim.url,
    WEBHOOK_SECRET: webhookSecret,
    PORT: String(port),
    SYNC_INTERVAL_MINUTES: '0',
    COUPONS_INTERVAL_MINUTES: '0',
    FULL_SYNC_INTERVAL_MINUTES: '0',
    HOOKS_CHECK_INTERVAL_MINUTES: '0',
  }
}
