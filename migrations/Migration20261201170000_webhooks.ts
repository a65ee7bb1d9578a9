import { Migration } from '@mikro-orm/migrations';

export class Migration20261201170000_webhooks extends Migration {

  override name = 'Migration20261201170000_webhooks';

  override up(): void | Promise<void> {
    this.addSql(`create table "webhook_endpoints" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "url" varchar(2048) not null, "description" varchar(500) null, "event_types" text[] not null, "active" boolean not null default true, "secret" varchar(100) not null, "previous_secret" varchar(100) null, "previous_secret_expires_at" timestamptz null, "consecutive_failures" int not null default 0, "disabled_reason" varchar(500) null, "disabled_at" timestamptz null, "version" int not null default 1, primary key ("id"));`);

    // An event's payload, stored once: every delivery and redelivery of it sends these exact bytes.
    this.addSql(`create table "webhook_events" ("id" uuid not null, "created_at" timestamptz not null, "type" varchar(64) not null, "occurred_at" timestamptz not null, "payload" text not null, primary key ("id"));`);
    this.addSql(`create index "webhook_events_created_at_index" on "webhook_events" ("created_at");`);

    this.addSql(`create table "webhook_deliveries" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "endpoint_id" uuid not null, "event_id" uuid not null, "status" text not null default 'PENDING', "attempt_count" int not null default 0, "series" int not null default 0, "series_attempts" int not null default 0, "last_attempt_at" timestamptz null, "last_response_status" int null, "last_duration_ms" int null, "last_error" varchar(500) null, "next_attempt_at" timestamptz null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_event_unique" unique ("endpoint_id", "event_id");`);
    this.addSql(`create index "webhook_deliveries_endpoint_newest" on "webhook_deliveries" ("endpoint_id", "id");`);
    this.addSql(`create index "webhook_deliveries_event_id_index" on "webhook_deliveries" ("event_id");`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_status_check" check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on delete cascade;`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_event_id_foreign" foreign key ("event_id") references "webhook_events" ("id") on delete cascade;`);

    this.addSql(`create table "webhook_delivery_attempts" ("id" uuid not null, "created_at" timestamptz not null, "delivery_id" uuid not null, "response_status" int null, "error" varchar(500) null, "duration_ms" int not null, "response_body" text null, primary key ("id"));`);
    this.addSql(`create index "webhook_delivery_attempts_delivery_id_index" on "webhook_delivery_attempts" ("delivery_id");`);
    this.addSql(`alter table "webhook_delivery_attempts" add constraint "webhook_delivery_attempts_delivery_id_foreign" foreign key ("delivery_id") references "webhook_deliveries" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "webhook_delivery_attempts" cascade;`);
    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
    this.addSql(`drop table if exists "webhook_events" cascade;`);
    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);
  }

}
