CREATE SCHEMA IF NOT EXISTS "bigcommerce";
--> statement-breakpoint
CREATE TABLE "bigcommerce"."coupons" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"date_modified" timestamp with time zone,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"code" text,
	"name" text,
	"type" text,
	"enabled" boolean,
	"date_created" timestamp with time zone,
	CONSTRAINT "coupons_store_hash_id_pk" PRIMARY KEY("store_hash","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."customers" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"date_modified" timestamp with time zone,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"email" text,
	"first_name" text,
	"last_name" text,
	"customer_group_id" integer,
	"date_created" timestamp with time zone,
	CONSTRAINT "customers_store_hash_id_pk" PRIMARY KEY("store_hash","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."deletions" (
	"store_hash" text NOT NULL,
	"resource" text NOT NULL,
	"id" bigint NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deletions_store_hash_resource_id_pk" PRIMARY KEY("store_hash","resource","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."orders" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"date_modified" timestamp with time zone,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"customer_id" bigint,
	"status_id" integer,
	"is_deleted" boolean,
	"total_inc_tax" numeric(20, 4),
	"currency_code" text,
	"date_created" timestamp with time zone,
	CONSTRAINT "orders_store_hash_id_pk" PRIMARY KEY("store_hash","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."products" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"date_modified" timestamp with time zone,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sku" text,
	"name" text,
	"is_visible" boolean,
	"price" numeric(20, 4),
	"inventory_level" integer,
	"date_created" timestamp with time zone,
	CONSTRAINT "products_store_hash_id_pk" PRIMARY KEY("store_hash","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."sync_state" (
	"store_hash" text NOT NULL,
	"table_name" text NOT NULL,
	"cursor" timestamp with time zone,
	"checkpoint" jsonb,
	"last_started_at" timestamp with time zone,
	"last_finished_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_status" text,
	"last_error" text,
	"last_summary" jsonb,
	CONSTRAINT "sync_state_store_hash_table_name_pk" PRIMARY KEY("store_hash","table_name")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."webhook_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"store_hash" text NOT NULL,
	"hash" text NOT NULL,
	"scope" text NOT NULL,
	"resource" text,
	"resource_id" bigint,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"processed_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE INDEX "coupons_code_idx" ON "bigcommerce"."coupons" USING btree ("store_hash","code");--> statement-breakpoint
CREATE INDEX "customers_date_modified_idx" ON "bigcommerce"."customers" USING btree ("store_hash","date_modified");--> statement-breakpoint
CREATE INDEX "customers_email_idx" ON "bigcommerce"."customers" USING btree ("store_hash","email");--> statement-breakpoint
CREATE INDEX "deletions_deleted_at_idx" ON "bigcommerce"."deletions" USING btree ("store_hash","deleted_at");--> statement-breakpoint
CREATE INDEX "orders_date_modified_idx" ON "bigcommerce"."orders" USING btree ("store_hash","date_modified");--> statement-breakpoint
CREATE INDEX "orders_customer_id_idx" ON "bigcommerce"."orders" USING btree ("store_hash","customer_id");--> statement-breakpoint
CREATE INDEX "orders_status_id_idx" ON "bigcommerce"."orders" USING btree ("store_hash","status_id");--> statement-breakpoint
CREATE INDEX "orders_date_created_idx" ON "bigcommerce"."orders" USING btree ("store_hash","date_created");--> statement-breakpoint
CREATE INDEX "products_date_modified_idx" ON "bigcommerce"."products" USING btree ("store_hash","date_modified");--> statement-breakpoint
CREATE INDEX "products_sku_idx" ON "bigcommerce"."products" USING btree ("store_hash","sku");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_store_hash_hash_key" ON "bigcommerce"."webhook_events" USING btree ("store_hash","hash");--> statement-breakpoint
CREATE INDEX "webhook_events_pending_idx" ON "bigcommerce"."webhook_events" USING btree ("available_at") WHERE "bigcommerce"."webhook_events"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_events_received_at_idx" ON "bigcommerce"."webhook_events" USING btree ("store_hash","received_at");