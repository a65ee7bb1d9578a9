import t from 'tap'
import { allocateProportionally } from '../../plugins/money.js'
import type { Discount } from '../../modules/discounts/discount.entity.js'
import { percentOf, priceDiscount, type DiscountBasis } from '../../modules/discounts/discount-pricing.js'

function discount (overrides: Partial<Discount> = {}): Discount {
  return {
    id: 'd',
    code: 'SAVE',
    normalizedCode: 'SAVE',
    description: null,
    kind: 'PERCENTAGE',
    percentage: 10,
    amount: null,
    minimumSubtotal: null,
    startsAt: null,
    endsAt: null,
    categoryIds: [],
    productIds: [],
    usageLimit: null,
    perCustomerLimit: null,
    usedCount: 0,
    active: true,
    version: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides
  } as Discount
}

const NOW = new Date('2027-03-10T12:00:00.000Z')
function basis (lines: Array<[id: string, lineTotal: number, productId?: string, categoryId?: string | null]>, overrides: Partial<DiscountBasis> = {}): DiscountBasis {
  return {
    lines: lines.map(([id, lineTotal, productId = `p-${id}`, categoryId = null]) => ({ id, lineTotal, productId, categoryId })),
    now: NOW,
    customerUses: 0,
    eligibleCategoryIds: new Set(),
    ...overrides
  }
}

t.test('allocation: proportional parts that add up exactly, the leftover units to the largest remainders', async (t) => {
  t.same(allocateProportionally(1000, [1, 1, 1]), [334, 333, 333], 'a three-way split: the first part takes the odd unit')
  t.same(allocateProportionally(500, [3000, 1000]), [375, 125])
  t.same(allocateProportionally(7, [1, 2, 4]), [1, 2, 4])
  t.same(allocateProportionally(10, [1, 1, 1, 1, 1, 1, 1]), [2, 2, 2, 1, 1, 1, 1])
  t.same(allocateProportionally(0, [5, 5]), [0, 0])
  t.same(allocateProportionally(100, [0, 0]), [0, 0], 'nothing to weigh by: nothing allocated')
  const huge = allocateProportionally(999_999_999_999, [1_000_000_000_000, 3, 7])
  t.equal(huge.reduce((sum, part) => sum + part, 0), 999_999_999_999, 'exact with amounts whose products pass 2^53')
  for (let trial = 0; trial < 200; trial++) {
    const weights = Array.from({ length: 1 + (trial % 9) }, (_, index) => ((trial * 7919 + index * 104_729) % 100_000) + 1)
    const total = (trial * 15_485_863) % 1_000_000
    const parts = allocateProportionally(total, weights)
    t.equal(parts.reduce((sum, part) => sum + part, 0), total, `trial ${trial} adds up`)
    const sum = weights.reduce((acc, weight) => acc + weight, 0)
    t.ok(parts.every((part, index) => Math.abs(part - total * (weights[index] ?? 0) / sum) < 1), `trial ${trial}: each part within one unit of its exact share`)
  }
})

t.test('percentages: per line, rounded half up to the minor unit', async (t) => {
  t.equal(percentOf(1005, 10), 101, '100.5 rounds up')
  t.equal(percentOf(1004, 10), 100, '100.4 rounds down')
  t.equal(percentOf(333, 15), 50, '49.95 rounds up')
  t.equal(percentOf(1999, 100), 1999)
  const outcome = priceDiscount(discount({ percentage: 15 }), basis([['a', 333], ['b', 333], ['c', 1000]]))
  t.same(outcome, { code: 'SAVE', applies: true, reason: null, amount: 250, freeShipping: false, lines: [{ lineId: 'a', amount: 50 }, { lineId: 'b', amount: 50 }, { lineId: 'c', amount: 150 }] }, 'each line rounded on its own: 50 + 50 + 150')
})

t.test('a fixed amount: split across the eligible lines, capped at what they cost', async (t) => {
  const split = priceDiscount(discount({ kind: 'FIXED_AMOUNT', percentage: null, amount: 1000 }), basis([['a', 2000], ['b', 1000], ['c', 1000]]))
  t.same(split.lines, [{ lineId: 'a', amount: 500 }, { lineId: 'b', amount: 250 }, { lineId: 'c', amount: 250 }])
  t.equal(split.amount, 1000)
  const capped = priceDiscount(discount({ kind: 'FIXED_AMOUNT', percentage: null, amount: 50_000 }), basis([['a', 1999], ['b', 1]]))
  t.equal(capped.amount, 2000, 'larger than the subtotal: it takes the subtotal, never more')
  t.same(capped.lines, [{ lineId: 'a', amount: 1999 }, { lineId: 'b', amount: 1 }])
  const onEligible = priceDiscount(discount({ kind: 'FIXED_AMOUNT', percentage: null, amount: 5000, productIds: ['p-b'] }), basis([['a', 9000], ['b', 1200]]))
  t.same(onEligible.lines, [{ lineId: 'b', amount: 1200 }], 'capped at the eligible lines, the others untouched')
})

t.test('free shipping takes nothing off the lines', async (t) => {
  t.same(priceDiscount(discount({ kind: 'FREE_SHIPPING', percentage: null }), basis([['a', 100]])), { code: 'SAVE', applies: true, reason: null, amount: 0, freeShipping: true, lines: [] })
})

t.test('eligibility: named products, or categories with what is below them', async (t) => {
  const byCategory = priceDiscount(discount({ categoryIds: ['shoes'] }), basis([['a', 1000, 'p1', 'boots'], ['b', 1000, 'p2', 'hats'], ['c', 1000, 'p3', null]], { eligibleCategoryIds: new Set(['shoes', 'boots']) }))
  t.same(byCategory.lines, [{ lineId: 'a', amount: 100 }], 'a product in a subcategory counts')
  const either = priceDiscount(discount({ categoryIds: ['shoes'], productIds: ['p3'] }), basis([['a', 1000, 'p1', 'shoes'], ['b', 1000, 'p2', 'hats'], ['c', 1000, 'p3', null]], { eligibleCategoryIds: new Set(['shoes']) }))
  t.same(either.lines.map((line) => line.lineId), ['a', 'c'], 'either a named product or one of the categories')
  t.same(priceDiscount(discount({ productIds: ['elsewhere'] }), basis([['a', 1000]])).reason, 'NOTHING_ELIGIBLE')
  t.same(priceDiscount(discount({ kind: 'FREE_SHIPPING', percentage: null, productIds: ['elsewhere'] }), basis([['a', 1000]])).reason, 'NOTHING_ELIGIBLE', 'free shipping needs an eligible line too')
  t.same(priceDiscount(discount(), basis([])).reason, 'NOTHING_ELIGIBLE', 'an empty cart')
})

t.test('each reason, checked in order', async (t) => {
  const lines = basis([['a', 1000]])
  const reasonOf = (overrides: Partial<Discount>, over: Partial<DiscountBasis> = {}) => priceDiscount(discount(overrides), { ...lines, ...over }).reason
  t.equal(reasonOf({ active: false }), 'INACTIVE')
  t.equal(reasonOf({ startsAt: new Date(NOW.getTime() + 1) }), 'NOT_STARTED')
  t.equal(reasonOf({ startsAt: NOW }), null, 'usable from its first instant')
  t.equal(reasonOf({ endsAt: NOW }), 'EXPIRED', 'not usable at its end')
  t.equal(reasonOf({ endsAt: new Date(NOW.getTime() + 1) }), null)
  t.equal(reasonOf({ usageLimit: 3, usedCount: 3 }), 'USED_UP')
  t.equal(reasonOf({ usageLimit: 3, usedCount: 2 }), null)
  t.equal(reasonOf({ perCustomerLimit: 1 }, { customerUses: 1 }), 'ALREADY_USED')
  t.equal(reasonOf({ perCustomerLimit: 2 }, { customerUses: 1 }), null)
  t.equal(reasonOf({ perCustomerLimit: 1 }, { customerUses: null }), null, 'a guest is checked once signed in')
  t.equal(reasonOf({ minimumSubtotal: 1001 }), 'MINIMUM_NOT_REACHED')
  t.equal(reasonOf({ minimumSubtotal: 1000 }), null, 'the minimum itself is enough')
  t.equal(reasonOf({ active: false, endsAt: NOW, usageLimit: 1, usedCount: 1 }), 'INACTIVE', 'the first reason that holds')
  t.same(priceDiscount(discount({ active: false }), lines), { code: 'SAVE', applies: false, reason: 'INACTIVE', amount: 0, freeShipping: false, lines: [] }, 'nothing taken off')
})
