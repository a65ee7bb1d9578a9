import { Migration } from '@mikro-orm/migrations';

export class Migration20261201093313_rotated_refresh_tokens extends Migration {

  override name = 'Migration20261201093313_rotated_refresh_tokens';

  override up(): void | Promise<void> {
    this.addSql(`create table "rotated_refresh_tokens" ("token_hash" varchar(64) not null, "session_id" uuid not null, "rotated_at" timestamptz not null, primary key ("token_hash"));`);
    this.addSql(`create index "rotated_refresh_tokens_session_id_index" on "rotated_refresh_tokens" ("session_id");`);

    this.addSql(`alter table "rotated_refresh_tokens" add constraint "rotated_refresh_tokens_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "rotated_refresh_tokens" cascade;`);
  }

}
