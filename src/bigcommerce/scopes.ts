// Which OAuth scope a path needs, so that a 401/403 can tell the operator what the API account
// lacks instead of a bare status. Scope names are BigCommerce's (docs/bigcommerce-api.md).

export interface ScopeNeed {
  /** The read-only scope; the matching modify scope (without `_read_only`) also works. */
  scope: string
  /** The name the control panel shows for it. */
  label: string
}

const SCOPES: Array<[RegExp, ScopeNeed]> = [
  [/^\/v[23]\/orders(\/|$)/, { scope: 'store_v2_orders_read_only', label: 'Orders' }],
  [
    /^\/v3\/catalog(\/|$)|^\/v2\/products(\/|$)/,
    { scope: 'store_v2_products_read_only', label: 'Products' },
  ],
  [/^\/v[23]\/customers(\/|$)/, { scope: 'store_v2_customers_read_only', label: 'Customers' }],
  [
    /^\/v2\/coupons(\/|$)|^\/v3\/promotions(\/|$)/,
    { scope: 'store_v2_marketing_read_only', label: 'Marketing' },
  ],
]

/** The scope a path needs; null for paths every API account may use (hooks) or unknown paths. */
export function findScopeForPath(path: string): ScopeNeed | null {
  for (const [pattern, need] of SCOPES) if (pattern.test(path)) return need
  return null
}

/** The operator-facing explanation of a 401/403 on `method path`. */
export function describeAuthFailure(method: string, path: string, status: number): string {
  const need = findScopeForPath(path)
  const head = `BigCommerce ${method} ${path} answered ${status}.`
  if (need === null) {
    return (
      `${head} This endpoint needs no OAuth scope, so the access token itself was rejected: ` +
      'check the store hash and the access token (it may have been revoked with its API account).'
    )
  }
  const modify = need.scope.replace(/_read_only$/, '')
  const lacks =
    `the API account lacks the OAuth scope ${need.scope} ("${need.label}: read-only" in the ` +
    `control panel; "${need.label}: modify", ${modify}, also works).`
  if (status === 403) return `${head} Permission denied: ${lacks}`
  return `${head} Either the access token is wrong for this store, or ${lacks}`
}

/** The scopes requests to these paths need, once each, in the order first met. */
export function scopesForPaths(paths: readonly string[]): ScopeNeed[] {
  const needs = new Map<string, ScopeNeed>()
  for (const path of paths) {
    const need = findScopeForPath(path)
    if (need) needs.set(need.scope, need)
  }
  return [...needs.values()]
}

/** The needed scopes a grant lacks; a modify scope stands in for its read-only one. */
export function missingScopes(
  granted: readonly string[],
  needed: readonly ScopeNeed[],
): ScopeNeed[] {
  const have = new Set(granted)
  return needed.filter(
    ({ scope }) => !have.has(scope) && !have.has(scope.replace(/_read_only$/, '')),
  )
}

/** One sentence naming what a grant lacks, or null when it has every needed scope. */
export function describeMissingScopes(
  granted: readonly string[],
  needed: readonly ScopeNeed[],
): string | null {
  const missing = missingScopes(granted, needed)
  if (missing.length === 0) return null
  const named = missing.map((need) => `${need.scope} ("${need.label}: read-only")`).join(', ')
  return `The app was granted too few OAuth scopes: it lacks ${named}. Add them to the app's scopes and install it again.`
}
