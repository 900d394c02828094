// v3 customers: the list, sorted by creation or date_modified, with date and `id:in` filters;
// sub-resources only when `include` names them.
import type { Context } from 'hono'
import type { SimRecord } from '../generate.ts'
import { BadRequest, BASE, type SimApp, type SimContext } from './context.ts'
import { v3JsonEnvelope } from './envelopes.ts'
import { idList, readPaging, trimFields, v3ModifiedRange } from './query.ts'
import { dateBoundsOf, pageOf, select, tieOrderOf, type Selection } from './select.ts'

/** `include` values and the field each one adds to a customer. */
const CUSTOMER_INCLUDES: Record<string, string> = {
  addresses: 'addresses',
  storecredit: 'store_credit_amounts',
  attributes: 'attributes',
  formfields: 'form_fields',
}

/** Addresses a customer embeds at most (documented). */
const EMBEDDED_ADDRESSES = 10

function customerJson(ctx: SimContext, c: Context, record: SimRecord): string {
  const include = new Set((c.req.query('include') ?? '').split(',').filter(Boolean))
  const fields = ctx.settings.customersIncludeFields ? (c.req.query('include_fields') ?? '') : ''
  const key = `${[...include].sort().join(',')}|${fields}`
  return ctx.store.renderJson('customers', record, key, (full) => {
    for (const [param, key] of Object.entries(CUSTOMER_INCLUDES))
      if (!include.has(param)) delete full[key]
    // `customer_Full.addresses.maxItems: 10`: the rest only through /v3/customers/addresses.
    if (Array.isArray(full.addresses)) full.addresses = full.addresses.slice(0, EMBEDDED_ADDRESSES)
    return fields ? trimFields(c, full) : full
  })
}

function listCustomers(ctx: SimContext, c: Context) {
  const { page, limit } = readPaging(c)
  const sort = c.req.query('sort') ?? 'date_created:asc'
  const [field, direction = 'asc'] = sort.split(':')
  if (!['date_created', 'date_modified', 'last_name'].includes(field ?? ''))
    throw new BadRequest(422, `sort ${sort} is not supported`)
  const selection: Selection = {
    ...dateBoundsOf(ctx),
    // last_name sorting is not simulated; creation (id) order stands in for it.
    sortBy: field === 'date_modified' ? 'modified' : 'id',
    desc: direction === 'desc',
    ...v3ModifiedRange(ctx.clock, c),
    ids: idList(c.req.query('id:in')),
  }
  const rows = select(ctx.store, 'customers', selection)
  const pageRows = pageOf(rows, page, limit, c.get('fault'), tieOrderOf(ctx, selection))
  const json = pageRows.map((r) => customerJson(ctx, c, r))
  return v3JsonEnvelope(c, json, rows.length, page, limit)
}

export function registerCustomerRoutes(app: SimApp) {
  app.get(`${BASE}/v3/customers`, (c) => listCustomers(c.var.sim, c))
}
