// The mirrored resources, each declared once in its own file. Everything that lists tables (sweeps,
// the event worker, status, request counting, the jobs of both hosts) derives its list from here,
// so a new resource is one file plus its schema and migration.
import { scopesForPaths } from '../bigcommerce/scopes.ts'
import { brands } from './brands.ts'
import { categories } from './categories.ts'
import { coupons } from './coupons.ts'
import { customers } from './customers.ts'
import { orders } from './orders.ts'
import { products } from './products.ts'
import type { ResourceDefinition, ResourceName } from './types.ts'

export type {
  IdAnswer,
  RangePage,
  RangeQuery,
  ResourceDefinition,
  ResourceName,
  ResourceRow,
  StoreListing,
} from './types.ts'

export const RESOURCES: Readonly<Record<ResourceName, ResourceDefinition>> = {
  coupons,
  customers,
  orders,
  products,
  categories,
  brands,
}

const ALL = Object.values(RESOURCES)
const namesOf = (list: ResourceDefinition[]): readonly ResourceName[] => list.map((r) => r.name)

/** Every mirrored table, in the order sweeps and status list them. */
export const SYNC_TABLES = namesOf(ALL)

/** Tables swept from a date_modified cursor: only what changed since the last sweep is read. */
export const INCREMENTAL_TABLES = namesOf(ALL.filter((r) => r.sweepKey === 'date_modified'))

/** Tables without date_modified (coupons, categories, brands): every sweep lists them whole. */
export const SNAPSHOT_TABLES = namesOf(ALL.filter((r) => r.sweepKey === 'id'))

/** Tables that webhooks keep current (coupons have no events). */
export const EVENT_TABLES = namesOf(ALL.filter((r) => r.webhookScopes.length > 0))

/** The OAuth scopes the mirror needs to read every table (hooks need none). */
export const REQUIRED_SCOPES = scopesForPaths(ALL.flatMap((r) => r.apiPaths))

export function isResourceName(value: unknown): value is ResourceName {
  return typeof value === 'string' && Object.hasOwn(RESOURCES, value)
}

/** `store/sku/*` → `store/sku/`: the family a subscribed scope stands for. */
const familyOf = (scope: string) => scope.split('/').slice(0, 2).join('/') + '/'

const FAMILIES: Array<[string, ResourceDefinition]> = ALL.flatMap((r) =>
  r.webhookScopes.map((scope) => [familyOf(scope), r] as [string, ResourceDefinition]),
)

/** The resource a webhook scope refreshes (`store/sku/*` → products), or null for other scopes. */
export function resourceForScope(scope: string): ResourceDefinition | null {
  return FAMILIES.find(([family]) => scope.startsWith(family))?.[1] ?? null
}

/** The table whose API a request path belongs to (`/v2/orders/7/coupons` → orders), or null. */
export function tableOfPath(path: string): ResourceName | null {
  return ALL.find((r) => r.apiPaths.some((prefix) => path.startsWith(prefix)))?.name ?? null
}
