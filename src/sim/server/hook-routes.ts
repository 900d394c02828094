// v3 hooks: list, create, read, update and delete webhooks, each client seeing only its own
// (at most 10 per scope, one per scope and destination).
import type { Context } from 'hono'
import type { SimHook } from '../webhooks.ts'
import { BadRequest, BASE, type SimApp, type SimContext, type SimEnv } from './context.ts'
import { v3Envelope } from './envelopes.ts'
import { readPaging } from './query.ts'

type HookInput = Partial<Pick<SimHook, 'scope' | 'destination' | 'is_active' | 'headers'>>

const hookNotFound = (c: Context) => c.json({ status: 404, title: 'Hook not found' }, 404)

function visibleHook(ctx: SimContext, c: Context<SimEnv>): SimHook | undefined {
  const hook = ctx.webhooks.hooks.get(Number(c.req.param('id')))
  return hook && hook.client_id === c.get('clientId') ? hook : undefined
}

async function readHookBody(c: Context): Promise<HookInput> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new BadRequest(400, 'Body must be JSON')
  }
  if (!body || typeof body !== 'object') throw new BadRequest(422, 'Body must be an object')
  const b = body as Record<string, unknown>
  const out: HookInput = {}
  if (b.scope !== undefined) {
    if (typeof b.scope !== 'string' || !b.scope.startsWith('store/'))
      throw new BadRequest(422, 'scope is invalid')
    out.scope = b.scope
  }
  if (b.destination !== undefined) {
    if (typeof b.destination !== 'string' || !/^https?:\/\//.test(b.destination))
      throw new BadRequest(422, 'destination is invalid')
    out.destination = b.destination
  }
  if (b.is_active !== undefined) out.is_active = Boolean(b.is_active)
  if (b.headers !== undefined) out.headers = (b.headers as Record<string, string> | null) ?? null
  return out
}

function listHooks(ctx: SimContext, c: Context<SimEnv>) {
  const { page, limit } = readPaging(c)
  const active = c.req.query('is_active')
  const scope = c.req.query('scope')
  const destination = c.req.query('destination')
  const hooks = [...ctx.webhooks.hooks.values()].filter(
    (h) =>
      h.client_id === c.get('clientId') &&
      (active === undefined || String(h.is_active) === active) &&
      (scope === undefined || h.scope === scope) &&
      (destination === undefined || h.destination === destination),
  )
  return v3Envelope(c, hooks.slice((page - 1) * limit, page * limit), hooks.length, page, limit)
}

async function createHook(ctx: SimContext, c: Context<SimEnv>) {
  const input = await readHookBody(c)
  if (!input.scope || !input.destination)
    throw new BadRequest(422, 'scope and destination are required')
  const { scope, destination } = input
  const clientId = c.get('clientId')
  const same = [...ctx.webhooks.hooks.values()].filter(
    (h) => h.client_id === clientId && h.scope === scope,
  )
  if (same.some((h) => h.destination === destination))
    throw new BadRequest(422, 'A hook for this scope and destination exists')
  if (same.length >= 10) throw new BadRequest(422, 'At most 10 hooks per scope')
  const hook = ctx.webhooks.createHook({ ...input, scope, destination }, clientId)
  return c.json({ data: hook, meta: {} })
}

export function registerHookRoutes(app: SimApp, ctx: SimContext) {
  const one = `${BASE}/v3/hooks/:id{[0-9]+}`
  app.get(`${BASE}/v3/hooks`, (c) => listHooks(ctx, c))
  app.post(`${BASE}/v3/hooks`, (c) => createHook(ctx, c))
  app.get(one, (c) => {
    const hook = visibleHook(ctx, c)
    return hook ? c.json({ data: hook, meta: {} }) : hookNotFound(c)
  })
  app.put(one, async (c) => {
    const hook = visibleHook(ctx, c)
    if (!hook) return hookNotFound(c)
    Object.assign(hook, await readHookBody(c), { updated_at: Math.floor(ctx.clock.now() / 1000) })
    return c.json({ data: hook, meta: {} })
  })
  app.delete(one, (c) => {
    const hook = visibleHook(ctx, c)
    if (!hook) return hookNotFound(c)
    ctx.webhooks.hooks.delete(hook.id)
    return c.json({ data: hook, meta: {} })
  })
}
