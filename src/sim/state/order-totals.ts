// Fields an order renders with that its children decide (items_total, items_shipped), for
// render.ts. Its own module so that rendering does not import the order edits, which render.
import type { SimRecord, SimResourceName } from '../generate.ts'
import { generateOrderChildren } from '../order-children.ts'
import type { Fields, StateCore } from './tables.ts'

/**
 * An order's items_total: the total quantity of its line items (`order_RespOnly.items_total`),
 * which the mirror checks embedded lines against; items_shipped follows it once shipped. Coupons
 * do not change quantities, so the generated children need no discount here.
 */
function itemTotals(core: StateCore, record: SimRecord, fields: Fields): Fields {
  const children =
    core.orderChildren.get(record) ?? generateOrderChildren(core.context, record.id, 0)
  let itemsTotal = 0
  for (const line of children.lines) itemsTotal += Number(line.item.quantity)
  return { items_total: itemsTotal, items_shipped: fields.items_shipped ? itemsTotal : 0 }
}

/** Fields a row renders with that its children decide, per resource whose children do. */
export const RENDERED_FROM_CHILDREN: Partial<
  Record<SimResourceName, (core: StateCore, record: SimRecord, fields: Fields) => Fields>
> = { orders: itemTotals }
