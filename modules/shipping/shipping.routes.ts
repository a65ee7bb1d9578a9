import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, IdParamsSchema, PageQuerySchema, problemResponses } from '../../openapi/shared.schemas.js'
import { invalidField } from '../../plugins/problem.js'
import { assertCountryCode } from '../../plugins/validation.js'
import { locationOf } from '../../plugins/resource-headers.js'
import { STAFF_ROLES } from '../auth/user.entity.js'
import { cartOwnerOf, cartSettingsFrom, getCart } from '../cart/cart.service.js'
import { getAddress } from '../customers/address.service.js'
import {
  CartShippingMethodsSchema, CartShippingQuerySchema, CreateShippingMethodRequestSchema, ShippingMethodPageSchema,
  ShippingMethodSchema, UpdateShippingMethodRequestSchema
} from './shipping.schemas.js'
import { createShippingMethod, deleteShippingMethod, listShippingMethods, shippingOptions, shippingSettingsOf, updateShippingMethod } from './shipping.service.js'

const STAFF = { access: { roles: STAFF_ROLES } } as const

export const shippingAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = shippingSettingsOf(app.config, app.log)

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: STAFF,
    schema: {
      operationId: 'adminListShippingMethods',
      querystring: PageQuerySchema,
      response: { 200: ShippingMethodPageSchema, ...problemResponses(400, 401, 403, 500) }
    }
  }, async (request) => await listShippingMethods(request.em, settings, request.query))

  app.post('/', {
    prefixTrailingSlash: 'no-slash',
    config: { ...STAFF, idempotency: {} },
    schema: {
      operationId: 'createShippingMethod',
      headers: IdempotencyHeadersSchema,
      body: CreateShippingMethodRequestSchema,
      response: { 201: ShippingMethodSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 500) }
    }
  }, async (request, reply) => {
    const method = await createShippingMethod(request.em, settings, request.body)
    return reply.code(201).header('location', locationOf(request, method.id)).send(method)
  })

  app.patch('/:id', {
    config: STAFF,
    schema: {
      operationId: 'updateShippingMethod',
      params: IdParamsSchema,
      body: UpdateShippingMethodRequestSchema,
      response: { 200: ShippingMethodSchema, ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request) => await updateShippingMethod(request.em, settings, request.params.id, request.body))

  app.delete('/:id', {
    config: STAFF,
    schema: {
      operationId: 'deleteShippingMethod',
      params: IdParamsSchema,
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request, reply) => {
    await deleteShippingMethod(request.em, request.params.id)
    return reply.code(204).send(null)
  })
}

/** `GET /cart/shipping-methods`: what each method would cost the caller's cart, to an address or a country. */
export const cartShippingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = shippingSettingsOf(app.config, app.log)
  const cartSettings = cartSettingsFrom(app.config, app.storage.urlOf)

  app.get('/cart/shipping-methods', {
    config: { access: { roles: ['CUSTOMER'], optional: true } },
    schema: {
      operationId: 'listCartShippingMethods',
      headers: Type.Object({ 'x-cart-token': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
      querystring: CartShippingQuerySchema,
      response: { 200: CartShippingMethodsSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => {
    const { addressId, country, postalCode } = request.query
    if ((addressId === undefined) === (country === undefined)) throw invalidField('/query', 'must have exactly one of addressId and country')
    // The schema's pattern admits any two capitals; ZZ or UK would quietly answer that nothing ships there.
    assertCountryCode(country, '/query/country')
    const owner = cartOwnerOf(request.account?.id, request.headers['x-cart-token'])
    if (postalCode !== undefined && addressId !== undefined) throw invalidField('/query/postalCode', 'goes with country; a saved address has its own')
    let destination = { country: country as string, postalCode: postalCode?.trim() ?? null }
    if (addressId !== undefined) {
      if (request.account === null) throw invalidField('/query/addressId', 'names a saved address, which needs a signed-in customer; send country instead')
      const { resource } = await getAddress(request.em, request.account, addressId)
      destination = { country: resource.country, postalCode: resource.postalCode }
    }
    const cart = await getCart(request.em, cartSettings, owner)
    const parcel = { postalCode: destination.postalCode, lines: cart.items.filter((item) => item.purchasable).map((item) => ({ variantId: item.variantId, quantity: item.quantity })) }
    const freeShipping = cart.discount?.applies === true && cart.discount.freeShipping
    return await shippingOptions(request.em, settings, destination.country, { total: cart.total.amount, subtotal: cart.subtotal.amount, freeShipping }, parcel)
  })
}
