// The mirror on Cloudflare Workers, the handlers (src/cloudflare/entry.ts is the module workerd loads,
// and may export nothing else). The same Hono app and the same core as `bc-mirror serve`:
// `fetch` serves the app (webhooks into the inbox, /healthz) and, after a stored webhook, drains
// one bounded batch of the inbox in `waitUntil`, so events reach their rows within seconds.
// `scheduled` (the crons in wrangler.toml) drains what is left and runs the sweeps within a time
// budget; an interrupted sweep resumes from its checkpoint on the next run, and a table's cursor
// only moves when its whole window is committed (the core's rule, unchanged here).
//
// The database is PostgreSQL through postgres.js, one small client per invocation (a Worker may
// not share sockets between requests), from the HYPERDRIVE binding when present, else
// DATABASE_URL. The first request of an isolate applies the migrations the database lacks (they
// are embedded in the bundle; the same lock as `bc-mirror migrate`). Nothing here may pull in
// PGlite or the file system (see the bundle test).
//
// The parts: setup.ts (settings, schema, client), fetch.ts (the `fetch` handler), scheduled.ts
// (the `scheduled` handler).
export { handleFetch } from './fetch.ts'
export { handleScheduled, HOURLY_CRON, INCREMENTAL_CRON, type ScheduledEvent } from './scheduled.ts'
export {
  setupFrom,
  WorkerSettingsError,
  type CloudflareContext,
  type CloudflareEnv,
} from './setup.ts'
