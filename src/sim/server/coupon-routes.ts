// v2 coupons: the list and its count, filtered by id or an id range, always in id order.
import type { Context } from 'hono'
import { BASE, type SimApp } from './context.ts'
import { int, readPaging } from './query.ts'
import { pageOf, select, type Selection } from './select.ts'

function couponSelection(c: Context): Selection {
  const id = int(c.req.query('id'), 'id')
  return {
    sortBy: 'id',
    desc: false,
    minId: id ?? int(c.req.query('min_id'), 'min_id'),
    maxId: id ?? int(c.req.query('max_id'), 'max_id'),
  }
}

export function registerCouponRoutes(app: SimApp) {
  app.get(`${BASE}/v2/coupons/count`, (c) =>
    c.json({ count: select(c.var.sim.store, 'coupons', couponSelection(c)).length }),
  )
  app.get(`${BASE}/v2/coupons`, (c) => {
    const { store } = c.var.sim
    const { page, limit } = readPaging(c)
    const rows = pageOf(select(store, 'coupons', couponSelection(c)), page, limit, c.get('fault'))
    if (rows.length === 0) return c.body(null, 204)
    return c.json(rows.map((r) => store.render('coupons', r)))
  })
}
