import { Migration } from '@mikro-orm/migrations';

export class Migration20261201122431_shop extends Migration {

  override name = 'Migration20261201122431_shop';

  override up(): void | Promise<void> {
    // Order numbers: unique and increasing across instances, never reused (a rolled-back checkout skips one).
    this.addSql(`create sequence "order_numbers" start 100001;`);
    this.addSql(`create table "idempotency_keys" ("id" bigserial primary key, "caller" varchar(100) not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "status" int null, "headers" jsonb null, "body" text null, "locked_at" timestamptz not null, "created_at" timestamptz not null, "expires_at" timestamptz not null);`);
    this.addSql(`create index "idempotency_keys_expires_at_index" on "idempotency_keys" ("expires_at");`);
    this.addSql(`alter table "idempotency_keys" add constraint "idempotency_keys_caller_key_unique" unique ("caller", "key");`);

    this.addSql(`create table "shipping_methods" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(200) not null, "price" int not null, "free_above" int null, "countries" text[] not null, "min_days" int not null, "max_days" int not null, "active" boolean not null default true, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "shipping_methods_countries" on "shipping_methods" using gin ("countries") where "active";`);

    this.addSql(`create table "orders" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "number" bigint not null, "customer_id" uuid not null, "status" text not null, "payment_status" text not null, "payment_method" text not null, "currency" varchar(3) not null, "subtotal" bigint not null, "discount_total" bigint not null default '0', "shipping_total" bigint not null, "total" bigint not null, "discount_code" varchar(64) null, "shipping_address" jsonb not null, "shipping_method_id" uuid null, "shipping_method_name" varchar(200) not null, "note" varchar(500) null, "placed_at" timestamptz not null, "delivered_at" timestamptz null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "orders" add constraint "orders_number_unique" unique ("number");`);
    this.addSql(`create index "orders_customer_newest" on "orders" ("customer_id", "id");`);
    this.addSql(`create index "orders_status_newest" on "orders" ("status", "id");`);
    this.addSql(`create index "orders_placed_at" on "orders" ("placed_at");`);

    this.addSql(`create table "return_requests" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "order_id" uuid not null, "status" text not null default 'REQUESTED', "reason" varchar(1000) not null, "items" jsonb not null, "decided_at" timestamptz null, "decision_note" varchar(500) null, "decided_by_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "return_requests_order_id_index" on "return_requests" ("order_id");`);

    this.addSql(`create table "order_status_changes" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "order_id" uuid not null, "from_status" text null, "to_status" text not null, "actor_role" text not null, "actor_id" uuid null, "note" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "order_status_changes_order_id_index" on "order_status_changes" ("order_id");`);

    this.addSql(`create table "carts" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "customer_id" uuid null, "token_hash" varchar(64) null, primary key ("id"));`);
    this.addSql(`alter table "carts" add constraint "carts_customer_id_unique" unique ("customer_id");`);
    this.addSql(`alter table "carts" add constraint "carts_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "carts_idle" on "carts" ("updated_at");`);

    this.addSql(`create table "stock_adjustments" ("id" uuid not null, "variant_id" uuid not null, "kind" text not null, "before" int not null, "after" int not null, "reason" varchar(500) not null, "order_id" uuid null, "actor_role" text not null, "actor_id" uuid null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "stock_adjustments_order_id_index" on "stock_adjustments" ("order_id");`);
    this.addSql(`create index "stock_adjustments_variant_newest" on "stock_adjustments" ("variant_id", "id");`);

    this.addSql(`create table "order_items" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "order_id" uuid not null, "product_id" uuid not null, "variant_id" uuid not null, "product_name" varchar(200) not null, "variant_title" varchar(200) not null, "sku" varchar(64) not null, "unit_price" int not null, "quantity" int not null, "line_total" bigint not null, "discount" bigint not null default '0', "returned_quantity" int not null default 0, "position" int not null, primary key ("id"));`);
    this.addSql(`create index "order_items_order_id_index" on "order_items" ("order_id");`);
    this.addSql(`create index "order_items_product_id_index" on "order_items" ("product_id");`);
    this.addSql(`create index "order_items_variant_id_index" on "order_items" ("variant_id");`);

    this.addSql(`create table "cart_lines" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "cart_id" uuid not null, "variant_id" uuid not null, "quantity" int not null, "added_unit_price" int not null, primary key ("id"));`);
    this.addSql(`create index "cart_lines_variant_id_index" on "cart_lines" ("variant_id");`);
    this.addSql(`alter table "cart_lines" add constraint "cart_lines_cart_variant_unique" unique ("cart_id", "variant_id");`);

    this.addSql(`create index "variants_by_stock" on "variants" ("stock", "id");`);

    this.addSql(`alter table "orders" add constraint "orders_customer_id_foreign" foreign key ("customer_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "orders" add constraint "orders_shipping_method_id_foreign" foreign key ("shipping_method_id") references "shipping_methods" ("id") on delete set null;`);
    this.addSql(`alter table "orders" add constraint "orders_total_check" check (total >= 0);`);
    this.addSql(`alter table "orders" add constraint "orders_status_check" check ("status" in ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURN_REQUESTED', 'RETURNED'));`);
    this.addSql(`alter table "orders" add constraint "orders_payment_status_check" check ("payment_status" in ('UNPAID', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'));`);
    this.addSql(`alter table "orders" add constraint "orders_payment_method_check" check ("payment_method" in ('COD', 'CARD'));`);

    this.addSql(`alter table "return_requests" add constraint "return_requests_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "return_requests" add constraint "return_requests_decided_by_id_foreign" foreign key ("decided_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "return_requests" add constraint "return_requests_status_check" check ("status" in ('REQUESTED', 'ACCEPTED', 'REJECTED'));`);

    this.addSql(`alter table "order_status_changes" add constraint "order_status_changes_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "order_status_changes" add constraint "order_status_changes_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "order_status_changes" add constraint "order_status_changes_from_status_check" check ("from_status" in ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURN_REQUESTED', 'RETURNED'));`);
    this.addSql(`alter table "order_status_changes" add constraint "order_status_changes_to_status_check" check ("to_status" in ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURN_REQUESTED', 'RETURNED'));`);
    this.addSql(`alter table "order_status_changes" add constraint "order_status_changes_actor_role_check" check ("actor_role" in ('CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'));`);

    this.addSql(`alter table "carts" add constraint "carts_customer_id_foreign" foreign key ("customer_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "stock_adjustments" add constraint "stock_adjustments_variant_id_foreign" foreign key ("variant_id") references "variants" ("id") on delete cascade;`);
    this.addSql(`alter table "stock_adjustments" add constraint "stock_adjustments_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "stock_adjustments" add constraint "stock_adjustments_kind_check" check ("kind" in ('INITIAL', 'MANUAL', 'CHECKOUT', 'CANCELLATION', 'RETURN'));`);
    this.addSql(`alter table "stock_adjustments" add constraint "stock_adjustments_actor_role_check" check ("actor_role" in ('CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'));`);

    this.addSql(`alter table "order_items" add constraint "order_items_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "order_items" add constraint "order_items_product_id_foreign" foreign key ("product_id") references "products" ("id") on delete restrict;`);
    this.addSql(`alter table "order_items" add constraint "order_items_variant_id_foreign" foreign key ("variant_id") references "variants" ("id") on delete restrict;`);
    this.addSql(`alter table "order_items" add constraint "order_items_quantity_check" check (quantity > 0);`);

    this.addSql(`alter table "cart_lines" add constraint "cart_lines_cart_id_foreign" foreign key ("cart_id") references "carts" ("id") on delete cascade;`);
    this.addSql(`alter table "cart_lines" add constraint "cart_lines_variant_id_foreign" foreign key ("variant_id") references "variants" ("id") on delete cascade;`);
    this.addSql(`alter table "cart_lines" add constraint "cart_lines_quantity_check" check (quantity > 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop sequence if exists "order_numbers";`);
    this.addSql(`alter table "orders" drop constraint "orders_shipping_method_id_foreign";`);
    this.addSql(`alter table "return_requests" drop constraint "return_requests_order_id_foreign";`);
    this.addSql(`alter table "order_status_changes" drop constraint "order_status_changes_order_id_foreign";`);
    this.addSql(`alter table "order_items" drop constraint "order_items_order_id_foreign";`);
    this.addSql(`alter table "cart_lines" drop constraint "cart_lines_cart_id_foreign";`);

    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
    this.addSql(`drop table if exists "shipping_methods" cascade;`);
    this.addSql(`drop table if exists "orders" cascade;`);
    this.addSql(`drop table if exists "return_requests" cascade;`);
    this.addSql(`drop table if exists "order_status_changes" cascade;`);
    this.addSql(`drop table if exists "carts" cascade;`);
    this.addSql(`drop table if exists "stock_adjustments" cascade;`);
    this.addSql(`drop table if exists "order_items" cascade;`);
    this.addSql(`drop table if exists "cart_lines" cascade;`);

    this.addSql(`drop index "variants_by_stock";`);
  }

}
