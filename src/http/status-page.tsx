/** @jsxImportSource hono/jsx */
// `GET /status`: the mirror at a glance, for people. Rendered on the server from the same
// readStatus that `bc-mirror status` prints, readable on a phone, reloading itself every 30 s.
// Every problem comes first, with the command that fixes it. No row data is shown, only counts.
import type { FC } from 'hono/jsx'
import { isResourceName, RESOURCES } from '../resources/index.ts'
import type { RunRow } from '../sync/status/runs.ts'
import type { MirrorStatus, TableStatus } from '../sync/status/status.ts'
import type { StoresOverview } from '../sync/status/stores.ts'
import type { StoreApiFigures } from './store-api-metrics.ts'

export const REFRESH_SECONDS = 30

/** What the host knows of the store's API (the pacer's view and the last error seen). */
export interface ApiState {
  quota: number | null
  left: number | null
  windowSeconds: number | null
  lastError: string | null
  lastErrorAt: string | null
}

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never'
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000))
  return `${duration(seconds)} ago`
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86400)} days`
}

/**
 * How far behind the store a table could be: rows changed since its last completed window may be
 * missing unless a webhook brought them. A table listed whole (no date_modified) has no cursor:
 * since its last sweep.
 */
function freshness(name: string, t: TableStatus, now: number): string {
  const whole = isResourceName(name) && RESOURCES[name].sweepKey === 'id'
  const since = whole ? t.lastSuccessAt : (t.cursor ?? t.lastSuccessAt)
  if (!since) return 'not swept yet'
  return `${whole ? 'swept' : 'swept up to'} ${ago(since, now)}`
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330;line-height:1.4}
main{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:1.3rem;margin:.4rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.banner{padding:10px 12px;border-radius:8px;font-weight:600}
.ok{background:#e3f6e8;color:#14532d}.bad{background:#fde8e8;color:#7f1d1d}
section{background:#fff;border-radius:8px;padding:8px 12px;margin:10px 0;box-shadow:0 1px 2px #0001}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:5px 6px;border-bottom:1px solid #e5e7eb;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}code{background:#eef1f5;padding:1px 4px;border-radius:4px;font-size:.88rem;overflow-wrap:anywhere}
li{margin:.4rem 0}tr.run td{border-bottom:0}td.detail{padding-top:0}.muted{color:#5b6472;font-size:.85rem}.failed{color:#b91c1c;font-weight:600}.completed,.good{color:#15803d}
`

const Outcome: FC<{ value: string | null }> = ({ value }) => {
  const text = value ?? 'never'
  const cls =
    text === 'failed' || text === 'missing'
      ? 'failed'
      : text === 'completed' || text === 'ok'
        ? 'good'
        : ''
  return <span class={cls}>{text}</span>
}

const Problems: FC<{ status: MirrorStatus }> = ({ status }) =>
  status.problems.length === 0 ? (
    <p class="banner ok" data-testid="state">
      All good: nothing needs attention.
    </p>
  ) : (
    <section>
      <p class="banner bad" data-testid="state">
        {status.problems.length} {status.problems.length === 1 ? 'problem needs' : 'problems need'}{' '}
        attention
      </p>
      <ul data-testid="problems">
        {status.problems.map((p) => (
          <li>
            {p.what}
            <br />
            fix: <code>{p.fix}</code>
          </li>
        ))}
      </ul>
    </section>
  )

const Tables: FC<{ status: MirrorStatus; now: number }> = ({ status, now }) => (
  <section>
    <h2>Tables</h2>
    <div class="scroll">
      <table data-testid="tables">
        <tr>
          <th>table</th>
          <th class="num">rows</th>
          <th>freshness</th>
          <th>last sweep</th>
          {status.rejected.total > 0 ? <th class="num">rejected</th> : ''}
        </tr>
        {Object.entries(status.tables).map(([name, t]) => (
          <tr data-table={name}>
            <td>{name}</td>
            <td class="num">{t.rows.toLocaleString('en-US')}</td>
            <td>{freshness(name, t, now)}</td>
            <td title={t.lastError ?? ''}>
              <Outcome value={t.lastStatus} />
            </td>
            {status.rejected.total > 0 ? (
              <td class="num">
                {status.rejected.byTable[name as keyof MirrorStatus['tables']]?.count ?? 0}
              </td>
            ) : (
              ''
            )}
          </tr>
        ))}
      </table>
    </div>
  </section>
)

const Inbox: FC<{ status: MirrorStatus; now: number }> = ({ status, now }) => {
  const inbox = status.inbox
  return (
    <section data-testid="inbox">
      <h2>Webhook inbox</h2>
      <p>
        {inbox.pending} pending
        {inbox.oldestPendingAt ? ` (oldest received ${ago(inbox.oldestPendingAt, now)})` : ''},{' '}
        {inbox.failed} failed; last event received {ago(inbox.lastReceivedAt, now)}
      </p>
      {inbox.failureReasons.length > 0 ? (
        <ul>
          {inbox.failureReasons.map((f) => (
            <li>
              {f.count} × {f.resource ?? 'unknown'}: {f.reason}
            </li>
          ))}
        </ul>
      ) : (
        ''
      )}
    </section>
  )
}

const Hooks: FC<{ status: MirrorStatus; api: ApiState | null; now: number }> = ({
  status,
  api,
  now,
}) => (
  <section data-testid="hooks">
    <h2>Webhooks and API</h2>
    <p>
      Hooks:{' '}
      {status.hooks ? (
        <>
          <Outcome value={status.hooks.status} />
          {status.hooks.destination ? ` to ${status.hooks.destination}` : ''}, checked{' '}
          {ago(status.hooks.checkedAt, now)}
          {status.hooks.error ? ` (${status.hooks.error})` : ''}
        </>
      ) : (
        'not checked yet'
      )}
    </p>
    {status.hooks && status.hooks.deactivated.length > 0 ? (
      <ul data-testid="hooks-deactivated">
        {status.hooks.deactivated.map((d) => (
          <li>
            {d.scope}: switched off by BigCommerce{' '}
            {d.cause === 'inactivity'
              ? 'after 90 days without events'
              : 'after 48 hours of failed deliveries'}
            ; {d.reactivated ? 'switched back on by the hook check' : 'still off'}
          </li>
        ))}
      </ul>
    ) : null}
    <p data-testid="api">
      API:{' '}
      {api && api.quota !== null
        ? `${api.left ?? '?'} of ${api.quota} requests left in the ${api.windowSeconds ?? '?'} s window`
        : 'quota not seen yet'}
      {api?.lastError
        ? `; last error ${ago(api.lastErrorAt, now)}: ${api.lastError}`
        : '; no API errors seen'}
    </p>
    <p class="muted">Rejected rows: {status.rejected.total}</p>
  </section>
)

function changes(run: RunRow): string {
  const parts = Object.entries(run.tables).flatMap(([name, t]) =>
    t
      ? [
          `${name} ${t.written} written${t.deleted ? `, ${t.deleted} deleted` : ''}${t.rejected ? `, ${t.rejected} rejected` : ''}`,
        ]
      : [],
  )
  return parts.join('; ')
}

const Runs: FC<{ runs: RunRow[]; now: number }> = ({ runs, now }) => (
  <section>
    <h2>Recent runs</h2>
    {runs.length === 0 ? (
      <p>No runs recorded yet.</p>
    ) : (
      <div class="scroll">
        <table data-testid="runs">
          <tr>
            <th>started</th>
            <th>kind</th>
            <th>outcome</th>
            <th class="num">requests</th>
          </tr>
          {runs.map((run) => (
            <>
              <tr class="run">
                <td title={run.startedAt.toISOString()}>{ago(run.startedAt.toISOString(), now)}</td>
                <td>{run.kind}</td>
                <td>
                  <Outcome value={run.outcome} />
                </td>
                <td class="num">
                  {run.requests}
                  {run.throttled ? ` (${run.throttled} × 429)` : ''}
                </td>
              </tr>
              <tr>
                <td colspan={4} class="muted detail">
                  took{' '}
                  {duration(
                    Math.round((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000),
                  )}
                  ; {run.error ?? (changes(run) || 'no changes')}
                </td>
              </tr>
            </>
          ))}
        </table>
      </div>
    )}
  </section>
)

/** A store's API figures as this process counted them (its quota left as a share). */
export type StoreApiOf = (storeHash: string) => StoreApiFigures | undefined

const shareLeft = (f: StoreApiFigures | undefined): number | null =>
  f?.quota && f.quotaLeft !== null ? f.quotaLeft / f.quota : null
const percent = (share: number | null) => (share === null ? '-' : `${Math.round(100 * share)}%`)

/** Over every store: requests and errors summed, and the least quota left. */
function apiTotal(overview: StoresOverview, apiOf: StoreApiOf) {
  const figures = overview.stores.map((s) => apiOf(s.storeHash))
  const shares = figures.map(shareLeft).filter((share) => share !== null)
  return {
    requests: figures.reduce((n, f) => n + (f?.requests ?? 0), 0),
    errors: figures.reduce((n, f) => n + (f?.errors ?? 0), 0),
    leastQuota: shares.length > 0 ? `${percent(Math.min(...shares))} least` : '-',
  }
}

/** Every store served, when there are several: its figures, what needs a person, and the total. */
const Stores: FC<{ overview: StoresOverview; now: number; apiOf: StoreApiOf }> = ({
  overview,
  now,
  apiOf,
}) => {
  const total = apiTotal(overview, apiOf)
  return (
    <section>
      <h2>Stores</h2>
      {overview.total.needingAttention > 0 ? (
        <ul data-testid="store-problems">
          {overview.stores.flatMap((s) =>
            s.problems.map((p) => (
              <li>
                {p.what}. Fix: <code>{p.fix}</code>
              </li>
            )),
          )}
        </ul>
      ) : null}
      <div class="scroll">
        <table data-testid="stores">
          <tr>
            <th>store</th>
            <th class="num">rows</th>
            <th class="num">pending events</th>
            <th>oldest pending</th>
            <th>API</th>
            <th class="num">API requests</th>
            <th class="num">API errors</th>
            <th class="num">quota left</th>
          </tr>
          {overview.stores.map((s) => (
            <tr>
              <td>{s.storeHash}</td>
              <td class="num">{s.rows}</td>
              <td class="num">{s.pending}</td>
              <td>{s.oldestPendingAt ? ago(s.oldestPendingAt, now) : '-'}</td>
              <td>{s.api ?? 'not seen yet'}</td>
              <td class="num">{apiOf(s.storeHash)?.requests ?? 0}</td>
              <td class="num">{apiOf(s.storeHash)?.errors ?? 0}</td>
              <td class="num">{percent(shareLeft(apiOf(s.storeHash)))}</td>
            </tr>
          ))}
          <tr>
            <th>{`total (${overview.total.stores} stores)`}</th>
            <th class="num">{overview.total.rows}</th>
            <th class="num">{overview.total.pending}</th>
            <th colspan={2}>{`${overview.total.needingAttention} need a person`}</th>
            <th class="num">{total.requests}</th>
            <th class="num">{total.errors}</th>
            <th class="num">{total.leastQuota}</th>
          </tr>
        </table>
      </div>
    </section>
  )
}

export const StatusPage: FC<{
  status: MirrorStatus
  api: ApiState | null
  /** Every store served, shown when there are several. */
  stores?: StoresOverview | null
  /** Each store's API figures counted in this process; absent: none shown. */
  storeApi?: StoreApiOf
  now: number
  /** The Content-Security-Policy nonce that lets the page's own style apply. */
  styleNonce?: string
}> = ({ status, api, stores, storeApi, now, styleNonce }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta http-equiv="refresh" content={String(REFRESH_SECONDS)} />
      <meta name="referrer" content="no-referrer" />
      <title>{`${status.problems.length > 0 ? `(${status.problems.length}) ` : ''}bc-mirror ${status.storeHash}`}</title>
      <style nonce={styleNonce} dangerouslySetInnerHTML={{ __html: STYLE }} />
    </head>
    <body>
      <main>
        <h1>bc-mirror: store {status.storeHash}</h1>
        <p class="muted">
          As of {new Date(now).toISOString()}; this page reloads every {REFRESH_SECONDS} s.
        </p>
        {stores && stores.stores.length > 1 ? (
          <Stores overview={stores} now={now} apiOf={storeApi ?? (() => undefined)} />
        ) : null}
        <Problems status={status} />
        <Tables status={status} now={now} />
        <Inbox status={status} now={now} />
        <Hooks status={status} api={api} now={now} />
        <Runs runs={status.runs} now={now} />
      </main>
    </body>
  </html>
)
