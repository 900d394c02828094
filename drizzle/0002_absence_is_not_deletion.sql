CREATE TABLE "bigcommerce"."rejected_rows" (
	"store_hash" text NOT NULL,
	"resource" text NOT NULL,
	"id" bigint,
	"reason" text NOT NULL,
	"raw" text NOT NULL,
	"fingerprint" text GENERATED ALWAYS AS (coalesce(id::text, 'md5:' || md5(raw))) STORED NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "bigcommerce"."webhook_events_store_hash_hash_key";--> statement-breakpoint
ALTER TABLE "bigcommerce"."webhook_events" ADD COLUMN "rechecks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "rejected_rows_key" ON "bigcommerce"."rejected_rows" USING btree ("store_hash","resource","fingerprint");--> statement-breakpoint
ALTER TABLE "bigcommerce"."webhook_events" ADD CONSTRAINT "webhook_events_target_key" UNIQUE NULLS NOT DISTINCT("store_hash","hash","scope","resource_id");--> statement-breakpoint
-- Tombstones stamped with a future date_modified (the old write path took the later of the two)
-- would stop every read; a tombstone now means "deleted as of this moment".
UPDATE "bigcommerce"."deletions" SET "deleted_at" = now() WHERE "deleted_at" > now();