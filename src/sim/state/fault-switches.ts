// Switches for answers a real store can give (docs/bigcommerce-api.md): a row that reads by id as
// missing although it exists, a read by id that answers with another row, a row rendered wrong.
import type { SimRecord, SimResourceName } from '../generate.ts'
import { forget, type Fields, type StateCore } from './tables.ts'

/** The row a read by id answers with: undefined while hidden, another row while aliased. */
export function readById(core: StateCore, name: SimResourceName, id: number) {
  const key = `${name}:${id}`
  const left = core.hidden.get(key) ?? 0
  if (left > 0) {
    core.hidden.set(key, left - 1)
    return undefined
  }
  return core.tables[name].byId.get(core.aliases.get(key) ?? id)
}

export const faultSwitchOps = (core: StateCore) => ({
  /** The next `times` reads of this id (GET by id, `id:in`) answer as if it did not exist. */
  hideById(name: SimResourceName, id: number, times: number) {
    core.hidden.set(`${name}:${id}`, times)
  },

  /** Reads of `askedId` by id answer with the row `servedId` instead (null: stop). */
  answerAs(name: SimResourceName, askedId: number, servedId: number | null) {
    if (servedId === null) core.aliases.delete(`${name}:${askedId}`)
    else core.aliases.set(`${name}:${askedId}`, servedId)
  },

  /** Every rendering of this row goes through `fn` (null: stop); lists and reads by id alike. */
  corrupt(name: SimResourceName, id: number, fn: ((rendered: Fields) => Fields) | null) {
    forget(core, name, id)
    if (fn === null) core.corruptions.delete(`${name}:${id}`)
    else core.corruptions.set(`${name}:${id}`, fn)
  },

  /** The row a read by id answers with: undefined while hidden, another row while aliased. */
  readById: (name: SimResourceName, id: number): SimRecord | undefined => readById(core, name, id),
})
