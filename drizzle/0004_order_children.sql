CREATE TABLE "bigcommerce"."order_coupons" (
	"store_hash" text NOT NULL,
	"order_id" bigint NOT NULL,
	"id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"coupon_id" bigint,
	"code" text,
	"type" integer,
	"amount" numeric(20, 4),
	"discount" numeric(20, 4),
	CONSTRAINT "order_coupons_store_hash_order_id_id_pk" PRIMARY KEY("store_hash","order_id","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."order_products" (
	"store_hash" text NOT NULL,
	"order_id" bigint NOT NULL,
	"id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"product_id" bigint,
	"variant_id" bigint,
	"sku" text,
	"name" text,
	"quantity" integer,
	"price_inc_tax" numeric(20, 4),
	"total_inc_tax" numeric(20, 4),
	"order_address_id" bigint,
	"type" text,
	CONSTRAINT "order_products_store_hash_order_id_id_pk" PRIMARY KEY("store_hash","order_id","id")
);
--> statement-breakpoint
CREATE TABLE "bigcommerce"."order_shipping_addresses" (
	"store_hash" text NOT NULL,
	"order_id" bigint NOT NULL,
	"id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"first_name" text,
	"last_name" text,
	"city" text,
	"state" text,
	"zip" text,
	"country_iso2" text,
	"email" text,
	"shipping_method" text,
	"consignment_id" bigint,
	CONSTRAINT "order_shipping_addresses_store_hash_order_id_id_pk" PRIMARY KEY("store_hash","order_id","id")
);
--> statement-breakpoint
ALTER TABLE "bigcommerce"."order_coupons" ADD CONSTRAINT "order_coupons_store_hash_order_id_orders_store_hash_id_fk" FOREIGN KEY ("store_hash","order_id") REFERENCES "bigcommerce"."orders"("store_hash","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bigcommerce"."order_products" ADD CONSTRAINT "order_products_store_hash_order_id_orders_store_hash_id_fk" FOREIGN KEY ("store_hash","order_id") REFERENCES "bigcommerce"."orders"("store_hash","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bigcommerce"."order_shipping_addresses" ADD CONSTRAINT "order_shipping_addresses_store_hash_order_id_orders_store_hash_id_fk" FOREIGN KEY ("store_hash","order_id") REFERENCES "bigcommerce"."orders"("store_hash","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "order_coupons_code_idx" ON "bigcommerce"."order_coupons" USING btree ("store_hash","code");--> statement-breakpoint
CREATE INDEX "order_products_sku_idx" ON "bigcommerce"."order_products" USING btree ("store_hash","sku");--> statement-breakpoint
CREATE INDEX "order_products_product_id_idx" ON "bigcommerce"."order_products" USING btree ("store_hash","product_id");--> statement-breakpoint
CREATE INDEX "order_shipping_addresses_country_idx" ON "bigcommerce"."order_shipping_addresses" USING btree ("store_hash","country_iso2");