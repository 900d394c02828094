// `/metrics` figures over every store served, without the store's hash as a label: a thousand
// stores must not make a thousand series per figure. Per store figures are on `/status` and in
// `bc-mirror status`; here the totals, and how many stores are in each state.
import type { StoresOverview } from '../sync/status/stores.ts'

const API_STATES = ['ok', 'refused', 'outage', 'unseen'] as const

export function renderStoresMetrics(overview: StoresOverview): string {
  const byApi = new Map<string, number>(API_STATES.map((s) => [s, 0]))
  for (const store of overview.stores) {
    const state = store.api ?? 'unseen'
    byApi.set(state, (byApi.get(state) ?? 0) + 1)
  }
  const { total } = overview
  return [
    '# HELP bcmirror_stores Stores served, by the state of their API (ok, refused, outage, unseen)',
    '# TYPE bcmirror_stores gauge',
    ...[...byApi].map(([state, n]) => `bcmirror_stores{api_state="${state}"} ${n}`),
    '# HELP bcmirror_stores_needing_attention Stores with something a person must fix (named on /status)',
    '# TYPE bcmirror_stores_needing_attention gauge',
    `bcmirror_stores_needing_attention ${total.needingAttention}`,
    '# HELP bcmirror_all_stores_rows Rows mirrored over every store served',
    '# TYPE bcmirror_all_stores_rows gauge',
    `bcmirror_all_stores_rows ${total.rows}`,
    '# HELP bcmirror_all_stores_inbox_pending Webhook events waiting over every store served',
    '# TYPE bcmirror_all_stores_inbox_pending gauge',
    `bcmirror_all_stores_inbox_pending ${total.pending}`,
    '',
  ].join('\n')
}
