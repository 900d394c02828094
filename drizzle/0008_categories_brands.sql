CREATE TABLE "bigcommerce"."brands" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"date_modified" timestamp with time zone,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text,
	CONSTRAINT "brands_store_hash_id_pk" PRIMARY KEY("store_hash","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."categories" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"date_modified" timestamp with time zone,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"parent_id" bigint,
	"name" text,
	"is_visible" boolean,
	"sort_order" integer,
	CONSTRAINT "categories_store_hash_id_pk" PRIMARY KEY("store_hash","id")
);
--> statement-breakpoint
CREATE INDEX "categories_parent_id_idx" ON "bigcommerce"."categories" USING btree ("store_hash","parent_id");