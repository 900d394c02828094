// The store registry: the stores this deployment mirrors beyond the settings' one (store-level API
// accounts added with `bc-mirror stores add`, app installs). The access token is kept only sealed
// (AES-256-GCM, src/stores/token-crypto.ts), never in clear.
import { sql } from 'drizzle-orm'
import { check, index, text } from 'drizzle-orm/pg-core'

import { bigcommerce, tz } from './common.ts'

export const stores = bigcommerce.table(
  'stores',
  {
    store_hash: text('store_hash').primaryKey(),
    /** `api_account` (a store-level API account) or `app` (a merchant installed the app). */
    kind: text('kind').notNull(),
    /** `active` (served), `paused` (kept, not served), `uninstalled` (the app was removed). */
    status: text('status').notNull().default('active'),
    /** The OAuth scopes granted, as BigCommerce names them (space-separated in its answers). */
    scopes: text('scopes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    start_date: tz('start_date'),
    /** The token sealed with TOKEN_ENCRYPTION_KEY: `v1.<key fingerprint>.<iv>.<ciphertext>`. */
    token_sealed: text('token_sealed').notNull(),
    installed_at: tz('installed_at'),
    uninstalled_at: tz('uninstalled_at'),
    created_at: tz('created_at').notNull().defaultNow(),
    updated_at: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('stores_kind_check', sql`${t.kind} in ('api_account', 'app')`),
    check('stores_status_check', sql`${t.status} in ('active', 'paused', 'uninstalled')`),
    index('stores_status_idx').on(t.status),
  ],
)
