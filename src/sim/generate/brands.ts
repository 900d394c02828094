// Generated v3 catalog brands: names and SEO fields. No date_modified and no webhook events of
// their own (BigCommerce has only brand metafield events).
import type { GenerateContext } from './context.ts'
import { createRng, mixSeed, pickFrom } from './random.ts'
import type { SimResourceSpec } from './resource-spec.ts'
import { LAST_NAMES } from './words.ts'

export function generateBrandFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 12))
  const name = `${pickFrom(rng, LAST_NAMES)} & Co ${id}`
  return {
    name,
    page_title: name,
    meta_keywords: [],
    meta_description: '',
    search_keywords: '',
    image_url: '',
    custom_url: { url: `/brands/${id}/`, is_customized: false },
  }
}

export const brandSim: SimResourceSpec<'brands'> = {
  name: 'brands',
  path: '/v3/catalog/brands',
  singular: 'brand',
  events: false,
  dated: false,
  dateCreated: false,
  dateFormat: '+00:00',
  generate: generateBrandFields,
}
