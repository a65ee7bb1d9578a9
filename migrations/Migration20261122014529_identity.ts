import { Migration } from '@mikro-orm/migrations';

export class Migration20261122014529_identity extends Migration {

  override name = 'Migration20261122014529_identity';

  override up(): void | Promise<void> {
    this.addSql(`create table "users" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "email" varchar(254) not null, "password_hash" text not null, "name" varchar(100) not null, "phone" varchar(16) null, "role" text not null, "email_verified_at" timestamptz null, "disabled_at" timestamptz null, "must_change_password" boolean not null default false, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "created_at" timestamptz not null, "user_id" uuid not null, "audience" text not null, "refresh_token_hash" varchar(64) not null, "rotated_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "one_time_codes" ("id" uuid not null, "created_at" timestamptz not null, "user_id" uuid not null, "purpose" text not null, "code_hash" varchar(64) not null, "attempts" int not null default 0, "expires_at" timestamptz not null, "consumed_at" timestamptz null, "new_email" varchar(254) null, primary key ("id"));`);
    this.addSql(`create index "one_time_codes_user_id_purpose_index" on "one_time_codes" ("user_id", "purpose");`);

    this.addSql(`create table "addresses" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "label" varchar(200) null, "full_name" varchar(100) not null, "company" varchar(200) null, "line1" varchar(200) not null, "line2" varchar(200) null, "city" varchar(200) not null, "region" varchar(200) null, "postal_code" varchar(20) not null, "country" varchar(2) not null, "phone" varchar(16) null, "is_default_shipping" boolean not null default false, "is_default_billing" boolean not null default false, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "addresses_user_id_index" on "addresses" ("user_id");`);
    this.addSql(`create unique index "addresses_one_default_shipping" on "addresses" ("user_id") where "is_default_shipping";`);
    this.addSql(`create unique index "addresses_one_default_billing" on "addresses" ("user_id") where "is_default_billing";`);

    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('CUSTOMER', 'ADMIN', 'MODERATOR'));`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "sessions" add constraint "sessions_audience_check" check ("audience" in ('customer', 'staff'));`);

    this.addSql(`alter table "one_time_codes" add constraint "one_time_codes_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "one_time_codes" add constraint "one_time_codes_purpose_check" check ("purpose" in ('VERIFY_EMAIL', 'RESET_PASSWORD', 'STAFF_SIGNIN', 'CHANGE_EMAIL'));`);

    this.addSql(`alter table "addresses" add constraint "addresses_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);
    this.addSql(`alter table "one_time_codes" drop constraint "one_time_codes_user_id_foreign";`);
    this.addSql(`alter table "addresses" drop constraint "addresses_user_id_foreign";`);

    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "one_time_codes" cascade;`);
    this.addSql(`drop table if exists "addresses" cascade;`);
  }

}
