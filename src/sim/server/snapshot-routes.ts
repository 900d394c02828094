// The generic routes of every resource the store lists whole (generate.ts SIM_SNAPSHOTS): in id
// order, filtered by id, an id range or an id list, as v2 (bare arrays, 204 past the end, `/count`)
// or v3 (`{data, meta}`, one object by id) as the resource's path says. v3 refuses `sort`: whether
// these lists take one is not documented, so the simulator answers the harsher way.
import type { Context } from 'hono'
import { SIM_SNAPSHOTS, type SimSnapshotSpec, type SimSnapshotName } from '../generate.ts'
import { BadRequest, BASE, type SimApp } from './context.ts'
import { v3Envelope } from './envelopes.ts'
import { idList, int, readPaging, trimFields } from './query.ts'
import { pageOf, select, type Selection } from './select.ts'

function v2Selection(c: Context): Selection {
  const id = int(c.req.query('id'), 'id')
  return {
    sortBy: 'id',
    desc: false,
    minId: id ?? int(c.req.query('min_id'), 'min_id'),
    maxId: id ?? int(c.req.query('max_id'), 'max_id'),
  }
}

function v3Selection(c: Context): Selection {
  if (c.req.query('sort') !== undefined)
    throw new BadRequest(422, 'sort is not supported on this list (simulated)')
  const id = int(c.req.query('id'), 'id')
  return {
    sortBy: 'id',
    desc: false,
    minId: id ?? int(c.req.query('id:min'), 'id:min'),
    maxId: id ?? int(c.req.query('id:max'), 'id:max'),
    ids: idList(c.req.query('id:in')),
  }
}

function registerV2(app: SimApp, spec: SimSnapshotSpec<SimSnapshotName>) {
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

function registerV3(app: SimApp, spec: SimSnapshotSpec<SimSnapshotName>) {
  app.get(`${BASE}${spec.path}/:id{[0-9]+}`, (c) => {
    const { store } = c.var.sim
    const record = store.readById(spec.name, Number(c.req.param('id')))
    if (!record)
      return c.json({ status: 404, title: `The requested ${spec.singular} was not found.` }, 404)
    return c.json({ data: trimFields(c, store.render(spec.name, record)), meta: {} })
  })
  app.get(`${BASE}${spec.path}`, (c) => {
    const { store } = c.var.sim
    const { page, limit } = readPaging(c)
    const rows = select(store, spec.name, v3Selection(c))
    const pageRows = pageOf(rows, page, limit, c.get('fault'))
    const data = pageRows.map((r) => trimFields(c, store.render(spec.name, r)))
    return v3Envelope(c, data, rows.length, page, limit)
  })
}

export function registerSnapshotRoutes(app: SimApp) {
  for (const spec of SIM_SNAPSHOTS) {
    if (spec.path.startsWith('/v2/')) registerV2(app, spec)
    else registerV3(app, spec)
  }
}
