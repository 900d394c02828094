// The in-memory state of the simulated store: rows per resource, a clock that tests can freeze and
// advance (BigCommerce timestamps have whole seconds, so tests need same-second ties on demand),
// mutations that bump date_modified as BigCommerce does, and rendering of rows in each API's
// format. Mutations report webhook events to a listener; the server turns them into deliveries.
//
// The parts live in ./state/: tables.ts (rows and shared helpers), mutations.ts (what every
// resource's spec allows), order-edits.ts and order-totals.ts (an order's children),
// child-edits.ts (variants and addresses added, edited and removed), fault-switches.ts
// (hideById, answerAs, corrupt) and render.ts.
import { generateContext, type SimRecord, type SimResourceName } from './generate.ts'
import { childEditOps } from './state/child-edits.ts'
import { createSimClock, type SimClock } from './state/clock.ts'
import { faultSwitchOps } from './state/fault-switches.ts'
import { mutationOps } from './state/mutations.ts'
import { orderEditOps } from './state/order-edits.ts'
import { renderOps } from './state/render.ts'
import {
  fieldsOf,
  generateTables,
  rowsById,
  rowsByModified,
  type SimDataOptions,
  type SimEvent,
  type StateCore,
} from './state/tables.ts'

export { createSimClock, type SimClock } from './state/clock.ts'
export { formatIso, formatRfc2822 } from './state/render.ts'
export type { Fields, SimDataOptions, SimEvent } from './state/tables.ts'

export interface SimStateOptions {
  data?: SimDataOptions
  clock?: SimClock
  variantEditsBumpProduct?: boolean
  /** Keep each row's JSON once rendered (fast big benchmarks; costs memory per row). */
  cacheRendered?: boolean
}

function createStateCore(options: SimStateOptions): StateCore {
  const clock = options.clock ?? createSimClock()
  const data = options.data ?? {}
  const seed = data.seed ?? 1
  return {
    clock,
    context: generateContext(seed, data.counts),
    tables: generateTables(data, clock, seed),
    variantEditsBumpProduct: options.variantEditsBumpProduct ?? true,
    cacheRendered: options.cacheRendered ?? false,
    listener: () => {},
    hidden: new Map(),
    aliases: new Map(),
    corruptions: new Map(),
    renderCache: new Map(),
    orderChildren: new WeakMap(),
  }
}

export function createSimState(options: SimStateOptions = {}) {
  const core = createStateCore(options)
  return {
    clock: core.clock,
    context: core.context,
    setStoreUrl(url: string) {
      core.context.storeUrl = url
    },
    onEvent(fn: (event: SimEvent) => void) {
      core.listener = fn
    },
    count: (name: SimResourceName) => core.tables[name].byId.size,
    get: (name: SimResourceName, id: number) => core.tables[name].byId.get(id),
    fieldsOf: (name: SimResourceName, record: SimRecord) => fieldsOf(core, name, record),
    /** Rows by ascending id. */
    byId: (name: SimResourceName) => rowsById(core, name),
    /** Rows by ascending (date_modified, id). */
    byModified: (name: SimResourceName) => rowsByModified(core, name),
    ...mutationOps(core),
    ...orderEditOps(core),
    ...childEditOps(core),
    ...faultSwitchOps(core),
    ...renderOps(core),
  }
}

export type SimState = ReturnType<typeof createSimState>
