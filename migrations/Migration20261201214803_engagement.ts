import { Migration } from '@mikro-orm/migrations';

export class Migration20261201214803_engagement extends Migration {

  override name = 'Migration20261201214803_engagement';

  override up(): void | Promise<void> {
    this.addSql(`create table "discounts" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "code" varchar(64) not null, "normalized_code" varchar(64) not null, "description" varchar(500) null, "kind" text not null, "percentage" smallint null, "amount" bigint null, "minimum_subtotal" bigint null, "starts_at" timestamptz null, "ends_at" timestamptz null, "category_ids" uuid[] not null default '{}', "product_ids" uuid[] not null default '{}', "usage_limit" int null, "per_customer_limit" int null, "used_count" int not null default 0, "active" boolean not null default true, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "discounts" add constraint "discounts_normalized_code_unique" unique ("normalized_code");`);

    this.addSql(`create table "reviews" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "product_id" uuid not null, "customer_id" uuid not null, "rating" smallint not null, "title" varchar(150) not null, "body" text not null, "status" text not null, "verified_purchase" boolean not null default false, "moderation_reason" varchar(500) null, "moderated_by_id" uuid null, "moderated_at" timestamptz null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "reviews_published_newest" on "reviews" ("product_id", "created_at" desc, "id" desc) where "status" = 'PUBLISHED';`);
    this.addSql(`create index "reviews_published_rating" on "reviews" ("product_id", "rating", "created_at" desc, "id" desc) where "status" = 'PUBLISHED';`);
    this.addSql(`create index "reviews_moderation" on "reviews" ("status", "created_at");`);
    this.addSql(`create index "reviews_customer" on "reviews" ("customer_id", "created_at");`);
    this.addSql(`alter table "reviews" add constraint "reviews_product_customer_unique" unique ("product_id", "customer_id");`);

    this.addSql(`create table "review_images" ("id" uuid not null, "created_at" timestamptz not null, "review_id" uuid not null, "key" varchar(100) not null, "content_type" text not null, "bytes" int not null, "width" int not null, "height" int not null, "alt" varchar(300) null, "position" int not null default 0, primary key ("id"));`);
    this.addSql(`create index "review_images_review_id_index" on "review_images" ("review_id");`);
    this.addSql(`alter table "review_images" add constraint "review_images_key_unique" unique ("key");`);

    this.addSql(`create table "discount_redemptions" ("id" uuid not null, "created_at" timestamptz not null, "discount_id" uuid not null, "customer_id" uuid not null, "order_id" uuid not null, "amount" bigint not null, "released_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "discount_redemptions_discount_id_index" on "discount_redemptions" ("discount_id");`);
    this.addSql(`alter table "discount_redemptions" add constraint "discount_redemptions_order_id_unique" unique ("order_id");`);
    this.addSql(`create index "discount_redemptions_customer" on "discount_redemptions" ("discount_id", "customer_id") where "released_at" is null;`);

    this.addSql(`create table "wishlist_items" ("id" uuid not null, "created_at" timestamptz not null, "customer_id" uuid not null, "product_id" uuid not null, primary key ("id"));`);
    this.addSql(`create index "wishlist_items_product_id_index" on "wishlist_items" ("product_id");`);
    this.addSql(`create index "wishlist_items_newest" on "wishlist_items" ("customer_id", "created_at" desc, "id" desc);`);
    this.addSql(`alter table "wishlist_items" add constraint "wishlist_items_customer_product_unique" unique ("customer_id", "product_id");`);


    this.addSql(`alter table "carts" add "discount_id" uuid null;`);
    this.addSql(`alter table "carts" add constraint "carts_discount_id_foreign" foreign key ("discount_id") references "discounts" ("id") on delete set null;`);
    this.addSql(`create index "carts_discount_id_index" on "carts" ("discount_id");`);

    this.addSql(`alter table "discounts" add constraint "discounts_used_count_check" check (used_count >= 0);`);
    this.addSql(`alter table "discounts" add constraint "discounts_kind_check" check ("kind" in ('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING'));`);

    this.addSql(`alter table "reviews" add constraint "reviews_product_id_foreign" foreign key ("product_id") references "products" ("id") on delete cascade;`);
    this.addSql(`alter table "reviews" add constraint "reviews_customer_id_foreign" foreign key ("customer_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "reviews" add constraint "reviews_moderated_by_id_foreign" foreign key ("moderated_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "reviews" add constraint "reviews_rating_check" check (rating between 1 and 5);`);
    this.addSql(`alter table "reviews" add constraint "reviews_status_check" check ("status" in ('PENDING', 'PUBLISHED', 'HIDDEN', 'REJECTED'));`);

    this.addSql(`alter table "review_images" add constraint "review_images_review_id_foreign" foreign key ("review_id") references "reviews" ("id") on delete cascade;`);
    this.addSql(`alter table "review_images" add constraint "review_images_content_type_check" check ("content_type" in ('image/jpeg', 'image/png', 'image/webp', 'image/avif'));`);

    this.addSql(`alter table "discount_redemptions" add constraint "discount_redemptions_discount_id_foreign" foreign key ("discount_id") references "discounts" ("id") on delete restrict;`);
    this.addSql(`alter table "discount_redemptions" add constraint "discount_redemptions_customer_id_foreign" foreign key ("customer_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "wishlist_items" add constraint "wishlist_items_customer_id_foreign" foreign key ("customer_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "wishlist_items" add constraint "wishlist_items_product_id_foreign" foreign key ("product_id") references "products" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "discount_redemptions" drop constraint "discount_redemptions_discount_id_foreign";`);
    this.addSql(`alter table "carts" drop constraint "carts_discount_id_foreign";`);
    this.addSql(`alter table "review_images" drop constraint "review_images_review_id_foreign";`);

    this.addSql(`drop table if exists "discounts" cascade;`);
    this.addSql(`drop table if exists "reviews" cascade;`);
    this.addSql(`drop table if exists "review_images" cascade;`);
    this.addSql(`drop table if exists "discount_redemptions" cascade;`);
    this.addSql(`drop table if exists "wishlist_items" cascade;`);

    this.addSql(`drop index "carts_discount_id_index";`);
    this.addSql(`alter table "carts" drop column "discount_id";`);

  }

}
