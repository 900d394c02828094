// What needs a person, read off a status report, each with the command that fixes it (the status
// page and `status`'s exit code both read these). One cause is one problem with one fix: sweeps
// and hook checks that failed because the store API refused the token (or was out) are named in
// that problem, not listed as problems of their own whose fixes would fail the same way.
import { findHookProblems } from './hook-problems.ts'
import type { MirrorStatus } from './status.ts'

/** Something that needs a person, and the command that fixes it. */
export interface Problem {
  what: string
  fix: string
}

/** What the API answered just now about the store hash and the token (bigcommerce/preflight.ts). */
export interface StoreAccess {
  result: 'ok' | 'unknown-store' | 'token-refused' | 'unreachable'
  message: string | null
}

type StatusFacts = Omit<MirrorStatus, 'problems'>

/** What needs a person: an unusable store, failed sweeps, events or hooks, rejected rows. */
export function findProblems(status: StatusFacts): Problem[] {
  // An unknown store hash explains everything else: there is nothing more to say.
  if (status.access?.result === 'unknown-store') {
    return [
      {
        what: status.access.message ?? 'the API does not know this store hash',
        fix: 'set BIGCOMMERCE_STORE_HASH to the part between stores/ and /v3/ in your API account’s API path',
      },
    ]
  }
  const api = apiProblem(status)
  const problems: Problem[] = api ? [api.problem] : []
  for (const [name, t] of Object.entries(status.tables)) {
    if (t.lastStatus === 'failed' && !api?.explains(t.lastFinishedAt)) {
      problems.push({
        what: `the last sweep of ${name} failed: ${t.lastError ?? 'no reason recorded'}`,
        fix: sweepFix(name, t.lastError),
      })
    }
  }
  const never = neverCompleted(status)
  if (never) problems.push(never)
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
  const dead = status.deadJobs ?? []
  if (dead.length > 0) {
    const why = [...new Set(dead.map((d) => d.error).filter((e) => e !== null))].join('; ')
    problems.push({
      what: `${deadJobsSaid(dead.map((d) => d.job))}${why ? `: ${why}` : ''}`,
      fix: deadJobsFix(status.storeHash),
    })
  }
  const hooks = hooksProblem(status, api)
  if (hooks) problems.push(hooks)
  if (status.hooks) problems.push(...findHookProblems(status.hooks))
  for (const [name, r] of Object.entries(status.rejected?.byTable ?? {})) {
    if (!r || r.count === 0) continue
    problems.push({
      what: `${r.count} ${name} row${r.count === 1 ? '' : 's'} rejected (e.g. ${r.reason})`,
      fix: `fix the object${r.count === 1 ? '' : 's'} in the store, then bc-mirror sync --tables ${name}`,
    })
  }
  return problems
}

/**
 * The store API refusing the token (as `serve` recorded it, or as `status` just asked), or out
 * while sweeps failed: one problem naming what failed with it, and which failures it explains
 * (those that ended since it began).
 */
function apiProblem(status: StatusFacts) {
  const recorded = status.api && status.api.state !== 'ok' ? status.api : null
  const refusedNow = status.access?.result === 'token-refused'
  if (!recorded && !refusedNow) return null
  const since = recorded?.since ?? null
  const explains = (finishedAt: string | null) =>
    refusedNow || (since !== null && finishedAt !== null && finishedAt >= since)
  const failed = Object.entries(status.tables)
    .filter(([, t]) => t.lastStatus === 'failed' && explains(t.lastFinishedAt))
    .map(([name]) => `the sweep of ${name}`)
  if (status.hooks?.status === 'failed' && explains(status.hooks.checkedAt))
    failed.push('the hook check')
  const meanwhile = failed.length > 0 ? `; ${joinWords(failed)} failed because of it` : ''
  if (refusedNow || recorded?.state === 'refused') {
    const error = ((refusedNow ? status.access?.message : recorded?.lastError) ?? '').replace(
      /\.$/,
      '',
    )
    const when = !refusedNow && since ? ` (since ${since})` : ''
    return {
      explains,
      problem: {
        what: `the store API refuses the access token${when}${error ? `: ${error}` : ''}${meanwhile}`,
        fix: 'set BIGCOMMERCE_ACCESS_TOKEN to the token of a working store-level API account (and restart serve); sweeps resume by themselves once it is accepted',
      },
    }
  }
  // An outage needs nobody (serve catches up), unless something failed with it: then say why once.
  if (failed.length === 0) return null
  return {
    explains,
    problem: {
      what: `the store API has been unavailable since ${since}${recorded?.lastError ? ` (${recorded.lastError})` : ''}${meanwhile}`,
      fix: 'nothing while serve runs: it resumes the sweeps when the API answers; without serve, run bc-mirror sync then',
    },
  }
}

/**
 * The fix for a failed sweep: run it again, after giving the API account the scope it lacks when
 * the store refused the table (a table added in an upgrade may need one an old token lacks).
 */
function sweepFix(table: string, error: string | null): string {
  const scope = /lacks the .* scope \((store_\w+)\)/.exec(error ?? '')?.[1]
  const again = `bc-mirror sync --tables ${table}`
  if (!scope) return again
  return `use a token whose API account has ${scope} (an app: add it to the app's scopes and install again), then ${again}`
}

/** Tables that never completed a sweep (and did not fail: a failure is its own problem). */
function neverCompleted(status: StatusFacts): Problem | null {
  const tables = Object.entries(status.tables).filter(
    ([, t]) => t.lastSuccessAt === null && t.lastStatus !== 'failed',
  )
  if (tables.length === 0) return null
  const names = joinWords(tables.map(([name]) => name))
  const running = tables.some(([, t]) => t.lastStatus === 'running')
  return {
    what: `no sweep of ${names} has completed yet: the mirror is not whole${running ? ' (one is running now)' : ''}`,
    fix: running
      ? 'wait for the running sweep (the backfill) to finish'
      : `bc-mirror sync${tables.length < Object.keys(status.tables).length ? ` --tables ${tables.map(([n]) => n).join(',')}` : ''}`,
  }
}

function hooksProblem(status: StatusFacts, api: ReturnType<typeof apiProblem>): Problem | null {
  const hooks = status.hooks
  if (hooks?.status === 'missing') {
    return {
      what: 'the store has no webhooks for this mirror',
      fix: 'bc-mirror webhooks ensure --url https://<this mirror>/webhooks/bigcommerce',
    }
  }
  if (hooks?.status === 'failed' && !api?.explains(hooks.checkedAt)) {
    return {
      what: `the last webhook check failed: ${hooks.error ?? 'no reason recorded'}`,
      fix: 'bc-mirror webhooks list',
    }
  }
  return null
}

/** "a", "a and b", "a, b and c". */
function joinWords(words: string[]): string {
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

/** The Worker's jobs that failed every retry, in words. */
export function deadJobsSaid(jobs: readonly string[]): string {
  const names = jobs.join(', ')
  return `the Worker's ${names} job${jobs.length === 1 ? '' : 's'} failed every retry and ${jobs.length === 1 ? 'was' : 'were'} set aside (its dead-letter queue)`
}

/** What to do about them: see why, fix that; the cron sends them again at their next interval. */
export function deadJobsFix(store: string): string {
  return `bc-mirror status --store ${store} names the cause; once it is fixed, the Worker's cron sends the jobs again at their next interval (or run bc-mirror sync --store ${store} from a machine now)`
}
