import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { IdempotencyHeadersSchema, problemResponses } from '../../openapi/shared.schemas.js'
import { ApplyDiscountRequestSchema } from '../discounts/discounts.contract.js'
import { AddCartItemRequestSchema, CartItemParamsSchema, CartSchema, CartTokenHeadersSchema, GuestCartSchema, MergeCartRequestSchema, UpdateCartItemRequestSchema } from './cart.schemas.js'
import {
  addCartItem, applyCartDiscount, cartOwnerOf, cartSettingsFrom, clearCart, createGuestCart, getCart, hashCartToken, mergeGuestCart,
  removeCartDiscount, removeCartItem, updateCartItem, type CartOwner
} from './cart.service.js'

/** Signed-in customers by their token; guests by their cart token. Staff have no cart. */
const SHOPPERS = { access: { roles: ['CUSTOMER'], optional: true } } as const
const CUSTOMERS = { access: { roles: ['CUSTOMER'] } } as const

function cartTokenOf (request: FastifyRequest): string | undefined {
  const token = request.headers['x-cart-token']
  return typeof token === 'string' ? token : undefined
}

function ownerOf (request: FastifyRequest): CartOwner {
  return cartOwnerOf(request.account?.id, cartTokenOf(request))
}

/** A guest's idempotency keys are the guest cart's own. */
const guestCaller = (request: FastifyRequest): string | undefined => {
  const token = cartTokenOf(request)
  return request.account === null && token !== undefined ? `cart:${hashCartToken(token)}` : undefined
}

const CartHeaders = Type.Composite([CartTokenHeadersSchema, IdempotencyHeadersSchema])

export const cartRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = cartSettingsFrom(app.config, app.storage.urlOf)

  app.post('/', {
    prefixTrailingSlash: 'no-slash',
    config: { access: 'public' },
    // Anyone may make a cart, and each is a row: a generous per-IP limit keeps one client from filling the table.
    preHandler: app.ipRateLimit('create-cart', { max: app.config.GUEST_CARTS_PER_IP_PER_HOUR, windowSeconds: 3600 }),
    schema: {
      operationId: 'createCart',
      response: { 201: GuestCartSchema, ...problemResponses(400, 413, 415, 429, 500) }
    }
  }, async (request, reply) => reply.code(201).send(await createGuestCart(request.em, settings)))

  app.get('/', {
    prefixTrailingSlash: 'no-slash',
    config: SHOPPERS,
    schema: {
      operationId: 'getCart',
      headers: CartTokenHeadersSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 500) }
    }
  }, async (request) => await getCart(request.em, settings, ownerOf(request)))

  app.delete('/', {
    prefixTrailingSlash: 'no-slash',
    config: SHOPPERS,
    schema: {
      operationId: 'clearCart',
      headers: CartTokenHeadersSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request) => await clearCart(request.em, settings, ownerOf(request)))

  app.post('/items', {
    config: { ...SHOPPERS, idempotency: { callerOf: guestCaller } },
    schema: {
      operationId: 'addCartItem',
      headers: CartHeaders,
      body: AddCartItemRequestSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request) => await addCartItem(request.em, settings, ownerOf(request), request.body))

  app.patch('/items/:itemId', {
    config: SHOPPERS,
    schema: {
      operationId: 'updateCartItem',
      params: CartItemParamsSchema,
      headers: CartTokenHeadersSchema,
      body: UpdateCartItemRequestSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 500) }
    }
  }, async (request) => await updateCartItem(request.em, settings, ownerOf(request), request.params.itemId, request.body))

  app.delete('/items/:itemId', {
    config: SHOPPERS,
    schema: {
      operationId: 'removeCartItem',
      params: CartItemParamsSchema,
      headers: CartTokenHeadersSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request) => await removeCartItem(request.em, settings, ownerOf(request), request.params.itemId))

  app.post('/discount', {
    config: { ...SHOPPERS, idempotency: { callerOf: guestCaller } },
    // Codes are worth guessing: each client IP may try a few an hour.
    preHandler: app.ipRateLimit('apply-discount-code', { max: app.config.DISCOUNT_CODE_ATTEMPTS_PER_IP_PER_HOUR, windowSeconds: 3600 }),
    schema: {
      operationId: 'applyCartDiscount',
      headers: CartHeaders,
      body: ApplyDiscountRequestSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 500) }
    }
  }, async (request) => await applyCartDiscount(request.em, settings, ownerOf(request), request.body.code))

  app.delete('/discount', {
    config: SHOPPERS,
    schema: {
      operationId: 'removeCartDiscount',
      headers: CartTokenHeadersSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 413, 415, 500) }
    }
  }, async (request) => await removeCartDiscount(request.em, settings, ownerOf(request)))

  app.post('/merge', {
    config: { ...CUSTOMERS, idempotency: {} },
    schema: {
      operationId: 'mergeCart',
      headers: IdempotencyHeadersSchema,
      body: MergeCartRequestSchema,
      response: { 200: CartSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 500) }
    }
  }, async (request) => await mergeGuestCart(request.em, settings, request.account!.id, request.body.cartToken))
}
