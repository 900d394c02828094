// The resource declarations are the one place a table is described; everything else derives from
// them. These checks catch a declaration that disagrees with the schema or the API's scopes.
import { getTableConfig } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import { findScopeForPath } from '../../src/bigcommerce/scopes.ts'
import { SIM_RESOURCES } from '../../src/sim/generate.ts'
import { CHILD_PARENTS, childTables, RESOURCE_NAMES, resourceTables } from '../../src/db/schema.ts'
import {
  EVENT_TABLES,
  INCREMENTAL_TABLES,
  isResourceName,
  REQUIRED_SCOPES,
  RESOURCES,
  resourceForScope,
  SNAPSHOT_TABLES,
  SYNC_TABLES,
  tableOfPath,
} from '../../src/resources/index.ts'

describe('resource declarations', () => {
  it('declare exactly the tables the schema has, each under its own name', () => {
    expect([...SYNC_TABLES].sort()).toEqual([...RESOURCE_NAMES].sort())
    for (const name of SYNC_TABLES) {
      expect(RESOURCES[name].name).toBe(name)
      expect(getTableConfig(resourceTables[name]).name).toBe(name)
    }
  })

  it('split the tables into incremental and snapshot sweeps, with events only where they exist', () => {
    expect([...INCREMENTAL_TABLES, ...SNAPSHOT_TABLES].sort()).toEqual([...SYNC_TABLES].sort())
    expect(SNAPSHOT_TABLES).toEqual(['coupons', 'categories', 'brands'])
    // Brands have no events of their own (only brand metafields do): sweeps alone keep them.
    expect(EVENT_TABLES).toEqual(['customers', 'orders', 'products', 'categories'])
  })

  it('name child tables that exist and hang off their parent with a cascading key', () => {
    expect(RESOURCES.orders.childTables).toEqual([
      'order_products',
      'order_shipping_addresses',
      'order_coupons',
    ])
    expect(RESOURCES.products.childTables).toEqual(['product_variants'])
    expect(RESOURCES.customers.childTables).toEqual(['customer_addresses'])
    for (const resource of Object.values(RESOURCES)) {
      for (const child of resource.childTables) {
        const config = getTableConfig(childTables[child])
        expect(CHILD_PARENTS[child].parent).toBe(resource.name)
        expect(config.name).toBe(child)
        const parents = config.foreignKeys.map((fk) => fk.reference())
        expect(parents.map((p) => getTableConfig(p.foreignTable).name)).toContain(resource.name)
        expect(config.foreignKeys.every((fk) => fk.onDelete === 'cascade')).toBe(true)
      }
    }
  })

  it('declare every registered child table, each in its parent and in no other resource', () => {
    for (const [child, { parent }] of Object.entries(CHILD_PARENTS)) {
      const declaring = Object.values(RESOURCES).filter((r) =>
        (r.childTables as readonly string[]).includes(child),
      )
      expect(declaring.map((r) => r.name)).toEqual([parent])
    }
  })

  it('have an OAuth scope for every API path they read, so a 403 can say what is missing', () => {
    for (const resource of Object.values(RESOURCES)) {
      expect(resource.apiPaths.length).toBeGreaterThan(0)
      for (const path of resource.apiPaths) expect(findScopeForPath(path)).not.toBeNull()
    }
  })

  it('need no scope beyond the four: categories and brands are read under the catalog scope', () => {
    expect(REQUIRED_SCOPES.map((need) => need.scope).sort()).toEqual([
      'store_v2_customers_read_only',
      'store_v2_marketing_read_only',
      'store_v2_orders_read_only',
      'store_v2_products_read_only',
    ])
    for (const name of ['categories', 'brands'] as const)
      for (const path of RESOURCES[name].apiPaths)
        expect(findScopeForPath(path)?.scope).toBe('store_v2_products_read_only')
  })

  it('attribute request paths to the table whose API they belong to', () => {
    expect(tableOfPath('/v2/orders/7/coupons')).toBe('orders')
    expect(tableOfPath('/v2/orders/count')).toBe('orders')
    expect(tableOfPath('/v3/catalog/products')).toBe('products')
    expect(tableOfPath('/v3/customers')).toBe('customers')
    expect(tableOfPath('/v2/coupons/count')).toBe('coupons')
    expect(tableOfPath('/v3/catalog/categories')).toBe('categories')
    expect(tableOfPath('/v3/catalog/brands')).toBe('brands')
    expect(tableOfPath('/v3/hooks')).toBeNull()
  })

  it('route each subscribed scope, nested families included, to its resource and nothing else', () => {
    for (const resource of Object.values(RESOURCES))
      for (const scope of resource.webhookScopes)
        expect(resourceForScope(scope.replace('*', 'updated'))?.name).toBe(resource.name)
    expect(resourceForScope('store/sku/inventory/order/updated')?.name).toBe('products')
    expect(resourceForScope('store/customer/address/created')?.name).toBe('customers')
    expect(resourceForScope('store/category/deleted')?.name).toBe('categories')
    expect(resourceForScope('store/brand/metafield/created')).toBeNull()
    expect(resourceForScope('store/cart/created')).toBeNull()
    expect(resourceForScope('store/orders/created')).toBeNull()
  })

  it('each table is served by the simulated store from its spec, at the paths it reads', () => {
    expect(SIM_RESOURCES.map((spec) => spec.name).sort()).toEqual([...SYNC_TABLES].sort())
    for (const spec of SIM_RESOURCES) {
      const resource = RESOURCES[spec.name]
      expect(resource.apiPaths[0]).toBe(spec.path)
      const childPaths = (spec.children ?? []).map((list) => list.path)
      expect(resource.apiPaths.slice(1)).toEqual(
        childPaths.filter((path) => !path.startsWith(spec.path)),
      )
      expect(spec.events).toBe(resource.webhookScopes.length > 0)
      expect(spec.dated).toBe(resource.sweepKey === 'date_modified')
    }
  })

  it('know their own names and no others', () => {
    expect(isResourceName('orders')).toBe(true)
    expect(isResourceName('toString')).toBe(false)
    expect(isResourceName(null)).toBe(false)
  })
})
