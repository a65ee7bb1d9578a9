import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@mikro-orm/postgresql'
import { Migrator } from '@mikro-orm/migrations'
import { UserSchema } from './modules/auth/user.entity.js'
import { SessionSchema } from './modules/auth/session.entity.js'
import { RotatedRefreshTokenSchema } from './modules/auth/rotated-refresh-token.entity.js'
import { OneTimeCodeSchema } from './modules/auth/one-time-code.entity.js'
import { AddressSchema } from './modules/customers/address.entity.js'
import { CategorySchema } from './modules/catalog/category.entity.js'
import { BrandSchema } from './modules/catalog/brand.entity.js'
import { TagSchema } from './modules/catalog/tag.entity.js'
import { ProductSchema } from './modules/catalog/product.entity.js'
import { ProductSlugSchema } from './modules/catalog/product-slug.entity.js'
import { VariantSchema } from './modules/catalog/variant.entity.js'
import { ProductImageSchema } from './modules/catalog/product-image.entity.js'
import { SearchWordSchema } from './modules/catalog/search-word.entity.js'
import { UploadSchema } from './modules/media/upload.entity.js'
import { StockAdjustmentSchema } from './modules/catalog/stock-adjustment.entity.js'
import { ShippingMethodSchema } from './modules/shipping/shipping-method.entity.js'
import { CartSchema, CartLineSchema } from './modules/cart/cart.entity.js'
import { OrderSchema, OrderItemSchema, OrderStatusChangeSchema, ReturnRequestSchema } from './modules/orders/order.entity.js'
import { IdempotencyKeySchema } from './plugins/idempotency-key.entity.js'
import { LiveEventSchema } from './plugins/live-event.entity.js'
import { EventTicketSchema } from './modules/auth/event-ticket.entity.js'
import { PaymentSchema, RefundSchema } from './modules/orders/payment.entity.js'
import { PaymentEventSchema } from './modules/payments/payment-event.entity.js'
import { ShipmentSchema, ShipmentEventSchema } from './modules/orders/shipment.entity.js'
import { ReviewSchema, ReviewImageSchema } from './modules/reviews/review.entity.js'
import { WishlistItemSchema } from './modules/wishlist/wishlist.entity.js'
import { DiscountSchema, DiscountRedemptionSchema } from './modules/discounts/discount.entity.js'
import { WebhookEndpointSchema } from './modules/webhooks/webhook.entity.js'
import { WebhookEventSchema, WebhookDeliverySchema, WebhookDeliveryAttemptSchema } from './modules/webhooks/webhook-delivery.entity.js'

const root = dirname(fileURLToPath(import.meta.url))

/** Every entity of every module (and of the plugins that keep state), listed so discovery never depends on the file layout. */
export const entities = [
  UserSchema, SessionSchema, RotatedRefreshTokenSchema, OneTimeCodeSchema, EventTicketSchema, AddressSchema,
  CategorySchema, BrandSchema, TagSchema, ProductSchema, ProductSlugSchema, VariantSchema, ProductImageSchema, SearchWordSchema, StockAdjustmentSchema,
  UploadSchema,
  ShippingMethodSchema, CartSchema, CartLineSchema,
  OrderSchema, OrderItemSchema, OrderStatusChangeSchema, ReturnRequestSchema,
  PaymentSchema, RefundSchema, PaymentEventSchema, ShipmentSchema, ShipmentEventSchema,
  ReviewSchema, ReviewImageSchema, WishlistItemSchema, DiscountSchema, DiscountRedemptionSchema,
  WebhookEndpointSchema, WebhookEventSchema, WebhookDeliverySchema, WebhookDeliveryAttemptSchema,
  IdempotencyKeySchema, LiveEventSchema
]

export interface OrmOptions {
  clientUrl: string
  poolMax?: number
  debug?: boolean
}

/** ORM configuration shared by the app, the migration commands and the tests. */
export function createOrmConfig ({ clientUrl, poolMax = 10, debug = false }: OrmOptions) {
  return defineConfig({
    clientUrl,
    entities,
    pool: { min: 0, max: poolMax },
    debug,
    extensions: [Migrator],
    migrations: {
      path: join(root, 'migrations'),
      glob: 'Migration*.{js,ts}',
      snapshotName: '.snapshot',
      snapshotOnMigrate: false,
      emit: 'ts',
      transactional: true,
      allOrNothing: true
    }
  })
}
