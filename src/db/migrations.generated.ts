// Generated from drizzle/ by scripts/embed-migrations.ts (`npm run db:embed`): do not edit.
// Each migration as drizzle's folder migrator reads it (its statements, the sha256 of its file,
// its journal time), embedded so that the built program and the Cloudflare Worker migrate
// without reading files.
import type { MigrationMeta } from 'drizzle-orm/migrator'

export const MIGRATIONS: Array<MigrationMeta & { tag: string }> = [
  {
    tag: "0000_init",
    folderMillis: 1795740041874,
    hash: "d63c9d9f0b8ec05f89ce046df7a3b3a4d90af8c263b386bc13da3a0d43f80d88",
    bps: true,
    sql: [
      "CREATE SCHEMA IF NOT EXISTS \"bigcommerce\";\n",
      "\nCREATE TABLE \"bigcommerce\".\"coupons\" (\n\t\"store_hash\" text NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"date_modified\" timestamp with time zone,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"code\" text,\n\t\"name\" text,\n\t\"type\" text,\n\t\"enabled\" boolean,\n\t\"date_created\" timestamp with time zone,\n\tCONSTRAINT \"coupons_store_hash_id_pk\" PRIMARY KEY(\"store_hash\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"customers\" (\n\t\"store_hash\" text NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"date_modified\" timestamp with time zone,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"email\" text,\n\t\"first_name\" text,\n\t\"last_name\" text,\n\t\"customer_group_id\" integer,\n\t\"date_created\" timestamp with time zone,\n\tCONSTRAINT \"customers_store_hash_id_pk\" PRIMARY KEY(\"store_hash\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"deletions\" (\n\t\"store_hash\" text NOT NULL,\n\t\"resource\" text NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"deleted_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\tCONSTRAINT \"deletions_store_hash_resource_id_pk\" PRIMARY KEY(\"store_hash\",\"resource\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"orders\" (\n\t\"store_hash\" text NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"date_modified\" timestamp with time zone,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"customer_id\" bigint,\n\t\"status_id\" integer,\n\t\"is_deleted\" boolean,\n\t\"total_inc_tax\" numeric(20, 4),\n\t\"currency_code\" text,\n\t\"date_created\" timestamp with time zone,\n\tCONSTRAINT \"orders_store_hash_id_pk\" PRIMARY KEY(\"store_hash\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"products\" (\n\t\"store_hash\" text NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"date_modified\" timestamp with time zone,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"sku\" text,\n\t\"name\" text,\n\t\"is_visible\" boolean,\n\t\"price\" numeric(20, 4),\n\t\"inventory_level\" integer,\n\t\"date_created\" timestamp with time zone,\n\tCONSTRAINT \"products_store_hash_id_pk\" PRIMARY KEY(\"store_hash\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"sync_state\" (\n\t\"store_hash\" text NOT NULL,\n\t\"table_name\" text NOT NULL,\n\t\"cursor\" timestamp with time zone,\n\t\"checkpoint\" jsonb,\n\t\"last_started_at\" timestamp with time zone,\n\t\"last_finished_at\" timestamp with time zone,\n\t\"last_success_at\" timestamp with time zone,\n\t\"last_status\" text,\n\t\"last_error\" text,\n\t\"last_summary\" jsonb,\n\tCONSTRAINT \"sync_state_store_hash_table_name_pk\" PRIMARY KEY(\"store_hash\",\"table_name\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"webhook_events\" (\n\t\"id\" bigserial PRIMARY KEY NOT NULL,\n\t\"store_hash\" text NOT NULL,\n\t\"hash\" text NOT NULL,\n\t\"scope\" text NOT NULL,\n\t\"resource\" text,\n\t\"resource_id\" bigint,\n\t\"payload\" jsonb NOT NULL,\n\t\"status\" text DEFAULT 'pending' NOT NULL,\n\t\"attempts\" integer DEFAULT 0 NOT NULL,\n\t\"received_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"available_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"locked_until\" timestamp with time zone,\n\t\"processed_at\" timestamp with time zone,\n\t\"last_error\" text\n);\n",
      "\nCREATE INDEX \"coupons_code_idx\" ON \"bigcommerce\".\"coupons\" USING btree (\"store_hash\",\"code\");",
      "\nCREATE INDEX \"customers_date_modified_idx\" ON \"bigcommerce\".\"customers\" USING btree (\"store_hash\",\"date_modified\");",
      "\nCREATE INDEX \"customers_email_idx\" ON \"bigcommerce\".\"customers\" USING btree (\"store_hash\",\"email\");",
      "\nCREATE INDEX \"deletions_deleted_at_idx\" ON \"bigcommerce\".\"deletions\" USING btree (\"store_hash\",\"deleted_at\");",
      "\nCREATE INDEX \"orders_date_modified_idx\" ON \"bigcommerce\".\"orders\" USING btree (\"store_hash\",\"date_modified\");",
      "\nCREATE INDEX \"orders_customer_id_idx\" ON \"bigcommerce\".\"orders\" USING btree (\"store_hash\",\"customer_id\");",
      "\nCREATE INDEX \"orders_status_id_idx\" ON \"bigcommerce\".\"orders\" USING btree (\"store_hash\",\"status_id\");",
      "\nCREATE INDEX \"orders_date_created_idx\" ON \"bigcommerce\".\"orders\" USING btree (\"store_hash\",\"date_created\");",
      "\nCREATE INDEX \"products_date_modified_idx\" ON \"bigcommerce\".\"products\" USING btree (\"store_hash\",\"date_modified\");",
      "\nCREATE INDEX \"products_sku_idx\" ON \"bigcommerce\".\"products\" USING btree (\"store_hash\",\"sku\");",
      "\nCREATE UNIQUE INDEX \"webhook_events_store_hash_hash_key\" ON \"bigcommerce\".\"webhook_events\" USING btree (\"store_hash\",\"hash\");",
      "\nCREATE INDEX \"webhook_events_pending_idx\" ON \"bigcommerce\".\"webhook_events\" USING btree (\"available_at\") WHERE \"bigcommerce\".\"webhook_events\".\"status\" = 'pending';",
      "\nCREATE INDEX \"webhook_events_received_at_idx\" ON \"bigcommerce\".\"webhook_events\" USING btree (\"store_hash\",\"received_at\");",
    ],
  },
  {
    tag: "0001_leases",
    folderMillis: 1795742753213,
    hash: "bb492f3f083ef8f3616365c4eb3634daa8d1305f6a167c7bf647d797a7a1a4d9",
    bps: true,
    sql: [
      "CREATE TABLE \"bigcommerce\".\"leases\" (\n\t\"name\" text PRIMARY KEY NOT NULL,\n\t\"holder\" text NOT NULL,\n\t\"acquired_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"expires_at\" timestamp with time zone NOT NULL\n);\n",
    ],
  },
  {
    tag: "0002_absence_is_not_deletion",
    folderMillis: 1796033570015,
    hash: "d8e1b15b49806691c97fc8cbd8173c29c5126bdeb7b7d78cc8d0301948605e53",
    bps: true,
    sql: [
      "CREATE TABLE \"bigcommerce\".\"rejected_rows\" (\n\t\"store_hash\" text NOT NULL,\n\t\"resource\" text NOT NULL,\n\t\"id\" bigint,\n\t\"reason\" text NOT NULL,\n\t\"raw\" text NOT NULL,\n\t\"fingerprint\" text GENERATED ALWAYS AS (coalesce(id::text, 'md5:' || md5(raw))) STORED NOT NULL,\n\t\"first_seen_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"last_seen_at\" timestamp with time zone DEFAULT now() NOT NULL\n);\n",
      "\nDROP INDEX \"bigcommerce\".\"webhook_events_store_hash_hash_key\";",
      "\nALTER TABLE \"bigcommerce\".\"webhook_events\" ADD COLUMN \"rechecks\" integer DEFAULT 0 NOT NULL;",
      "\nCREATE UNIQUE INDEX \"rejected_rows_key\" ON \"bigcommerce\".\"rejected_rows\" USING btree (\"store_hash\",\"resource\",\"fingerprint\");",
      "\nALTER TABLE \"bigcommerce\".\"webhook_events\" ADD CONSTRAINT \"webhook_events_target_key\" UNIQUE NULLS NOT DISTINCT(\"store_hash\",\"hash\",\"scope\",\"resource_id\");",
      "\n-- Tombstones stamped with a future date_modified (the old write path took the later of the two)\n-- would stop every read; a tombstone now means \"deleted as of this moment\".\nUPDATE \"bigcommerce\".\"deletions\" SET \"deleted_at\" = now() WHERE \"deleted_at\" > now();",
    ],
  },
  {
    tag: "0003_sync_runs",
    folderMillis: 1796037468170,
    hash: "8430cd1d1943192de2e89ed9502227f7cf0514708024c267297e051f88f1c8bf",
    bps: true,
    sql: [
      "CREATE TABLE \"bigcommerce\".\"sync_runs\" (\n\t\"id\" bigserial PRIMARY KEY NOT NULL,\n\t\"store_hash\" text NOT NULL,\n\t\"kind\" text NOT NULL,\n\t\"started_at\" timestamp with time zone NOT NULL,\n\t\"finished_at\" timestamp with time zone NOT NULL,\n\t\"outcome\" text NOT NULL,\n\t\"tables\" jsonb DEFAULT '{}'::jsonb NOT NULL,\n\t\"requests\" integer DEFAULT 0 NOT NULL,\n\t\"throttled\" integer DEFAULT 0 NOT NULL,\n\t\"error\" text\n);\n",
      "\nCREATE INDEX \"sync_runs_started_at_idx\" ON \"bigcommerce\".\"sync_runs\" USING btree (\"store_hash\",\"started_at\");",
    ],
  },
  {
    tag: "0004_order_children",
    folderMillis: 1796038405148,
    hash: "0b68173aa6bd1031ea0b2a7608ad948bf2d9a49eaad126ed0c9364db221c7307",
    bps: true,
    sql: [
      "CREATE TABLE \"bigcommerce\".\"order_coupons\" (\n\t\"store_hash\" text NOT NULL,\n\t\"order_id\" bigint NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"coupon_id\" bigint,\n\t\"code\" text,\n\t\"type\" integer,\n\t\"amount\" numeric(20, 4),\n\t\"discount\" numeric(20, 4),\n\tCONSTRAINT \"order_coupons_store_hash_order_id_id_pk\" PRIMARY KEY(\"store_hash\",\"order_id\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"order_products\" (\n\t\"store_hash\" text NOT NULL,\n\t\"order_id\" bigint NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"product_id\" bigint,\n\t\"variant_id\" bigint,\n\t\"sku\" text,\n\t\"name\" text,\n\t\"quantity\" integer,\n\t\"price_inc_tax\" numeric(20, 4),\n\t\"total_inc_tax\" numeric(20, 4),\n\t\"order_address_id\" bigint,\n\t\"type\" text,\n\tCONSTRAINT \"order_products_store_hash_order_id_id_pk\" PRIMARY KEY(\"store_hash\",\"order_id\",\"id\")\n);\n",
      "\nCREATE TABLE \"bigcommerce\".\"order_shipping_addresses\" (\n\t\"store_hash\" text NOT NULL,\n\t\"order_id\" bigint NOT NULL,\n\t\"id\" bigint NOT NULL,\n\t\"data\" jsonb NOT NULL,\n\t\"synced_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"first_name\" text,\n\t\"last_name\" text,\n\t\"city\" text,\n\t\"state\" text,\n\t\"zip\" text,\n\t\"country_iso2\" text,\n\t\"email\" text,\n\t\"shipping_method\" text,\n\t\"consignment_id\" bigint,\n\tCONSTRAINT \"order_shipping_addresses_store_hash_order_id_id_pk\" PRIMARY KEY(\"store_hash\",\"order_id\",\"id\")\n);\n",
      "\nALTER TABLE \"bigcommerce\".\"order_coupons\" ADD CONSTRAINT \"order_coupons_store_hash_order_id_orders_store_hash_id_fk\" FOREIGN KEY (\"store_hash\",\"order_id\") REFERENCES \"bigcommerce\".\"orders\"(\"store_hash\",\"id\") ON DELETE cascade ON UPDATE no action;",
      "\nALTER TABLE \"bigcommerce\".\"order_products\" ADD CONSTRAINT \"order_products_store_hash_order_id_orders_store_hash_id_fk\" FOREIGN KEY (\"store_hash\",\"order_id\") REFERENCES \"bigcommerce\".\"orders\"(\"store_hash\",\"id\") ON DELETE cascade ON UPDATE no action;",
      "\nALTER TABLE \"bigcommerce\".\"order_shipping_addresses\" ADD CONSTRAINT \"order_shipping_addresses_store_hash_order_id_orders_store_hash_id_fk\" FOREIGN KEY (\"store_hash\",\"order_id\") REFERENCES \"bigcommerce\".\"orders\"(\"store_hash\",\"id\") ON DELETE cascade ON UPDATE no action;",
      "\nCREATE INDEX \"order_coupons_code_idx\" ON \"bigcommerce\".\"order_coupons\" USING btree (\"store_hash\",\"code\");",
      "\nCREATE INDEX \"order_products_sku_idx\" ON \"bigcommerce\".\"order_products\" USING btree (\"store_hash\",\"sku\");",
      "\nCREATE INDEX \"order_products_product_id_idx\" ON \"bigcommerce\".\"order_products\" USING btree (\"store_hash\",\"product_id\");",
      "\nCREATE INDEX \"order_shipping_addresses_country_idx\" ON \"bigcommerce\".\"order_shipping_addresses\" USING btree (\"store_hash\",\"country_iso2\");",
    ],
  },
  {
    tag: "0005_stores",
    folderMillis: 1796529700002,
    hash: "518af3e8326bc66623689a3810571d0605041684cc325fd7962bf57761824c05",
    bps: true,
    sql: [
      "CREATE TABLE \"bigcommerce\".\"stores\" (\n\t\"store_hash\" text PRIMARY KEY NOT NULL,\n\t\"kind\" text NOT NULL,\n\t\"status\" text DEFAULT 'active' NOT NULL,\n\t\"scopes\" text[] DEFAULT '{}'::text[] NOT NULL,\n\t\"start_date\" timestamp with time zone,\n\t\"token_sealed\" text NOT NULL,\n\t\"installed_at\" timestamp with time zone,\n\t\"uninstalled_at\" timestamp with time zone,\n\t\"created_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\t\"updated_at\" timestamp with time zone DEFAULT now() NOT NULL,\n\tCONSTRAINT \"stores_kind_check\" CHECK (\"bigcommerce\".\"stores\".\"kind\" in ('api_account', 'app')),\n\tCONSTRAINT \"stores_status_check\" CHECK (\"bigcommerce\".\"stores\".\"status\" in ('active', 'paused', 'uninstalled'))\n);\n",
      "\nCREATE INDEX \"stores_status_idx\" ON \"bigcommerce\".\"stores\" USING btree (\"status\");",
    ],
  },
]
