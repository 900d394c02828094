// The store API's state as a long-running mirror sees it: answering, refusing the token (401), or
// out (5xx, timeouts, connection errors after the client's own retries). Every request of the
// worker, the sweeps and the hook check goes through one wrapped client, so the state is learnt
// from real traffic. While the API is not answering, the gate holds new work back with growing
// waits; when a wait is over, the next piece of work is the probe, and the first answer reopens
// the gate. The state is logged once per change and kept in `sync_state` for `status`.
import { sql } from 'drizzle-orm'
import { withRequest, type BigCommerceClient } from '../bigcommerce/client.ts'
import { BigCommerceApiError, BigCommerceAuthError } from '../bigcommerce/errors.ts'
import type { Executor } from '../db/database.ts'
import { syncState } from '../db/schema.ts'

/** The `sync_state` row (beside the tables' rows) that holds the API's state. */
export const API_STATE_NAME = 'api'

export type ApiState = 'ok' | 'refused' | 'outage'

/** What kind of API failure an error is; null for one that says nothing of the API as a whole. */
export function classifyApiError(error: unknown): Exclude<ApiState, 'ok'> | null {
  if (error instanceof BigCommerceAuthError) return error.status === 401 ? 'refused' : null
  if (error instanceof BigCommerceApiError) {
    const status = error.status
    return status === null || status >= 500 || status === 429 ? 'outage' : null
  }
  return null
}

/** The first sentence of an error's message, short enough for a status line. */
export function shortError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const first = message.split(/(?<=\.)\s/)[0] ?? message
  return first.length > 200 ? `${first.slice(0, 197)}...` : first
}

export interface ApiHealthSnapshot {
  state: ApiState
  /** When the current state began. */
  since: Date
  lastError: string | null
  /** Failed tries in a row (0 when ok). */
  failures: number
}

export interface ApiHealthOptions {
  /** First wait after a failure; doubles per failed try. Default 2 s. */
  baseDelayMs?: number
  /** Longest wait between tries. Default 5 min. */
  maxDelayMs?: number
  now?: () => number
  /** Told once per change of state (never per request), and at the first answer or failure. */
  onChange?: (now: ApiHealthSnapshot, before: ApiHealthSnapshot) => void
}

export interface ApiHealth {
  snapshot(): ApiHealthSnapshot
  /** How long new work should wait before touching the API; 0 when it may go now. */
  delayMs(): number
  succeeded(): void
  failed(error: unknown): void
}

export function createApiHealth(options: ApiHealthOptions = {}): ApiHealth {
  const now = options.now ?? Date.now
  const base = options.baseDelayMs ?? 2_000
  const max = options.maxDelayMs ?? 300_000
  let current: ApiHealthSnapshot = {
    state: 'ok',
    since: new Date(now()),
    lastError: null,
    failures: 0,
  }
  let nextTryAt = 0
  let seen = false

  const change = (next: ApiHealthSnapshot) => {
    const before = current
    current = next
    if (!seen || before.state !== next.state) options.onChange?.(next, before)
    seen = true
  }

  return {
    snapshot: () => current,
    delayMs: () => (current.state === 'ok' ? 0 : Math.max(0, nextTryAt - now())),
    succeeded() {
      if (current.state !== 'ok' || !seen)
        change({ state: 'ok', since: new Date(now()), lastError: null, failures: 0 })
    },
    failed(error) {
      const kind = classifyApiError(error)
      if (!kind) return
      const at = now()
      // Requests of one try fail together; only a try made after the wait counts as another.
      const anotherTry = current.state === 'ok' || at >= nextTryAt
      const failures = anotherTry ? current.failures + 1 : current.failures
      if (anotherTry) nextTryAt = at + Math.min(max, base * 2 ** (failures - 1))
      change({
        state: kind,
        since: current.state === kind ? current.since : new Date(at),
        lastError: shortError(error),
        failures,
      })
    },
  }
}

/**
 * Whether work may touch the API now. While it refuses the token or is out, the answer is no until
 * the gate's wait is over; then one cheap request (`probe`, through a watched client), shared by
 * everyone who asks meanwhile, decides. So a sweep never serves as the probe: it would fail, be
 * recorded as failed, and run again every few seconds while the token stays refused.
 */
export function createApiProbe(
  health: ApiHealth,
  probe: (signal?: AbortSignal) => Promise<unknown>,
): (signal?: AbortSignal) => Promise<boolean> {
  let asking: Promise<boolean> | null = null
  return async (signal) => {
    if (health.snapshot().state === 'ok') return true
    if (health.delayMs() > 0) return false
    asking ??= probe(signal)
      .then(
        () => health.snapshot().state === 'ok',
        () => false,
      )
      .finally(() => {
        asking = null
      })
    return asking
  }
}

/** A client whose every answer and failure tells `health` how the API is doing. */
export function watchApi(client: BigCommerceClient, health: ApiHealth): BigCommerceClient {
  const request: BigCommerceClient['request'] = async (path, options) => {
    try {
      const response = await client.request(path, options)
      health.succeeded()
      return response
    } catch (error) {
      health.failed(error)
      throw error
    }
  }
  return withRequest(client, request)
}

/** Keeps the API's state for `status`: one row, written on each change. */
export async function recordApiState(db: Executor, storeHash: string, snapshot: ApiHealthSnapshot) {
  const ok = snapshot.state === 'ok'
  await db.execute(sql`
    insert into ${syncState} (store_hash, table_name, last_started_at, last_finished_at,
                              last_success_at, last_status, last_error)
    values (${storeHash}, ${API_STATE_NAME}, ${snapshot.since.toISOString()}::timestamptz, now(),
            case when ${ok} then now() end, ${snapshot.state}, ${snapshot.lastError})
    on conflict (store_hash, table_name) do update set
      last_started_at = excluded.last_started_at, last_finished_at = excluded.last_finished_at,
      last_success_at = coalesce(excluded.last_success_at, ${syncState.last_success_at}),
      last_status = excluded.last_status, last_error = excluded.last_error`)
}
