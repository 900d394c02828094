CREATE TABLE "bigcommerce"."customer_addresses" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"customer_id" bigint NOT NULL,
	"first_name" text,
	"last_name" text,
	"city" text,
	"state_or_province" text,
	"postal_code" text,
	"country_code" text,
	"address_type" text,
	CONSTRAINT "customer_addresses_store_hash_customer_id_id_pk" PRIMARY KEY("store_hash","customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."product_variants" (
	"store_hash" text NOT NULL,
	"id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"product_id" bigint NOT NULL,
	"sku" text,
	"price" numeric(20, 4),
	"calculated_price" numeric(20, 4),
	"inventory_level" integer,
	"purchasing_disabled" boolean,
	CONSTRAINT "product_variants_store_hash_product_id_id_pk" PRIMARY KEY("store_hash","product_id","id")
);
--> statement-breakpoint
ALTER TABLE "bigcommerce"."customer_addresses" ADD CONSTRAINT "customer_addresses_store_hash_customer_id_customers_store_hash_id_fk" FOREIGN KEY ("store_hash","customer_id") REFERENCES "bigcommerce"."customers"("store_hash","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bigcommerce"."product_variants" ADD CONSTRAINT "product_variants_store_hash_product_id_products_store_hash_id_fk" FOREIGN KEY ("store_hash","product_id") REFERENCES "bigcommerce"."products"("store_hash","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_addresses_country_idx" ON "bigcommerce"."customer_addresses" USING btree ("store_hash","country_code");--> statement-breakpoint
CREATE INDEX "product_variants_sku_idx" ON "bigcommerce"."product_variants" USING btree ("store_hash","sku");