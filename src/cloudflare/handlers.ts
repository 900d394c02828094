// The mirror on Cloudflare Workers, the handlers (src/cloudflare/entry.ts is the module workerd loads,
// and may export nothing else). The same Hono app and the same core as `bc-mirror serve`, for any
// number of stores: `fetch` serves the app (webhooks into the inbox, the app's install, load and
// uninstall callbacks, /healthz, /status, /metrics) and after a stored webhook sends a drain job
// for its store; `scheduled` (one cron, every minute) only plans which stores' jobs are due and
// sends one message per job to the jobs queue; `queue` runs one store job per message, under the
// store's lease, within its budget, and a job cut short sends its continuation.
//
// The database is PostgreSQL through postgres.js, one small client per invocation (a Worker may
// not share sockets between requests), from the HYPERDRIVE binding when present, else
// DATABASE_URL. The first request of an isolate applies the migrations the database lacks (they
// are embedded in the bundle; the same lock as `bc-mirror migrate`). Nothing here may pull in
// PGlite or the file system (see the bundle test).
//
// The parts: setup.ts (settings, schema, stores, client), fetch.ts (the `fetch` handler),
// scheduled.ts (the `scheduled` handler), queue.ts (the `queue` handler and the dead letters).
export { handleFetch } from './fetch.ts'
export { handleQueue, type JobMessage, type QueueBatch, type QueueMessage } from './queue.ts'
export { handleScheduled, planAndSend, WORKER_CRON, type ScheduledEvent } from './scheduled.ts'
export {
  setupFrom,
  WorkerSettingsError,
  type CloudflareContext,
  type CloudflareEnv,
} from './setup.ts'
