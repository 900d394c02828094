// The v3 lists of children across parents: `GET /v3/catalog/variants?product_id:in=...` and
// `GET /v3/customers/addresses?customer_id:in=...`, every child of the named parents (never cut,
// unlike the embeds), ordered by parent and id, paged with meta.pagination; and one product's
// `GET /v3/catalog/products/{id}/variants`. The variants list ignores `product_id:in` unless
// variantListHonoursProductIn (undocumented filter). A fault's shortPage and omitIds apply as on
// the other lists.
import type { Context } from 'hono'
import type { SimResourceName } from '../generate.ts'
import { BASE, type SimApp, type SimContext } from './context.ts'
import { v3Envelope } from './envelopes.ts'
import { productNotFound } from './product-routes.ts'
import { idList, readPaging } from './query.ts'

interface ChildList {
  parent: SimResourceName
  field: string
  parentKey: string
  /** The parents whose children are listed; default those of `<parentKey>:in`. */
  parents?: number[]
}

function listChildren(ctx: SimContext, c: Context, list: ChildList) {
  const { page, limit } = readPaging(c)
  const parents =
    list.parents ??
    [...new Set(idList(c.req.query(`${list.parentKey}:in`)) ?? [])].sort((a, b) => a - b)
  const children: unknown[] = []
  for (const id of parents) {
    const record = ctx.store.get(list.parent, id)
    if (!record) continue
    const items = ctx.store.render(list.parent, record)[list.field]
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

const VARIANTS = { parent: 'products', field: 'variants', parentKey: 'product_id' } as const

export function registerChildRoutes(app: SimApp) {
  app.get(`${BASE}/v3/catalog/variants`, (c) => {
    const ctx = c.var.sim
    // Ignoring the filter: every product's variants, the whole store's total.
    const parents = ctx.settings.variantListHonoursProductIn
      ? undefined
      : ctx.store.byId('products').map((record) => record.id)
    return listChildren(ctx, c, { ...VARIANTS, parents })
  })
  app.get(`${BASE}/v3/catalog/products/:id{[0-9]+}/variants`, (c) => {
    const ctx = c.var.sim
    const record = ctx.store.readById('products', Number(c.req.param('id')))
    if (!record) return productNotFound(c)
    return listChildren(ctx, c, { ...VARIANTS, parents: [record.id] })
  })
  app.get(`${BASE}/v3/customers/addresses`, (c) =>
    listChildren(c.var.sim, c, {
      parent: 'customers',
      field: 'addresses',
      parentKey: 'customer_id',
    }),
  )
}
