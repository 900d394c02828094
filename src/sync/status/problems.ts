// What needs a person, read off a status report, each with the command that fixes it (the status
// page and `status`'s exit code both read these).
import type { MirrorStatus } from './status.ts'

/** Something that needs a person, and the command that fixes it. */
export interface Problem {
  what: string
  fix: string
}

/**
 * What needs a person: failed sweeps, failed events, deletions held at the valve, missing or
 * failing hooks, rejected rows.
 */
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
  for (const h of status.inbox.held) {
    problems.push({
      what: `${h.count} webhook event${h.count === 1 ? '' : 's'} for ${h.resource} wait at the deletion valve: ${h.reason}`,
      fix: `check in the store that the rows are gone, then bc-mirror sync --full --tables ${h.resource} --allow-mass-delete`,
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
  for (const [name, r] of Object.entries(status.rejected?.byTable ?? {})) {
    if (!r || r.count === 0) continue
    problems.push({
      what: `${r.count} ${name} row${r.count === 1 ? '' : 's'} rejected (e.g. ${r.reason})`,
      fix: `fix the object${r.count === 1 ? '' : 's'} in the store, then bc-mirror sync --tables ${name}`,
    })
  }
  return problems
}
