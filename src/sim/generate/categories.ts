// Generated v3 catalog categories: a shallow tree (about one in four has a parent among the
// earlier ones), names, visibility and sort order. No date_modified, as BigCommerce's have none.
import type { GenerateContext } from './context.ts'
import { createRng, mixSeed, pickFrom, randomInt as int } from './random.ts'
import type { SimResourceSpec } from './resource-spec.ts'
import { ADJECTIVES, NOUNS } from './words.ts'

export function generateCategoryFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 11))
  const name = `${pickFrom(rng, ADJECTIVES)} ${pickFrom(rng, NOUNS)}s ${id}`
  return {
    parent_id: id > 1 && rng() < 0.25 ? int(rng, 1, id - 1) : 0,
    name,
    description: `<p>${name}</p>`,
    views: int(rng, 0, 5000),
    sort_order: int(rng, 0, 20),
    page_title: '',
    meta_keywords: [],
    meta_description: '',
    layout_file: 'category.html',
    image_url: '',
    is_visible: rng() < 0.9,
    search_keywords: '',
    default_product_sort: 'use_store_settings',
    custom_url: { url: `/category-${id}/`, is_customized: false },
  }
}

export const categorySim: SimResourceSpec<'categories'> = {
  name: 'categories',
  path: '/v3/catalog/categories',
  singular: 'category',
  events: true,
  dated: false,
  dateCreated: false,
  dateFormat: '+00:00',
  sampleEdit: (n) => ({ sort_order: n % 20 }),
  generate: generateCategoryFields,
}
