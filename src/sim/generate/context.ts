// What every generator is given: the store's seed, its URL for links, and its customers.
export interface GenerateContext {
  seed: number
  /** Base of links in the data, e.g. `http://127.0.0.1:1234/stores/abc`. */
  storeUrl: string
  /** Customers that orders may point at (0 = guests only). */
  customerCount: number
}

/** The context of a store seeded with `counts` rows per resource. */
export function generateContext(
  seed: number,
  counts: Partial<Record<string, number>> | undefined,
): GenerateContext {
  return {
    seed,
    storeUrl: 'https://api.bigcommerce.com/stores/sim',
    customerCount: counts?.customers ?? 0,
  }
}
