import type { AppConfig } from '../../fastify.config.js'
import type { Carrier } from './carrier.js'
import { manualCarrier } from './manual-carrier.js'
import { createShiprocketCarrier } from './shiprocket-carrier.js'
import type { CarrierId } from './shipments.contract.js'

interface ShopCarriers {
  carriers: Map<CarrierId, Carrier>
  callbackSlugs: Map<string, CarrierId>
}

// One client per app, shared by shipping's quotes and the parcels (so one Shiprocket login serves both).
const built = new WeakMap<AppConfig, ShopCarriers>()

/** The shop's carriers from its configuration: `manual` always, Shiprocket when its account is set. */
export function carriersOf (config: AppConfig): ShopCarriers {
  const known = built.get(config)
  if (known !== undefined) return known
  const carriers = new Map<CarrierId, Carrier>([['manual', manualCarrier]])
  const callbackSlugs = new Map<string, CarrierId>()
  const { SHIPROCKET_EMAIL, SHIPROCKET_PASSWORD, SHIPROCKET_PICKUP_POSTCODE, SHIPROCKET_WEBHOOK_TOKEN } = config
  if (SHIPROCKET_EMAIL !== undefined && SHIPROCKET_PASSWORD !== undefined && SHIPROCKET_PICKUP_POSTCODE !== undefined && SHIPROCKET_WEBHOOK_TOKEN !== undefined) {
    carriers.set('shiprocket', createShiprocketCarrier({
      apiUrl: config.SHIPROCKET_API_URL,
      email: SHIPROCKET_EMAIL,
      password: SHIPROCKET_PASSWORD,
      pickupLocation: config.SHIPROCKET_PICKUP_LOCATION,
      pickupPostcode: SHIPROCKET_PICKUP_POSTCODE,
      webhookToken: SHIPROCKET_WEBHOOK_TOKEN,
      timeoutMs: config.CARRIER_TIMEOUT_MS,
      currency: config.SHOP_CURRENCY
    }))
    callbackSlugs.set(config.SHIPROCKET_CALLBACK_SLUG, 'shiprocket')
  }
  built.set(config, { carriers, callbackSlugs })
  return { carriers, callbackSlugs }
}
