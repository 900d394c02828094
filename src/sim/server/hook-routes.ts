// v3 hooks: list, create, read, update and delete webhooks, each client seeing only its own
// (at most 10 per scope, one per scope and destination; only documented wildcards; https on 443
// unless local testing), and the admin view with the client's blocked domains.
import type { Context } from 'hono'
import { refuseDestination, refuseScope } from '../webhook-rules.ts'
import type { SimHook } from '../webhooks.ts'
import { BadRequest, BASE, type SimApp, type SimContext, type SimEnv } from './context.ts'
import { v3Envelope } from './envelopes.ts'
import { readPaging } from './query.ts'

type HookInput = Partial<Pick<SimHook, 'scope' | 'destination' | 'is_active' | 'headers'>>

const hookNotFound = (c: Context) => c.json({ status: 404, title: 'Hook not found' }, 404)

function visibleHook(ctx: SimContext, c: Context<SimEnv>): SimHook | undefined {
  ctx.webhooks.expireIdleHooks()
  const hook = ctx.webhooks.hooks.get(Number(c.req.param('id')))
  return hook && hook.client_id === c.get('clientId') ? hook : undefined
}

async function readHookBody(ctx: SimContext, c: Context): Promise<HookInput> {
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
    const refused = refuseScope(b.scope)
    if (refused) throw new BadRequest(422, refused)
    out.scope = String(b.scope)
  }
  if (b.destination !== undefined) {
    const refused = refuseDestination(b.destination, ctx.webhooks.settings().localTesting ?? false)
    if (refused) throw new BadRequest(422, refused)
    out.destination = String(b.destination)
  }
  if (b.is_active !== undefined) out.is_active = Boolean(b.is_active)
  if (b.headers !== undefined) out.headers = (b.headers as Record<string, string> | null) ?? null
  return out
}

function listHooks(ctx: SimContext, c: Context<SimEnv>) {
  ctx.webhooks.expireIdleHooks()
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
  const input = await readHookBody(ctx, c)
  if (!input.scope || !input.destination)
    throw new BadRequest(422, 'scope and destination are required')
  const { scope, destination } = input
  if (ctx.webhooks.settings().unknownScopes?.includes(scope))
    throw new BadRequest(422, `scope ${scope} is not a valid webhook scope`)
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

/** GET /v3/hooks/admin: the client's hooks with their status, and its blocked domains. */
function hooksAdmin(ctx: SimContext, c: Context<SimEnv>) {
  ctx.webhooks.expireIdleHooks()
  const clientId = c.get('clientId')
  const active = c.req.query('is_active')
  const hooks = [...ctx.webhooks.hooks.values()].filter(
    (h) => h.client_id === clientId && (active === undefined || String(h.is_active) === active),
  )
  return c.json({
    data: {
      emails: [],
      hooks_list: hooks.map((h) => ({ ...h, status: ctx.webhooks.hookStatus(h) })),
      blocked_domains: ctx.webhooks.blockedDomains(clientId),
    },
    meta: {},
  })
}

export function registerHookRoutes(app: SimApp) {
  const one = `${BASE}/v3/hooks/:id{[0-9]+}`
  app.get(`${BASE}/v3/hooks/admin`, (c) => hooksAdmin(c.var.sim, c))
  app.get(`${BASE}/v3/hooks`, (c) => listHooks(c.var.sim, c))
  app.post(`${BASE}/v3/hooks`, (c) => createHook(c.var.sim, c))
  app.get(one, (c) => {
    const hook = visibleHook(c.var.sim, c)
    return hook ? c.json({ data: hook, meta: {} }) : hookNotFound(c)
  })
  app.put(one, async (c) => {
    const ctx = c.var.sim
    const hook = visibleHook(ctx, c)
    if (!hook) return hookNotFound(c)
    const changes = await readHookBody(ctx, c)
    const clash = [...ctx.webhooks.hooks.values()].some(
      (h) =>
        h !== hook &&
        h.client_id === hook.client_id &&
        h.scope === (changes.scope ?? hook.scope) &&
        h.destination === (changes.destination ?? hook.destination),
    )
    if (clash) throw new BadRequest(422, 'A hook for this scope and destination exists')
    Object.assign(hook, changes, { updated_at: Math.floor(ctx.clock.now() / 1000) })
    if (changes.is_active) ctx.webhooks.noteReactivated(hook.id)
    return c.json({ data: hook, meta: {} })
  })
  app.delete(one, (c) => {
    const ctx = c.var.sim
    const hook = visibleHook(ctx, c)
    if (!hook) return hookNotFound(c)
    ctx.webhooks.hooks.delete(hook.id)
    return c.json({ data: hook, meta: {} })
  })
}
