// Which orders `GET /v2/orders` lists and what `/v2/orders/count` counts. The count counts every
// order the filters match, per status (the spec's `ordersCount_Full`, whose example total includes
// 15 Incomplete orders); the list leaves out Incomplete orders (status 0) unless `status_id=0` is
// asked, and archived ones too on a switch (docs/bigcommerce-api.md "The orders listing and its
// count").
import type { Context } from 'hono'
import { ORDER_STATUSES, type SimRecord } from '../generate.ts'
import { BadRequest, type SimContext } from './context.ts'
import { int, v2Date } from './query.ts'
import { dateBoundsOf, select, type Selection } from './select.ts'

export const INCOMPLETE_STATUS = 0

/** The filters both the list and the count take. */
export function orderSelection(ctx: SimContext, c: Context): Selection {
  const sort = c.req.query('sort') ?? 'id:asc'
  const [field, direction = 'asc'] = sort.split(':')
  const sortBy =
    field === 'date_modified'
      ? 'modified'
      : field === 'id' || field === 'date_created'
        ? 'id'
        : null
  if (sortBy === null || (direction !== 'asc' && direction !== 'desc'))
    throw new BadRequest(400, `Unsupported sort ${sort}`)
  const status = int(c.req.query('status_id'), 'status_id')
  return {
    sortBy,
    desc: direction === 'desc',
    ...dateBoundsOf(ctx),
    minModified: v2Date(c.req.query('min_date_modified'), 'min_date_modified'),
    maxModified: v2Date(c.req.query('max_date_modified'), 'max_date_modified'),
    minId: int(c.req.query('min_id'), 'min_id'),
    maxId: int(c.req.query('max_id'), 'max_id'),
    ...(status === undefined ? {} : { where: (r) => statusOf(ctx, r) === status }),
  }
}

/**
 * An order's status. Generated fields are made on demand, so the status of a row no mutation
 * touched is remembered once read (it cannot change until a mutation materialises the row).
 */
const generatedStatus = new WeakMap<SimContext, Map<number, number>>()

function statusOf(ctx: SimContext, record: SimRecord): number {
  if (record.fields) return Number(record.fields.status_id)
  let known = generatedStatus.get(ctx)
  if (!known) generatedStatus.set(ctx, (known = new Map()))
  let status = known.get(record.id)
  if (status === undefined) {
    status = Number(ctx.store.fieldsOf('orders', record).status_id)
    known.set(record.id, status)
  }
  return status
}

/** Whether the list shows an order when `status_id` is not asked. */
function listedWithoutStatus(ctx: SimContext, record: SimRecord): boolean {
  if (ctx.settings.ordersHideArchived && record.fields?.is_deleted === true) return false
  return ctx.settings.ordersListIncomplete || statusOf(ctx, record) !== INCOMPLETE_STATUS
}

/** The list's selection: the filters, less what the list does not show. */
export function listSelection(ctx: SimContext, c: Context): Selection {
  const selection = orderSelection(ctx, c)
  const byStatus = selection.where
  const hidesArchived = ctx.settings.ordersHideArchived
  return {
    ...selection,
    where: byStatus
      ? (r) => byStatus(r) && !(hidesArchived && r.fields?.is_deleted === true)
      : (r) => listedWithoutStatus(ctx, r),
  }
}

/** `/v2/orders/count`: every order the filters match, and a count per order status. */
export function countOrders(ctx: SimContext, c: Context) {
  const rows = select(ctx.store, 'orders', orderSelection(ctx, c))
  const byStatus = new Map<number, number>()
  for (const r of rows) {
    const status = statusOf(ctx, r)
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  }
  const statuses = ORDER_STATUSES.map((name, id) => ({
    id,
    name,
    system_label: name,
    custom_label: name,
    system_description: '',
    count: byStatus.get(id) ?? 0,
    sort_order: id,
  }))
  return c.json({ statuses, count: rows.length })
}
