// Rows in each API's format, as the resource's spec says: v2 dates in RFC 2822, v3 in ISO 8601
// (the catalog `+00:00`, customers `Z`), a corrupting switch applied on top, and the rendered JSON
// cached per shape when asked.
import { specOf, type SimRecord, type SimResourceName, type SimResourceSpec } from '../generate.ts'
import { RENDERED_FROM_CHILDREN } from './order-totals.ts'
import { fieldsOf, type Fields, type StateCore } from './tables.ts'

/** v2: RFC 2822 in UTC with `+0000`, as BigCommerce writes it. */
export function formatRfc2822(seconds: number): string {
  return new Date(seconds * 1000).toUTCString().replace('GMT', '+0000')
}

/** v3 products write `+00:00`, v3 customers write `Z`; both whole seconds. */
export function formatIso(seconds: number, zone: 'Z' | '+00:00'): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, zone)
}

/** A date as the resource's API writes it. */
function dateIn(format: SimResourceSpec['dateFormat'], seconds: number): string {
  return format === 'rfc2822' ? formatRfc2822(seconds) : formatIso(seconds, format)
}

export function renderClean(core: StateCore, name: SimResourceName, record: SimRecord): Fields {
  const { dated, dateCreated, dateFormat } = specOf(name)
  const fields = fieldsOf(core, name, record)
  const fromChildren = RENDERED_FROM_CHILDREN[name]
  // Whole literals for the usual shapes, as before specs: V8 builds them faster than added keys.
  if (dated && dateCreated && !fromChildren)
    return {
      id: record.id,
      ...fields,
      date_created: dateIn(dateFormat, record.created),
      date_modified: dateIn(dateFormat, record.modified),
    }
  const out: Fields = fromChildren
    ? { id: record.id, ...fields, ...fromChildren(core, record, fields) }
    : { id: record.id, ...fields }
  if (dateCreated) out.date_created = dateIn(dateFormat, record.created)
  if (dated) out.date_modified = dateIn(dateFormat, record.modified)
  return out
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
