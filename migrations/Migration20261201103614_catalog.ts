import { Migration } from '@mikro-orm/migrations';

export class Migration20261201103614_catalog extends Migration {

  override name = 'Migration20261201103614_catalog';

  override up(): void | Promise<void> {
    // Full-text search: English stemming with accents ignored, and trigram similarity for misspellings.
    this.addSql(`create extension if not exists unaccent;`);
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create extension if not exists fuzzystrmatch;`);
    this.addSql(`create text search configuration commerce_search (copy = english);`);
    this.addSql(`alter text search configuration commerce_search alter mapping for hword, hword_part, word with unaccent, english_stem;`);

    this.addSql(`create table "brands" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(200) not null, "slug" varchar(120) not null, "description" text null, "logo_url" varchar(2000) null, primary key ("id"));`);
    this.addSql(`alter table "brands" add constraint "brands_slug_unique" unique ("slug");`);
    this.addSql(`create index "brands_name_id" on "brands" ("name", "id");`);

    this.addSql(`create table "categories" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "parent_id" uuid null, "name" varchar(200) not null, "slug" varchar(120) not null, "description" text null, "position" int not null default 0, primary key ("id"));`);
    this.addSql(`create index "categories_parent_id_index" on "categories" ("parent_id");`);
    this.addSql(`alter table "categories" add constraint "categories_slug_unique" unique ("slug");`);

    this.addSql(`create table "products" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "slug" varchar(120) not null, "name" varchar(200) not null, "description" text null, "status" text not null default 'DRAFT', "category_id" uuid null, "brand_id" uuid null, "options" jsonb not null default '[]', "attributes" jsonb not null default '[]', "tag_ids" uuid[] not null default '{}', "price_min" int not null default 0, "price_max" int not null default 0, "rating_average" numeric(3,2) not null default 0, "rating_count" int not null default 0, "units_sold" int not null default 0, "search_document" tsvector null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "products" add constraint "products_slug_unique" unique ("slug");`);
    this.addSql(`create index "products_category_id_index" on "products" ("category_id");`);
    this.addSql(`create index "products_brand_id_index" on "products" ("brand_id");`);

    this.addSql(`create table "product_images" ("id" uuid not null, "created_at" timestamptz not null, "product_id" uuid not null, "key" varchar(100) not null, "content_type" text not null, "bytes" int not null, "width" int not null, "height" int not null, "alt" varchar(300) null, "position" int not null default 0, "is_primary" boolean not null default false, primary key ("id"));`);
    this.addSql(`create index "product_images_product_id_index" on "product_images" ("product_id");`);
    this.addSql(`alter table "product_images" add constraint "product_images_key_unique" unique ("key");`);
    this.addSql(`create unique index "product_images_one_primary" on "product_images" ("product_id") where "is_primary";`);

    this.addSql(`create table "product_slugs" ("slug" varchar(120) not null, "product_id" uuid not null, "created_at" timestamptz not null, primary key ("slug"));`);
    this.addSql(`create index "product_slugs_product_id_index" on "product_slugs" ("product_id");`);

    this.addSql(`create table "search_words" ("word" varchar(64) not null, primary key ("word"));`);

    this.addSql(`create table "tags" ("id" uuid not null, "created_at" timestamptz not null, "name" varchar(50) not null, "normalized" varchar(50) not null, primary key ("id"));`);
    this.addSql(`alter table "tags" add constraint "tags_normalized_unique" unique ("normalized");`);

    this.addSql(`create table "uploads" ("id" uuid not null, "created_at" timestamptz not null, "purpose" text not null, "owner_id" uuid not null, "key" varchar(100) not null, "content_type" varchar(100) not null, "bytes" int not null, "created_by" uuid null, "expires_at" timestamptz not null, "confirmed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "uploads_owner_id_index" on "uploads" ("owner_id");`);
    this.addSql(`alter table "uploads" add constraint "uploads_key_unique" unique ("key");`);
    this.addSql(`create index "uploads_unconfirmed" on "uploads" ("created_at") where "confirmed_at" is null;`);

    this.addSql(`create table "variants" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "product_id" uuid not null, "sku" varchar(64) not null, "title" varchar(200) not null, "option_values" jsonb not null default '{}', "option_key" varchar(600) not null, "price" int not null, "compare_at_price" int null, "stock" int not null default 0, "weight_grams" int null, "position" int not null default 0, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "variants_product_id_index" on "variants" ("product_id");`);
    this.addSql(`create unique index "variants_sku_unique" on "variants" (lower("sku"));`);
    this.addSql(`create index "variants_in_stock" on "variants" ("product_id") where "stock" > 0;`);
    this.addSql(`alter table "variants" add constraint "variants_product_options_unique" unique ("product_id", "option_key");`);

    this.addSql(`alter table "categories" add constraint "categories_parent_id_foreign" foreign key ("parent_id") references "categories" ("id") on delete restrict;`);

    this.addSql(`alter table "products" add constraint "products_category_id_foreign" foreign key ("category_id") references "categories" ("id") on delete restrict;`);
    this.addSql(`alter table "products" add constraint "products_brand_id_foreign" foreign key ("brand_id") references "brands" ("id") on delete restrict;`);
    this.addSql(`alter table "products" add constraint "products_status_check" check ("status" in ('DRAFT', 'ACTIVE', 'ARCHIVED'));`);

    this.addSql(`alter table "product_images" add constraint "product_images_product_id_foreign" foreign key ("product_id") references "products" ("id") on delete cascade;`);
    this.addSql(`alter table "product_images" add constraint "product_images_content_type_check" check ("content_type" in ('image/jpeg', 'image/png', 'image/webp', 'image/avif'));`);

    this.addSql(`alter table "product_slugs" add constraint "product_slugs_product_id_foreign" foreign key ("product_id") references "products" ("id") on delete cascade;`);

    this.addSql(`alter table "uploads" add constraint "uploads_purpose_check" check ("purpose" in ('PRODUCT_IMAGE', 'REVIEW_IMAGE'));`);

    this.addSql(`alter table "variants" add constraint "variants_product_id_foreign" foreign key ("product_id") references "products" ("id") on delete cascade;`);
    this.addSql(`alter table "variants" add constraint "variants_stock_check" check (stock >= 0);`);

    // Listing and search read ACTIVE products in one of these orders; the page is the index's next rows.
    this.addSql(`create index "products_active_newest" on "products" ("id" desc) where "status" = 'ACTIVE';`);
    this.addSql(`create index "products_active_price" on "products" ("price_min", "id") where "status" = 'ACTIVE';`);
    this.addSql(`create index "products_active_rating" on "products" ("rating_average" desc, "rating_count" desc, "id" desc) where "status" = 'ACTIVE';`);
    this.addSql(`create index "products_active_popular" on "products" ("units_sold" desc, "id" desc) where "status" = 'ACTIVE';`);
    this.addSql(`create index "products_active_category" on "products" ("category_id") where "status" = 'ACTIVE';`);
    this.addSql(`create index "products_active_brand" on "products" ("brand_id") where "status" = 'ACTIVE';`);
    // What facet counts read, so that counting a whole browse touches the index only.
    this.addSql(`create index "products_active_facets" on "products" ("category_id", "brand_id", "price_min") include ("id", "rating_average", "tag_ids") where "status" = 'ACTIVE';`);
    this.addSql(`create index "products_search_document" on "products" using gin ("search_document");`);
    this.addSql(`create index "products_tag_ids" on "products" using gin ("tag_ids");`);
    // Nearest words by trigram distance (KNN), for correcting a misspelt search word.
    this.addSql(`create index "search_words_trigram" on "search_words" using gist ("word" gist_trgm_ops);`);
    this.addSql(`create index "search_words_prefix" on "search_words" ("word" varchar_pattern_ops);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "products" drop constraint "products_brand_id_foreign";`);
    this.addSql(`alter table "categories" drop constraint "categories_parent_id_foreign";`);
    this.addSql(`alter table "products" drop constraint "products_category_id_foreign";`);
    this.addSql(`alter table "product_images" drop constraint "product_images_product_id_foreign";`);
    this.addSql(`alter table "product_slugs" drop constraint "product_slugs_product_id_foreign";`);
    this.addSql(`alter table "variants" drop constraint "variants_product_id_foreign";`);

    this.addSql(`drop table if exists "brands" cascade;`);
    this.addSql(`drop table if exists "categories" cascade;`);
    this.addSql(`drop table if exists "products" cascade;`);
    this.addSql(`drop table if exists "product_images" cascade;`);
    this.addSql(`drop table if exists "product_slugs" cascade;`);
    this.addSql(`drop table if exists "search_words" cascade;`);
    this.addSql(`drop table if exists "tags" cascade;`);
    this.addSql(`drop table if exists "uploads" cascade;`);
    this.addSql(`drop table if exists "variants" cascade;`);
    this.addSql(`drop text search configuration if exists commerce_search;`);
  }

}
