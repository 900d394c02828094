// What needs a person in the store's hooks, as the last hook check found them (hook-state.ts):
// scopes the store refused, a destination BigCommerce blocks, hooks it switched off.
import type { HooksStatus } from './recorded-state.ts'

interface HookProblem {
  what: string
  fix: string
}

/** Refused scopes, blocked destinations, and hooks BigCommerce switched off that stay off. */
export function findHookProblems(hooks: HooksStatus): HookProblem[] {
  const problems: HookProblem[] = []
  const url = hooks.destination ?? 'https://<this mirror>/webhooks/bigcommerce'
  const ensure = `bc-mirror webhooks ensure --url ${url}`
  if (hooks.refused.length > 0) {
    const scopes = hooks.refused.map((r) => `${r.scope} (${r.reason})`).join('; ')
    problems.push({
      what: `the store refused ${hooks.refused.length} hook${hooks.refused.length === 1 ? '' : 's'}, whose changes reach the mirror only through sweeps: ${scopes}`,
      fix: `${ensure} (it says why each is refused); until then serve's sweeps keep those rows current`,
    })
  }
  for (const b of hooks.blocked) {
    problems.push({
      what: `BigCommerce blocks webhook deliveries to ${b.destination} until ${b.until} (fewer than 90% of its deliveries succeeded over 2 minutes${b.reasons.length ? `: ${b.reasons.join(', ')}` : ''}); events wait in its retry queue`,
      fix: 'make the receiver answer 2xx (check serve is running, /healthz, and its log for 503s); deliveries resume by themselves when the block ends',
    })
  }
  for (const d of hooks.deactivated.filter((h) => !h.reactivated)) {
    const why =
      d.cause === 'inactivity'
        ? 'after 90 days without events'
        : 'after 48 hours of failed deliveries'
    problems.push({
      what: `BigCommerce switched off the hook for ${d.scope} ${why}`,
      fix: `${ensure}${d.cause === 'failures' ? ', then bc-mirror sync to catch up' : ''}`,
    })
  }
  return problems
}
