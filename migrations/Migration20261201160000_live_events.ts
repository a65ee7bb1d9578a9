import { Migration } from '@mikro-orm/migrations';

export class Migration20261201160000_live_events extends Migration {

  override name = 'Migration20261201160000_live_events';

  override up(): void | Promise<void> {
    this.addSql(`create table "live_events" ("seq" bigserial primary key, "type" varchar(64) not null, "scope" uuid null, "data" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "live_events_scope_seq" on "live_events" ("scope", "seq");`);
    this.addSql(`create index "live_events_created_at" on "live_events" ("created_at");`);

    this.addSql(`create table "event_tickets" ("ticket_hash" varchar(64) not null, "user_id" uuid not null, "session_id" uuid not null, "role" text check ("role" in ('CUSTOMER', 'ADMIN', 'MODERATOR')) not null, "audience" text check ("audience" in ('customer', 'staff')) not null, "access_expires_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("ticket_hash"));`);
    this.addSql(`create index "event_tickets_session_id_index" on "event_tickets" ("session_id");`);
    this.addSql(`create index "event_tickets_expires_at_index" on "event_tickets" ("expires_at");`);
    this.addSql(`alter table "event_tickets" add constraint "event_tickets_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "event_tickets" add constraint "event_tickets_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "event_tickets" cascade;`);
    this.addSql(`drop table if exists "live_events" cascade;`);
  }

}
