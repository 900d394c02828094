// v2 orders: the list and its count (which orders each shows: order-listing.ts), one order by id
// (with embedded consignments on request), and each order's paged sub-lists (products, shipping
// addresses, coupons) and consignments.
import type { Context } from 'hono'
import type { SimRecord } from '../generate.ts'
import { allLines, renderConsignments, renderShippingAddresses } from '../order-children.ts'
import { BASE, type SimApp, type SimContext } from './context.ts'
import { countOrders, listSelection } from './order-listing.ts'
import { readPaging } from './query.ts'
import { pageOf, select, tieOrderOf } from './select.ts'

/**
 * An order as JSON. `include=consignments` embeds the consignments (with their line items for
 * `consignments.line_items`), as an object with `consignment_structure=object` and as a
 * one-element array otherwise; without it, consignments are a link like the other children.
 */
function orderJson(ctx: SimContext, c: Context, record: SimRecord, honourInclude: boolean) {
  const include = honourInclude ? (c.req.query('include') ?? '').split(',') : []
  const lineItems = include.includes('consignments.line_items')
  const embed = lineItems || include.includes('consignments')
  const asObject = c.req.query('consignment_structure') === 'object'
  const idMode = ctx.settings.consignmentIds ?? 'address'
  const lineCap = capOf(ctx.settings.embeddedLineItemCap)
  const lineForm = ctx.settings.consignmentLineItems ?? 'objects'
  const key = `${embed}|${lineItems}|${asObject}|${idMode}|${lineCap}|${lineForm}`
  const { store } = ctx
  return store.renderJson('orders', record, key, (full) => {
    const storeUrl = store.context.storeUrl
    if (!embed) {
      full.consignments = {
        url: `${storeUrl}/v2/orders/${record.id}/consignments`,
        resource: `/orders/${record.id}/consignments`,
      }
      return full
    }
    const children = store.orderChildren(record.id)
    const options = { lineItems, idMode, lineCap, lineForm }
    const consignments = renderConsignments(children, storeUrl, options)
    full.consignments = asObject ? consignments : [consignments]
    return full
  })
}

/** A cap setting: undefined is the harsh default of 50 rows, null is no cap. */
const capOf = (setting: number | null | undefined) => (setting === undefined ? 50 : setting)

const orderNotFound = (c: Context) =>
  c.json([{ status: 404, message: 'The requested resource was not found.' }], 404)

function listOrders(ctx: SimContext, c: Context) {
  const { page, limit } = readPaging(c)
  const selection = listSelection(ctx, c)
  const rows = select(ctx.store, 'orders', selection)
  const pageRows = pageOf(rows, page, limit, c.get('fault'), tieOrderOf(ctx, selection))
  // v2 answers an empty page with 204 and no body [observed in client code, not in the docs].
  if (pageRows.length === 0) return c.body(null, 204)
  const honour = !ctx.settings.orderListIgnoresInclude
  const json = pageRows.map((r) => orderJson(ctx, c, r, honour))
  return c.body(`[${json.join(',')}]`, 200, { 'Content-Type': 'application/json' })
}

/**
 * A v2 sub-list of one order: paged (50 by default, 413 above 250), 204 past the end. A page
 * holds at most orderSubListPageCap rows (default 50) whatever `limit` asks, and pages are cut at
 * that size, as a store that caps its page size would.
 */
function registerOrderSubList(
  app: SimApp,
  path: string,
  items: (ctx: SimContext, orderId: number) => unknown[],
) {
  app.get(`${BASE}/v2/orders/:id{[0-9]+}/${path}`, (c) => {
    const ctx = c.var.sim
    const id = Number(c.req.param('id'))
    if (!ctx.store.get('orders', id)) return orderNotFound(c)
    const { page, limit } = readPaging(c, capOf(ctx.settings.orderSubListPageCap) ?? undefined)
    const rows = items(ctx, id).slice((page - 1) * limit, page * limit)
    if (rows.length === 0) return c.body(null, 204)
    return c.json(rows)
  })
}

function registerOrderChildren(app: SimApp) {
  registerOrderSubList(app, 'products', ({ store }, id) => allLines(store.orderChildren(id)))
  registerOrderSubList(app, 'shipping_addresses', ({ store }, id) =>
    renderShippingAddresses(store.orderChildren(id), store.context.storeUrl),
  )
  registerOrderSubList(app, 'coupons', ({ store }, id) => store.orderChildren(id).coupons)
  app.get(`${BASE}/v2/orders/:id{[0-9]+}/consignments`, (c) => {
    const ctx = c.var.sim
    const { store } = ctx
    const id = Number(c.req.param('id'))
    if (!store.get('orders', id)) return orderNotFound(c)
    const lineItems = (c.req.query('include') ?? '').split(',').includes('line_items')
    const idMode = ctx.settings.consignmentIds ?? 'address'
    return c.json(
      renderConsignments(store.orderChildren(id), store.context.storeUrl, { lineItems, idMode }),
    )
  })
}

export function registerOrderRoutes(app: SimApp) {
  app.get(`${BASE}/v2/orders/count`, (c) => countOrders(c.var.sim, c))
  app.get(`${BASE}/v2/orders/:id{[0-9]+}`, (c) => {
    const ctx = c.var.sim
    const record = ctx.store.readById('orders', Number(c.req.param('id')))
    if (!record) return orderNotFound(c)
    return c.body(orderJson(ctx, c, record, true), 200, { 'Content-Type': 'application/json' })
  })
  app.get(`${BASE}/v2/orders`, (c) => listOrders(c.var.sim, c))
  registerOrderChildren(app)
}
