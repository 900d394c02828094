CREATE TABLE "bigcommerce"."stores" (
	"store_hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"start_date" timestamp with time zone,
	"token_sealed" text NOT NULL,
	"installed_at" timestamp with time zone,
	"uninstalled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stores_kind_check" CHECK ("bigcommerce"."stores"."kind" in ('api_account', 'app')),
	CONSTRAINT "stores_status_check" CHECK ("bigcommerce"."stores"."status" in ('active', 'paused', 'uninstalled'))
);
--> statement-breakpoint
CREATE INDEX "stores_status_idx" ON "bigcommerce"."stores" USING btree ("status");