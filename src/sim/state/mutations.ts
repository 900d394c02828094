// Changes a merchant makes to rows: create, update, delete, archive. Each bumps date_modified as
// BigCommerce does and reports its webhook events, as the resource's spec says (generate/).
// Edits of a row's children (variants, addresses, an order's lines) are in child-edits.ts and
// order-edits.ts.
import { FIELD_GENERATORS, specOf, type SimRecord, type SimResourceName } from '../generate.ts'
import {
  emit,
  forget,
  invalidate,
  materialise,
  nowSeconds,
  requireRecord,
  touch,
  type Fields,
  type StateCore,
} from './tables.ts'

/** Reports `store/<singular>/<verb>` for a row, if the resource has events. */
function rowEvent(core: StateCore, name: SimResourceName, verb: string, id: number) {
  const { singular, events } = specOf(name)
  if (events) emit(core, `store/${singular}/${verb}`, { type: singular, id })
}

/** Create a row (generated fields overridden by `fields`); returns its id. */
function create(core: StateCore, name: SimResourceName, fields: Fields = {}): number {
  const t = core.tables[name]
  const id = typeof fields.id === 'number' ? fields.id : t.nextId
  t.nextId = Math.max(t.nextId, id + 1)
  const now = nowSeconds(core)
  const { id: _ignored, ...rest } = fields
  const record: SimRecord = {
    id,
    created: now,
    modified: now,
    fields: { ...FIELD_GENERATORS[name](core.context, id), ...rest },
  }
  const isAppend = t.idOrder !== null && (t.idOrder.at(-1)?.id ?? 0) < id
  t.byId.set(id, record)
  if (isAppend && t.idOrder) t.idOrder.push(record)
  else t.idOrder = null
  t.modifiedOrder = null
  rowEvent(core, name, 'created', id)
  return id
}

/** Change fields and bump date_modified. */
function update(core: StateCore, name: SimResourceName, id: number, patch: Fields) {
  const spec = specOf(name)
  const record = requireRecord(core, name, id)
  const fields = materialise(core, name, record)
  const before = spec.updateEvents ? { ...fields } : fields
  Object.assign(fields, patch)
  touch(core, name, record)
  if (!spec.events) return
  rowEvent(core, name, 'updated', id)
  for (const [scope, data] of spec.updateEvents?.(id, before, patch) ?? []) emit(core, scope, data)
}

function remove(core: StateCore, name: SimResourceName, id: number): boolean {
  const t = core.tables[name]
  if (!t.byId.delete(id)) return false
  forget(core, name, id)
  invalidate(core, name, true)
  if (specOf(name).deletedEvent !== false) rowEvent(core, name, 'deleted', id)
  return true
}

/** Archive a row: is_deleted true and a new date_modified, as the control panel does orders. */
export function archive(core: StateCore, name: SimResourceName, id: number) {
  const record = requireRecord(core, name, id)
  materialise(core, name, record).is_deleted = true
  touch(core, name, record)
  rowEvent(core, name, 'archived', id)
}

/** The spec's sample edit of a row (none: false, nothing changed). */
function editSample(core: StateCore, name: SimResourceName, id: number, n: number): boolean {
  const patch = specOf(name).sampleEdit?.(n)
  if (!patch) return false
  update(core, name, id, patch)
  return true
}

/**
 * What a merchant's delete does: a resource whose deletion the store does not announce keeps
 * the row archived (orders), any other is deleted.
 */
function retire(core: StateCore, name: SimResourceName, id: number) {
  if (specOf(name).deletedEvent === false) archive(core, name, id)
  else remove(core, name, id)
}

export const mutationOps = (core: StateCore) => ({
  /** Create a row (generated fields overridden by `fields`); returns its id. */
  create: (name: SimResourceName, fields: Fields = {}) => create(core, name, fields),
  /** Change fields and bump date_modified. */
  update: (name: SimResourceName, id: number, patch: Fields) => update(core, name, id, patch),
  delete: (name: SimResourceName, id: number) => remove(core, name, id),
  /** A change a merchant might make to a row (its spec's sampleEdit); false if it has none. */
  editSample: (name: SimResourceName, id: number, n: number) => editSample(core, name, id, n),
  /** Delete a row as the control panel does: orders are archived, others deleted. */
  retire: (name: SimResourceName, id: number) => retire(core, name, id),
})
