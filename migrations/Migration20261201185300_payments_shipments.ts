import { Migration } from '@mikro-orm/migrations';

export class Migration20261201185300_payments_shipments extends Migration {

  override name = 'Migration20261201185300_payments_shipments';

  override up(): void | Promise<void> {
    this.addSql(`create table "shipments" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "order_id" uuid not null, "carrier" varchar(32) not null, "service" varchar(200) null, "tracking_number" varchar(100) null, "tracking_url" varchar(2048) null, "external_id" varchar(100) null, "status" text not null, "items" jsonb not null, "delivered_at" timestamptz null, "actor_role" text not null, "actor_id" uuid null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "shipments_order_id_index" on "shipments" ("order_id");`);
    this.addSql(`create unique index "shipments_carrier_tracking_unique" on "shipments" ("carrier", "tracking_number") where "tracking_number" is not null;`);

    this.addSql(`create table "shipment_events" ("id" uuid not null, "created_at" timestamptz not null, "shipment_id" uuid not null, "status" text not null, "description" varchar(500) not null, "location" varchar(200) null, "occurred_at" timestamptz not null, "source" text not null, primary key ("id"));`);
    this.addSql(`alter table "shipment_events" add constraint "shipment_events_step_unique" unique ("shipment_id", "status", "occurred_at");`);

    this.addSql(`create table "payments" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "order_id" uuid not null, "provider" text not null, "external_id" varchar(255) null, "amount" bigint not null, "currency" varchar(3) not null, "status" text not null, "amount_received" bigint not null default '0', "client_secret" varchar(500) null, "failure_code" varchar(100) null, "failure_message" varchar(500) null, "attention" varchar(500) null, "actor_role" text not null, "actor_id" uuid null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "payments_order_id_index" on "payments" ("order_id");`);
    this.addSql(`alter table "payments" add constraint "payments_external_id_unique" unique ("external_id");`);

    this.addSql(`create table "refunds" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "order_id" uuid not null, "payment_id" uuid not null, "amount" bigint not null, "currency" varchar(3) not null, "status" text not null, "reason" text not null, "note" varchar(500) null, "external_id" varchar(255) null, "source_key" varchar(100) null, "failure_reason" varchar(500) null, "actor_role" text not null, "actor_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "refunds_order_id_index" on "refunds" ("order_id");`);
    this.addSql(`create index "refunds_payment_id_index" on "refunds" ("payment_id");`);
    this.addSql(`alter table "refunds" add constraint "refunds_external_id_unique" unique ("external_id");`);
    this.addSql(`alter table "refunds" add constraint "refunds_source_key_unique" unique ("source_key");`);

    this.addSql(`create table "payment_events" ("id" uuid not null, "created_at" timestamptz not null, "provider" text not null, "event_id" varchar(255) not null, "type" varchar(100) not null, "occurred_at" timestamptz not null, "payment_id" uuid null, "refund_id" uuid null, "outcome" text not null, "detail" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "payment_events_payment_id_index" on "payment_events" ("payment_id");`);
    this.addSql(`create index "payment_events_refund_id_index" on "payment_events" ("refund_id");`);
    this.addSql(`alter table "payment_events" add constraint "payment_events_provider_event_unique" unique ("provider", "event_id");`);

    this.addSql(`alter table "shipping_methods" add "pricing" text not null default 'FLAT', add "carrier" varchar(32) null;`);
    this.addSql(`alter table "shipping_methods" add constraint "shipping_methods_pricing_check" check ("pricing" in ('FLAT', 'CARRIER_CALCULATED'));`);

    this.addSql(`create index "orders_awaiting_card_payment" on "orders" ("placed_at") where "status" = 'PENDING' and "payment_status" = 'UNPAID' and "payment_method" = 'CARD';`);

    this.addSql(`alter table "shipments" add constraint "shipments_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "shipments" add constraint "shipments_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "shipments" add constraint "shipments_status_check" check ("status" in ('LABEL_CREATED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'EXCEPTION'));`);
    this.addSql(`alter table "shipments" add constraint "shipments_actor_role_check" check ("actor_role" in ('CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'));`);

    this.addSql(`alter table "shipment_events" add constraint "shipment_events_shipment_id_foreign" foreign key ("shipment_id") references "shipments" ("id") on delete cascade;`);
    this.addSql(`alter table "shipment_events" add constraint "shipment_events_status_check" check ("status" in ('LABEL_CREATED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'EXCEPTION'));`);
    this.addSql(`alter table "shipment_events" add constraint "shipment_events_source_check" check ("source" in ('STAFF', 'CARRIER'));`);

    this.addSql(`alter table "payments" add constraint "payments_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "payments" add constraint "payments_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "payments" add constraint "payments_provider_check" check ("provider" in ('STRIPE', 'CASH'));`);
    this.addSql(`alter table "payments" add constraint "payments_status_check" check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));`);
    this.addSql(`alter table "payments" add constraint "payments_actor_role_check" check ("actor_role" in ('CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'));`);

    this.addSql(`alter table "refunds" add constraint "refunds_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "refunds" add constraint "refunds_payment_id_foreign" foreign key ("payment_id") references "payments" ("id") on delete cascade;`);
    this.addSql(`alter table "refunds" add constraint "refunds_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "refunds" add constraint "refunds_amount_check" check (amount > 0);`);
    this.addSql(`alter table "refunds" add constraint "refunds_status_check" check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED'));`);
    this.addSql(`alter table "refunds" add constraint "refunds_reason_check" check ("reason" in ('CANCELLATION', 'RETURN', 'OVERPAYMENT', 'STAFF'));`);
    this.addSql(`alter table "refunds" add constraint "refunds_actor_role_check" check ("actor_role" in ('CUSTOMER', 'ADMIN', 'MODERATOR', 'SYSTEM'));`);

    this.addSql(`alter table "payment_events" add constraint "payment_events_payment_id_foreign" foreign key ("payment_id") references "payments" ("id") on delete cascade;`);
    this.addSql(`alter table "payment_events" add constraint "payment_events_refund_id_foreign" foreign key ("refund_id") references "refunds" ("id") on delete cascade;`);
    this.addSql(`alter table "payment_events" add constraint "payment_events_provider_check" check ("provider" in ('STRIPE', 'CASH'));`);
    this.addSql(`alter table "payment_events" add constraint "payment_events_outcome_check" check ("outcome" in ('APPLIED', 'IGNORED', 'FLAGGED', 'UNMATCHED'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "shipment_events" drop constraint "shipment_events_shipment_id_foreign";`);
    this.addSql(`alter table "refunds" drop constraint "refunds_payment_id_foreign";`);
    this.addSql(`alter table "payment_events" drop constraint "payment_events_payment_id_foreign";`);
    this.addSql(`alter table "payment_events" drop constraint "payment_events_refund_id_foreign";`);

    this.addSql(`drop table if exists "shipments" cascade;`);
    this.addSql(`drop table if exists "shipment_events" cascade;`);
    this.addSql(`drop table if exists "payments" cascade;`);
    this.addSql(`drop table if exists "refunds" cascade;`);
    this.addSql(`drop table if exists "payment_events" cascade;`);

    this.addSql(`drop index "orders_awaiting_card_payment";`);

    this.addSql(`alter table "shipping_methods" drop constraint "shipping_methods_pricing_check";`);
    this.addSql(`alter table "shipping_methods" drop column "pricing", drop column "carrier";`);
  }

}
