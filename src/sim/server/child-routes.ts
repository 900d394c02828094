// The v3 lists of children across parents, for each child list a resource's spec declares
// (`GET /v3/catalog/variants?product_id:in=...`, `GET /v3/customers/addresses?customer_id:in=...`):
// every child of the named parents (never cut, unlike the embeds), ordered by parent and id, paged
// with meta.pagination; and one parent's (`GET /v3/catalog/products/{id}/variants`) where the
// spec says. A list may ignore its parent filter on a switch (the variants list's `product_id:in`
// is undocumented). A fault's shortPage and omitIds apply as on the other lists.
import type { Context } from 'hono'
import type { SimChildList } from '../generate.ts'
import { BASE, type SimApp, type SimContext } from './context.ts'
import type { MutableOptions } from './options.ts'
import { v3Envelope } from './envelopes.ts'
import { idList, readPaging } from './query.ts'
import { notFound, SPECS, type Spec } from './resource-routes.ts'

type ChildList = SimChildList<MutableOptions>

/** The parents a request lists the children of: those of `<parentKey>:in`, or every one. */
function parentsAsked(ctx: SimContext, c: Context, spec: Spec, list: ChildList) {
  if (list.ignoresParentFilter?.(ctx.settings))
    return ctx.store.byId(spec.name).map((record) => record.id)
  return [...new Set(idList(c.req.query(`${list.parentKey}:in`)) ?? [])].sort((a, b) => a - b)
}

function listChildren(c: Context, spec: Spec, list: ChildList, parents: number[]) {
  const ctx = c.var.sim as SimContext
  const { page, limit } = readPaging(c)
  const children: unknown[] = []
  for (const id of parents) {
    const record = ctx.store.get(spec.name, id)
    if (!record) continue
    const items = ctx.store.render(spec.name, record)[list.field]
    if (Array.isArray(items)) children.push(...items)
  }
  let rows = children.slice((page - 1) * limit, page * limit)
  // A fault's cut page or left-out ids, while the total still counts every child.
  const fault = c.get('fault')
  if (fault?.shortPage !== undefined) rows = rows.slice(0, fault.shortPage)
  const omit = fault?.omitIds
  if (omit) rows = rows.filter((row) => !omit.includes(Number((row as { id?: unknown }).id)))
  return v3Envelope(c, rows, children.length, page, limit)
}

function registerChildList(app: SimApp, spec: Spec, list: ChildList) {
  app.get(`${BASE}${list.path}`, (c) =>
    listChildren(c, spec, list, parentsAsked(c.var.sim, c, spec, list)),
  )
  if (!list.perParent) return
  app.get(`${BASE}${spec.path}/:id{[0-9]+}/${list.field}`, (c) => {
    const record = c.var.sim.store.readById(spec.name, Number(c.req.param('id')))
    if (!record) return notFound(c, spec)
    return listChildren(c, spec, list, [record.id])
  })
}

export function registerChildRoutes(app: SimApp) {
  for (const spec of SPECS)
    for (const list of spec.children ?? []) registerChildList(app, spec, list)
}
