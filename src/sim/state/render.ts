// Rows in each API's format: v2 dates in RFC 2822, v3 in ISO 8601 (products `+00:00`, customers
// `Z`), a corrupting switch applied on top, and the rendered JSON cached per shape when asked.
import { snapshotSpecOf, type SimRecord, type SimResourceName } from '../generate.ts'
import { generateOrderChildren } from '../order-children.ts'
import { fieldsOf, type Fields, type StateCore } from './tables.ts'

/**
 * An order's items_total: the total quantity of its line items (`order_RespOnly.items_total`),
 * which the mirror checks embedded lines against. Coupons do not change quantities, so the
 * generated children need no discount here.
 */
function itemsTotalOf(core: StateCore, id: number): number {
  const children = core.orderChildren.get(id) ?? generateOrderChildren(core.context, id, 0)
  let total = 0
  for (const line of children.lines) total += Number(line.item.quantity)
  return total
}

/** v2: RFC 2822 in UTC with `+0000`, as BigCommerce writes it. */
export function formatRfc2822(seconds: number): string {
  return new Date(seconds * 1000).toUTCString().replace('GMT', '+0000')
}

/** v3 products write `+00:00`, v3 customers write `Z`; both whole seconds. */
export function formatIso(seconds: number, zone: 'Z' | '+00:00'): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, zone)
}

export function renderClean(core: StateCore, name: SimResourceName, record: SimRecord): Fields {
  const fields = fieldsOf(core, name, record)
  switch (name) {
    case 'orders': {
      const itemsTotal = itemsTotalOf(core, record.id)
      return {
        id: record.id,
        ...fields,
        items_total: itemsTotal,
        items_shipped: fields.items_shipped ? itemsTotal : 0,
        date_created: formatRfc2822(record.created),
        date_modified: formatRfc2822(record.modified),
      }
    }
    case 'products':
      return {
        id: record.id,
        ...fields,
        date_created: formatIso(record.created, '+00:00'),
        date_modified: formatIso(record.modified, '+00:00'),
      }
    case 'customers':
      return {
        id: record.id,
        ...fields,
        date_created: formatIso(record.created, 'Z'),
        date_modified: formatIso(record.modified, 'Z'),
      }
    default:
      return snapshotSpecOf(name)?.dateCreated
        ? { id: record.id, ...fields, date_created: formatRfc2822(record.created) }
        : { id: record.id, ...fields }
  }
}

/** The row as v2 / v3 returns it (all includes present; the server trims them). */
export function render(core: StateCore, name: SimResourceName, record: SimRecord): Fields {
  const rendered = renderClean(core, name, record)
  const fix = core.corruptions.get(`${name}:${record.id}`)
  return fix ? fix(rendered) : rendered
}

/** JSON text of `shape(render(...))`, cached per shape key when cacheRendered is on. */
export function renderJson(
  core: StateCore,
  name: SimResourceName,
  record: SimRecord,
  shapeKey: string,
  shape: (full: Fields) => Fields,
): string {
  if (!core.cacheRendered) return JSON.stringify(shape(render(core, name, record)))
  const key = `${name}|${shapeKey}`
  let rows = core.renderCache.get(key)
  if (!rows) {
    rows = new Map()
    core.renderCache.set(key, rows)
  }
  let json = rows.get(record.id)
  if (json === undefined) {
    json = JSON.stringify(shape(render(core, name, record)))
    rows.set(record.id, json)
  }
  return json
}

export const renderOps = (core: StateCore) => ({
  /** The row as v2 / v3 returns it (all includes present; the server trims them). */
  render: (name: SimResourceName, record: SimRecord) => render(core, name, record),
  renderClean: (name: SimResourceName, record: SimRecord) => renderClean(core, name, record),
  /** JSON text of `shape(render(...))`, cached per shape key when cacheRendered is on. */
  renderJson: (
    name: SimResourceName,
    record: SimRecord,
    shapeKey: string,
    shape: (full: Fields) => Fields,
  ) => renderJson(core, name, record, shapeKey, shape),
})
