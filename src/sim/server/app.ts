// The simulated stores' Hono app: the control routes, the login service's token exchange, then
// the gate every API request passes (which finds the store the path names), the API's routes,
// and a JSON 404 for any other path under a store.
import { Hono } from 'hono'
import { BadRequest, BASE, type SimApp, type SimContext, type SimEnv } from './context.ts'
import type { SimFleet } from './fleet.ts'
import { registerLoginRoutes } from './login-routes.ts'
import { registerControlRoutes } from './control-routes.ts'
import { registerChildRoutes } from './child-routes.ts'
import { registerGate } from './gate.ts'
import { registerHookRoutes } from './hook-routes.ts'
import { registerOrderRoutes } from './order-routes.ts'
import { registerResourceRoutes } from './resource-routes.ts'

export function createSimApp(fleet: SimFleet): SimApp {
  const app = new Hono<SimEnv>()
  app.onError((error, c) => {
    if (error instanceof BadRequest)
      return c.json({ status: error.status, title: error.message }, error.status)
    return c.json({ status: 500, title: String(error) }, 500)
  })
  registerControlRoutes(app, fleet)
  registerLoginRoutes(app, fleet)
  // Every API answer is dated by the store's clock, which may be ahead of or behind this machine's.
  app.use(`${BASE}/*`, async (c, next) => {
    await next()
    const ctx = (c.get('sim') as SimContext | undefined) ?? fleet.first
    c.res.headers.set('Date', new Date(ctx.clock.now()).toUTCString())
  })
  registerGate(app, fleet)
  registerOrderRoutes(app)
  registerChildRoutes(app)
  registerResourceRoutes(app)
  registerHookRoutes(app)
  app.all(`${BASE}/*`, (c) => c.json({ status: 404, title: 'Not found in the simulator' }, 404))
  return app
}
