// What needs a person, read off a status report, each with the command that fixes it (the status
// page and `status`'s exit code both read these).
import type { HooksStatus } from './recorded-state.ts'
import type { MirrorStatus } from './status.ts'

/** Something that needs a person, and the command that fixes it. */
export interface Problem {
  what: string
  fix: string
}

/** What needs a person: failed sweeps, failed events, missing or failing hooks, rejected rows. */
export function findProblems(status: Omit<MirrorStatus, 'problems'>): Problem[] {
  const problems: Problem[] = []
  if (status.api?.state === 'refused') {
    problems.push({
      what: `the store API refuses the access token (since ${status.api.since ?? 'unknown'}): ${status.api.lastError ?? ''}`,
      fix: 'set BIGCOMMERCE_ACCESS_TOKEN to the token of a working store-level API account; serve retries by itself',
    })
  }
  for (const [name, t] of Object.entries(status.tables)) {
    if (t.lastStatus === 'failed') {
      problems.push({
        what: `the last sweep of ${name} failed: ${t.lastError ?? 'no reason recorded'}`,
        fix: `bc-mirror sync --tables ${name}`,
      })
    }
  }
  for (const f of status.inbox.failureReasons) {
    problems.push({
      what: `${f.count} webhook event${f.count === 1 ? '' : 's'}${f.resource ? ` for ${f.resource}` : ''} failed: ${f.reason}`,
      fix: f.resource ? `bc-mirror sync --tables ${f.resource}` : 'bc-mirror sync',
    })
  }
  const hooks = status.hooks
  if (hooks?.status === 'missing') {
    problems.push({
      what: 'the store has no webhooks for this mirror',
      fix: 'bc-mirror webhooks ensure --url https://<this mirror>/webhooks/bigcommerce',
    })
  } else if (hooks?.status === 'failed') {
    problems.push({
      what: `the last webhook check failed: ${hooks.error ?? 'no reason recorded'}`,
      fix: 'bc-mirror webhooks list',
    })
  }
  if (hooks) problems.push(...findHookProblems(hooks))
  for (const [name, r] of Object.entries(status.rejected?.byTable ?? {})) {
    if (!r || r.count === 0) continue
    problems.push({
      what: `${r.count} ${name} row${r.count === 1 ? '' : 's'} rejected (e.g. ${r.reason})`,
      fix: `fix the object${r.count === 1 ? '' : 's'} in the store, then bc-mirror sync --tables ${name}`,
    })
  }
  return problems
}

/** Refused scopes, blocked destinations, and hooks BigCommerce switched off that stay off. */
function findHookProblems(hooks: HooksStatus): Problem[] {
  const problems: Problem[] = []
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
