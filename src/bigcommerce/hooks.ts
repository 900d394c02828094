// The webhooks management API (`/v3/hooks`): list, create, update (also how a deactivated hook is
// switched back on), delete. Hooks are visible only to the API account that created them.
import { z } from 'zod'
import type { BigCommerceClient } from './client.ts'
import { BigCommerceDataError } from './errors.ts'
import { listV3Pages } from './paging.ts'

const hookSchema = z.looseObject({
  id: z.number().int(),
  scope: z.string(),
  destination: z.string(),
  is_active: z.boolean(),
  headers: z.record(z.string(), z.string()).nullable().optional(),
  created_at: z.number().optional(),
  updated_at: z.number().optional(),
})

export type Hook = z.infer<typeof hookSchema>

export interface HookInput {
  scope: string
  destination: string
  is_active?: boolean
  headers?: Record<string, string> | null
}

function readHook(value: unknown): Hook {
  const parsed = hookSchema.safeParse(value)
  if (!parsed.success) {
    const id = value && typeof value === 'object' && 'id' in value ? value.id : null
    throw new BigCommerceDataError(
      `BigCommerce returned a malformed hook: ${parsed.error.message}`,
      { resource: 'hooks', id },
    )
  }
  return parsed.data
}

function readData(body: unknown): unknown {
  return body && typeof body === 'object' && 'data' in body ? body.data : undefined
}

/** Every hook of this API account, all pages. */
export async function listHooks(client: BigCommerceClient): Promise<Hook[]> {
  const hooks: Hook[] = []
  for await (const page of listV3Pages(client, '/v3/hooks', {})) {
    for (const item of page.items) hooks.push(readHook(item))
  }
  return hooks
}

export async function createHook(client: BigCommerceClient, input: HookInput): Promise<Hook> {
  const response = await client.request('/v3/hooks', { method: 'POST', body: input })
  return readHook(readData(response.body))
}

/** Change some of a hook's fields; null when the hook no longer exists. */
export async function updateHook(
  client: BigCommerceClient,
  id: number,
  changes: Partial<HookInput>,
): Promise<Hook | null> {
  const response = await client.request(`/v3/hooks/${id}`, { method: 'PUT', body: changes })
  return response.status === 404 ? null : readHook(readData(response.body))
}

/** Delete a hook; false when it was already gone. */
export async function deleteHook(client: BigCommerceClient, id: number): Promise<boolean> {
  const response = await client.request(`/v3/hooks/${id}`, { method: 'DELETE' })
  return response.status !== 404
}

/** A destination BigCommerce holds deliveries back from, as `GET /v3/hooks/admin` lists it. */
export interface BlockedDomain {
  destination: string
  /** Seconds until deliveries resume. */
  timeLeftSeconds: number
  /** Why, e.g. "HTTP 503 (120)". */
  reasons: string[]
}

const adminSchema = z.looseObject({
  blocked_domains: z
    .array(
      z.looseObject({
        destination: z.string(),
        time_left: z.number().optional(),
        reasons: z
          .array(
            z.looseObject({
              failure_description: z.string().optional(),
              count: z.number().optional(),
            }),
          )
          .optional(),
      }),
    )
    .nullable()
    .optional(),
})

/**
 * The destinations BigCommerce blocks for this API account now (`GET /v3/hooks/admin`); null when
 * the store does not answer it (the hooks themselves are read from `/v3/hooks`).
 */
export async function readBlockedDomains(
  client: BigCommerceClient,
): Promise<BlockedDomain[] | null> {
  const response = await client.request('/v3/hooks/admin', { method: 'GET' })
  if (response.status === 404) return null
  const parsed = adminSchema.safeParse(readData(response.body))
  if (!parsed.success) return null
  return (parsed.data.blocked_domains ?? []).map((d) => ({
    destination: d.destination,
    timeLeftSeconds: d.time_left ?? 0,
    reasons: (d.reasons ?? []).map(
      (r) => `${r.failure_description ?? 'failed'}${r.count === undefined ? '' : ` (${r.count})`}`,
    ),
  }))
}
