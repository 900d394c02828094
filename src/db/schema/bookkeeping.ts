// The mirror's own bookkeeping: deletions (tombstones), rejected rows, per-table sync state, the
// webhook inbox, sweep runs, and leases.
import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  primaryKey,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

import { bigcommerce, tz } from './common.ts'

/** Rows deleted in the store. Also the guard that stops a stale read resurrecting a row. */
export const deletions = bigcommerce.table(
  'deletions',
  {
    store_hash: text('store_hash').notNull(),
    resource: text('resource').notNull(),
    id: bigint('id', { mode: 'number' }).notNull(),
    deleted_at: tz('deleted_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.store_hash, t.resource, t.id] }),
    index('deletions_deleted_at_idx').on(t.store_hash, t.deleted_at),
  ],
)

/**
 * Objects the API returned that the mirror could not store (no id, no date_modified, a date far in
 * the future, a value PostgreSQL refuses), with the reason. One entry per id (or, for an object
 * without an id, per distinct raw text); the next read of the id retries it, and a stored row
 * clears its entry. `raw` is the JSON text as received: text, because jsonb refuses some of what
 * lands here (a NUL in a string).
 */
export const rejectedRows = bigcommerce.table(
  'rejected_rows',
  {
    store_hash: text('store_hash').notNull(),
    resource: text('resource').notNull(),
    id: bigint('id', { mode: 'number' }),
    reason: text('reason').notNull(),
    raw: text('raw').notNull(),
    fingerprint: text('fingerprint')
      .notNull()
      .generatedAlwaysAs(sql`coalesce(id::text, 'md5:' || md5(raw))`),
    first_seen_at: tz('first_seen_at').notNull().defaultNow(),
    last_seen_at: tz('last_seen_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('rejected_rows_key').on(t.store_hash, t.resource, t.fingerprint)],
)

/** Per store and table: the sweep cursor, a resumable checkpoint, and the last run's outcome. */
export const syncState = bigcommerce.table(
  'sync_state',
  {
    store_hash: text('store_hash').notNull(),
    table_name: text('table_name').notNull(),
    cursor: tz('cursor'),
    checkpoint: jsonb('checkpoint'),
    last_started_at: tz('last_started_at'),
    last_finished_at: tz('last_finished_at'),
    last_success_at: tz('last_success_at'),
    last_status: text('last_status'),
    last_error: text('last_error'),
    last_summary: jsonb('last_summary'),
  },
  (t) => [primaryKey({ columns: [t.store_hash, t.table_name] })],
)

/** The durable webhook inbox, deduplicated per store on BigCommerce's payload hash. */
export const webhookEvents = bigcommerce.table(
  'webhook_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    store_hash: text('store_hash').notNull(),
    hash: text('hash').notNull(),
    scope: text('scope').notNull(),
    resource: text('resource'),
    resource_id: bigint('resource_id', { mode: 'number' }),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    received_at: tz('received_at').notNull().defaultNow(),
    available_at: tz('available_at').notNull().defaultNow(),
    locked_until: tz('locked_until'),
    processed_at: tz('processed_at'),
    last_error: text('last_error'),
    /** Later reads made to confirm a not-found (or a deleted event the store still answered). */
    rechecks: integer('rechecks').notNull().default(0),
  },
  (t) => [
    // What the event targets, not the hash alone: BigCommerce's hash is of the payload's data,
    // which two events on different scopes or ids could share.
    unique('webhook_events_target_key')
      .on(t.store_hash, t.hash, t.scope, t.resource_id)
      .nullsNotDistinct(),
    // Pending events by store and table, oldest first: a worker's claim reads only its own due
    // events, and the fleet's poll finds which stores and tables have any by skipping from one
    // (store, table) to the next (one entry each), however many events wait. Events of no table
    // sort under ''.
    index('webhook_events_due_idx')
      .on(t.store_hash, sql`coalesce(${t.resource}, '')`, t.available_at)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_events_received_at_idx').on(t.store_hash, t.received_at),
  ],
)

/**
 * Run history: one row per sweep (incremental, full, coupons, since) and per hook check, with
 * per-table counts in `tables`. Pruned by age when a run is recorded (see src/sync/status/runs.ts).
 */
export const syncRuns = bigcommerce.table(
  'sync_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    store_hash: text('store_hash').notNull(),
    kind: text('kind').notNull(),
    started_at: tz('started_at').notNull(),
    finished_at: tz('finished_at').notNull(),
    outcome: text('outcome').notNull(),
    tables: jsonb('tables').notNull().default({}),
    requests: integer('requests').notNull().default(0),
    throttled: integer('throttled').notNull().default(0),
    error: text('error'),
  },
  (t) => [index('sync_runs_started_at_idx').on(t.store_hash, t.started_at)],
)

/**
 * Leases: named locks that any number of processes can take through any connection pooler
 * (a session advisory lock is lost or leaked behind PgBouncer or Hyperdrive in transaction
 * mode). A holder renews `expires_at` while it works; a crashed holder's lease simply expires.
 */
export const leases = bigcommerce.table('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  acquired_at: tz('acquired_at').notNull().defaultNow(),
  expires_at: tz('expires_at').notNull(),
})
