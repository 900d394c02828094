CREATE TABLE "bigcommerce"."sync_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"store_hash" text NOT NULL,
	"kind" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"tables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"throttled" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "sync_runs_started_at_idx" ON "bigcommerce"."sync_runs" USING btree ("store_hash","started_at");