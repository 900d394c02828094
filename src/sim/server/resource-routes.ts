// The generic routes of every resource without routes of its own (generate.ts SIM_RESOURCES; v2
// orders have theirs): filtered by id, an id range or an id list, and by date_modified where rows
// carry it, as v2 (bare arrays, 204 past the end, `/count`, id order) or v3 (`{data, meta}`, one
// object by id, the sorts and includes its spec lists) as the resource's path says. A v3 list
// whose sort is not documented refuses `sort`: the simulator answers the harsher way.
import type { Context } from 'hono'
import {
  SIM_RESOURCES,
  type SimRecord,
  type SimResourceName,
  type SimResourceSpec,
  type SimV3Listing,
} from '../generate.ts'
import { BadRequest, BASE, type SimApp, type SimContext } from './context.ts'
import type { MutableOptions } from './options.ts'
import { v3JsonEnvelope } from './envelopes.ts'
import { idList, int, readPaging, trimFields, v3ModifiedRange } from './query.ts'
import { dateBoundsOf, pageOf, select, tieOrderOf, type Selection } from './select.ts'

/** A resource's spec, its hooks given the store's switches. */
export type Spec = SimResourceSpec<SimResourceName, MutableOptions>

/** A v3 list's reading when its spec says nothing: no sort, id filters, one object by id. */
const PLAIN_V3: SimV3Listing<MutableOptions> = {
  sorts: {},
  sortForm: 'direction',
  idRange: true,
  byId: true,
  includes: {},
}

const listingOf = (spec: Spec) => spec.v3 ?? PLAIN_V3

/** BigCommerce's v3 answer for an id it does not have. */
export const notFound = (c: Context, spec: Spec) =>
  c.json(
    { status: 404, title: `The requested ${spec.singular} was not found.`, type: 'about:blank' },
    404,
  )

function v2Selection(c: Context): Selection {
  const id = int(c.req.query('id'), 'id')
  return {
    sortBy: 'id',
    desc: false,
    minId: id ?? int(c.req.query('min_id'), 'min_id'),
    maxId: id ?? int(c.req.query('max_id'), 'max_id'),
  }
}

function registerV2(app: SimApp, spec: Spec) {
  app.get(`${BASE}${spec.path}/count`, (c) =>
    c.json({ count: select(c.var.sim.store, spec.name, v2Selection(c)).length }),
  )
  app.get(`${BASE}${spec.path}`, (c) => {
    const { store } = c.var.sim
    const { page, limit } = readPaging(c)
    const rows = pageOf(select(store, spec.name, v2Selection(c)), page, limit, c.get('fault'))
    if (rows.length === 0) return c.body(null, 204)
    return c.json(rows.map((r) => store.render(spec.name, r)))
  })
}

/** The order a v3 list's `sort` (and the catalog's `direction`) asks for, if the list takes it. */
function v3Sort(
  c: Context,
  listing: SimV3Listing<MutableOptions>,
): Pick<Selection, 'sortBy' | 'desc'> {
  const sort = c.req.query('sort')
  const [field, colonDirection] = (sort ?? '').split(':')
  const direction = listing.sortForm === 'colon' ? colonDirection : c.req.query('direction')
  if (sort === undefined) return { sortBy: 'id', desc: direction === 'desc' }
  const sortBy = listing.sorts[field ?? '']
  if (!sortBy) throw new BadRequest(422, `sort ${sort} is not supported on this list (simulated)`)
  return { sortBy, desc: direction === 'desc' }
}

function v3Selection(ctx: SimContext, c: Context, spec: Spec): Selection {
  const listing = listingOf(spec)
  const exactId = listing.idRange ? int(c.req.query('id'), 'id') : undefined
  return {
    ...dateBoundsOf(ctx),
    ...v3Sort(c, listing),
    ...(spec.dated ? v3ModifiedRange(ctx.clock, c) : {}),
    ...(listing.idRange
      ? {
          minId: exactId ?? int(c.req.query('id:min'), 'id:min'),
          maxId: exactId ?? int(c.req.query('id:max'), 'id:max'),
        }
      : {}),
    ids: idList(c.req.query('id:in')),
  }
}

const includeOf = (c: Context) => new Set((c.req.query('include') ?? '').split(',').filter(Boolean))

/** An object as the query shapes it: includes, the spec's own shaping, then field trimming. */
function shaped(ctx: SimContext, c: Context, spec: Spec, full: Record<string, unknown>) {
  const listing = listingOf(spec)
  const include = includeOf(c)
  const whole = listing.shape ? listing.shape(full, include, ctx.settings) : full
  const left = Object.entries(listing.includes).flatMap(([param, field]) =>
    include.has(param) ? [] : [field],
  )
  // Copied without what is left out, not deleted from: a deleted key slows V8's objects.
  const out: Record<string, unknown> = {}
  for (const key in whole) if (!left.includes(key)) out[key] = whole[key]
  return listing.trimsFields?.(ctx.settings) === false ? out : trimFields(c, out)
}

function objectJson(ctx: SimContext, c: Context, spec: Spec, record: SimRecord): string {
  const listing = listingOf(spec)
  const fields =
    listing.trimsFields?.(ctx.settings) === false
      ? ''
      : `${c.req.query('include_fields') ?? ''}|${c.req.query('exclude_fields') ?? ''}`
  const key = `${[...includeOf(c)].sort().join(',')}|${fields}|${listing.shapeKey?.(ctx.settings) ?? ''}`
  return ctx.store.renderJson(spec.name, record, key, (full) => shaped(ctx, c, spec, full))
}

function listV3(ctx: SimContext, c: Context, spec: Spec) {
  const { page, limit } = readPaging(c, listingOf(spec).maxLimit?.(includeOf(c)))
  const selection = v3Selection(ctx, c, spec)
  const rows = select(ctx.store, spec.name, selection)
  const pageRows = pageOf(rows, page, limit, c.get('fault'), tieOrderOf(ctx, selection))
  const json = pageRows.map((r) => objectJson(ctx, c, spec, r))
  return v3JsonEnvelope(c, json, rows.length, page, limit)
}

function registerV3(app: SimApp, spec: Spec) {
  if (listingOf(spec).byId)
    app.get(`${BASE}${spec.path}/:id{[0-9]+}`, (c) => {
      const ctx = c.var.sim
      const record = ctx.store.readById(spec.name, Number(c.req.param('id')))
      if (!record) return notFound(c, spec)
      return c.json({ data: shaped(ctx, c, spec, ctx.store.render(spec.name, record)), meta: {} })
    })
  app.get(`${BASE}${spec.path}`, (c) => listV3(c.var.sim, c, spec))
}

/** Every resource's spec; each one's switches are among the store's (checked here). */
export const SPECS: readonly Spec[] = SIM_RESOURCES

export function registerResourceRoutes(app: SimApp) {
  for (const spec of SPECS) {
    if (spec.bespokeRoutes) continue
    if (spec.path.startsWith('/v2/')) registerV2(app, spec)
    else registerV3(app, spec)
  }
}
