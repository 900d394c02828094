// Generated v2 coupons (marketing): codes, kinds, amounts and usage limits.
import type { GenerateContext } from './context.ts'
import type { SimResourceSpec } from './resource-spec.ts'
import { createRng, mixSeed, money, pickFrom, randomInt as int } from './random.ts'
import { COUPON_TYPES } from './words.ts'

/** Fields of a coupon other than id and date_created (coupons have no date_modified). */
export function generateCouponFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 4))
  const type = pickFrom(rng, COUPON_TYPES)
  const isPromotion = type === 'promotion'
  return {
    name: `Coupon ${id}`,
    type,
    amount: money(
      isPromotion ? 0 : type === 'percentage_discount' ? int(rng, 5, 30) : int(rng, 5, 50),
    ),
    min_purchase: money(isPromotion ? 0 : int(rng, 0, 3) * 25),
    expires: '',
    enabled: rng() < 0.8,
    code: `SAVE-${id.toString(36).toUpperCase()}-${int(rng, 100, 999)}`,
    applies_to: isPromotion
      ? { entity: 'categories', ids: [] }
      : { entity: 'categories', ids: [0] },
    num_uses: int(rng, 0, 500),
    max_uses: rng() < 0.5 ? 0 : int(rng, 100, 1000),
    max_uses_per_customer: rng() < 0.7 ? 0 : 1,
    restricted_to: isPromotion ? [] : {},
    // null only for promotions (marketing.v2.yml, getCoupons); an array otherwise.
    shipping_methods: isPromotion ? null : [],
  }
}

export const couponSim: SimResourceSpec<'coupons'> = {
  name: 'coupons',
  path: '/v2/coupons',
  singular: 'coupon',
  // BigCommerce has no coupon events (docs/bigcommerce-api.md).
  events: false,
  dated: false,
  dateCreated: true,
  dateFormat: 'rfc2822',
  generate: generateCouponFields,
}
