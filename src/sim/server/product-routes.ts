// v3 catalog products: the list (sorted by id or date_modified, with id and date filters) and one
// product by id, each shaped by `include`, `include_fields` and `exclude_fields`.
import type { Context } from 'hono'
import type { SimRecord } from '../generate.ts'
import { BadRequest, BASE, type SimApp, type SimContext } from './context.ts'
import { v3JsonEnvelope } from './envelopes.ts'
import { idList, int, readPaging, trimFields, v3ModifiedRange } from './query.ts'
import { dateBoundsOf, pageOf, select, tieOrderOf, type Selection } from './select.ts'

/** Sub-resources a product carries only when `include` names them. */
const PRODUCT_INCLUDES = [
  'variants',
  'images',
  'custom_fields',
  'bulk_pricing_rules',
  'primary_image',
  'options',
  'modifiers',
  'videos',
]

/** The embedded variants' cap: the harsher reading unless the store is told otherwise. */
export const variantCapOf = (ctx: SimContext) =>
  ctx.settings.embeddedVariantCap === undefined ? 50 : ctx.settings.embeddedVariantCap

function shapeProduct(c: Context, full: Record<string, unknown>, variantCap: number | null) {
  const include = new Set((c.req.query('include') ?? '').split(',').filter(Boolean))
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(full)) {
    if (PRODUCT_INCLUDES.includes(key) && !include.has(key)) continue
    out[key] = value
  }
  if (Array.isArray(out.variants) && variantCap !== null)
    out.variants = out.variants.slice(0, variantCap)
  if (include.has('options')) out.options = []
  if (include.has('modifiers')) out.modifiers = []
  if (include.has('videos')) out.videos = []
  if (include.has('primary_image'))
    out.primary_image = Array.isArray(full.images) ? (full.images[0] ?? null) : null
  return trimFields(c, out)
}

function productJson(ctx: SimContext, c: Context, record: SimRecord): string {
  const cap = variantCapOf(ctx)
  const key = `${c.req.query('include') ?? ''}|${c.req.query('include_fields') ?? ''}|${c.req.query('exclude_fields') ?? ''}|${cap}`
  return ctx.store.renderJson('products', record, key, (full) => shapeProduct(c, full, cap))
}

function listProducts(ctx: SimContext, c: Context) {
  const include = (c.req.query('include') ?? '').split(',')
  // BigCommerce caps pages at 10 when options or modifiers are included.
  const capped = include.includes('options') || include.includes('modifiers')
  const { page, limit } = readPaging(c, capped ? 10 : 250)
  const sort = c.req.query('sort') ?? 'id'
  if (sort !== 'id' && sort !== 'date_modified')
    throw new BadRequest(422, `sort ${sort} is not supported by the simulator`)
  const direction = c.req.query('direction') ?? 'asc'
  const exactId = int(c.req.query('id'), 'id')
  const selection: Selection = {
    ...dateBoundsOf(ctx),
    sortBy: sort === 'date_modified' ? 'modified' : 'id',
    desc: direction === 'desc',
    ...v3ModifiedRange(ctx.clock, c),
    minId: exactId ?? int(c.req.query('id:min'), 'id:min'),
    maxId: exactId ?? int(c.req.query('id:max'), 'id:max'),
    ids: idList(c.req.query('id:in')),
  }
  const rows = select(ctx.store, 'products', selection)
  const pageRows = pageOf(rows, page, limit, c.get('fault'), tieOrderOf(ctx, selection))
  const json = pageRows.map((r) => productJson(ctx, c, r))
  return v3JsonEnvelope(c, json, rows.length, page, limit)
}

/** BigCommerce's answer for a product id it does not have. */
export const productNotFound = (c: Context) =>
  c.json({ status: 404, title: 'The requested product was not found.', type: 'about:blank' }, 404)

export function registerProductRoutes(app: SimApp) {
  app.get(`${BASE}/v3/catalog/products/:id{[0-9]+}`, (c) => {
    const ctx = c.var.sim
    const record = ctx.store.readById('products', Number(c.req.param('id')))
    if (!record) return productNotFound(c)
    const full = ctx.store.render('products', record)
    return c.json({ data: shapeProduct(c, full, variantCapOf(ctx)), meta: {} })
  })
  app.get(`${BASE}/v3/catalog/products`, (c) => listProducts(c.var.sim, c))
}
