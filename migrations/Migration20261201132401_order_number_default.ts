import { Migration } from '@mikro-orm/migrations';

export class Migration20261201132401_order_number_default extends Migration {

  override name = 'Migration20261201132401_order_number_default';

  override up(): void | Promise<void> {
    this.addSql(`alter table "orders" alter column "number" set default nextval('order_numbers');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "orders" alter column "number" drop default;`);
  }

}
