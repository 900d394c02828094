// What the simulated store accepts when a hook is made or changed, as BigCommerce documents it
// (docs/bigcommerce-api.md, "Webhooks: scopes, hook creation and deliveries"): a wildcard scope
// only when the events page lists it, a destination on https port 443 (unless local testing is
// switched on), and one hook per scope and destination.

/** The wildcard scopes BigCommerce's events page lists; no other wildcard is accepted. */
export const DOCUMENTED_WILDCARDS: readonly string[] = [
  'store/order/*',
  'store/product/*',
  'store/product/metafield/*',
  'store/product/variant/metafield/*',
  'store/sku/*',
  'store/customer/*',
  'store/customer/address/*',
  'store/cart/*',
  'store/cart/lineItem/*',
  'store/shipment/*',
  'store/category/*',
  'store/brand/metafield/*',
  'store/metafield/*',
  'store/inventory/location/metafield/*',
  'store/priceList/records/*',
  'store/subscriber/*',
]

/** Why the store refuses `scope`, or null when it takes it. */
export function refuseScope(scope: unknown): string | null {
  if (typeof scope !== 'string' || !/^store\/[A-Za-z]/.test(scope)) return 'scope is invalid'
  if (scope.includes('*') && !DOCUMENTED_WILDCARDS.includes(scope))
    return `scope ${scope} is not a valid webhook scope`
  return null
}

/**
 * Why the store refuses `destination`, or null. BigCommerce delivers only over https on port 443;
 * `localTesting` lets tests and the demo use http on 127.0.0.1 and any port.
 */
export function refuseDestination(destination: unknown, localTesting: boolean): string | null {
  if (typeof destination !== 'string' || !URL.canParse(destination)) return 'destination is invalid'
  const url = new URL(destination)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'destination is invalid'
  if (localTesting) return null
  if (url.protocol !== 'https:') return 'destination must use https'
  if (url.port !== '' && url.port !== '443') return 'destination must be served on port 443'
  return null
}

/** Which hooks an event reaches: `store/order/*` matches scopes one level below it ('separate'),
 * or every scope under it ('covered'); other scopes match exactly. `store/cart/*` also covers
 * `store/cart/lineItem/...`, the one nesting the events page states. */
export function matchesScope(
  pattern: string,
  scope: string,
  nested: 'covered' | 'separate' = 'separate',
): boolean {
  if (!pattern.endsWith('/*')) return pattern === scope
  const prefix = pattern.slice(0, -1)
  if (!scope.startsWith(prefix)) return false
  const rest = scope.slice(prefix.length)
  if (nested === 'covered' || !rest.includes('/')) return true
  return pattern === 'store/cart/*' && rest.startsWith('lineItem/')
}
