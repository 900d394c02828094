// Generated v3 catalog products, with every includable sub-resource present (variants, images,
// custom fields, bulk pricing rules). The generator stays one object literal over 60 lines on
// purpose: V8 builds a literal from a template, while merging parts (spread or Object.assign)
// made every generated row 2-10 times slower, and the store generates rows on every read.
import type { GenerateContext } from '../generate.ts'
import type { SimResourceSpec } from './resource-spec.ts'
import { createRng, mixSeed, pickFrom, randomInt as int } from './random.ts'
import { ADJECTIVES, MATERIALS, NOUNS } from './words.ts'

function variantsOf(id: number, sku: string, price: number, rng: () => number) {
  const count = int(rng, 1, 3)
  return Array.from({ length: count }, (_, k) => ({
    id: id * 10 + k,
    product_id: id,
    sku: count === 1 ? sku : `${sku}-${['S', 'M', 'L'][k]}`,
    sku_id: id * 10 + k,
    price: count === 1 ? null : price,
    calculated_price: price,
    inventory_level: int(rng, 0, 200),
    is_free_shipping: false,
    purchasing_disabled: false,
    option_values:
      count === 1
        ? []
        : [{ id: 70 + k, label: ['S', 'M', 'L'][k], option_id: 7, option_display_name: 'Size' }],
  }))
}

function imagesOf(id: number, count: number) {
  return Array.from({ length: count }, (_, k) => ({
    id: id * 10 + k,
    product_id: id,
    is_thumbnail: k === 0,
    sort_order: k,
    description: '',
    url_standard: `https://cdn.example.com/products/${id}/${k}.jpg`,
    url_thumbnail: `https://cdn.example.com/products/${id}/${k}-thumb.jpg`,
  }))
}

/** Fields of a product other than id and dates, with every includable sub-resource present. */
export function generateProductFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 2))
  const name = `${pickFrom(rng, ADJECTIVES)} ${pickFrom(rng, MATERIALS)} ${pickFrom(rng, NOUNS)} ${id}`
  const sku = `SKU-${String(id).padStart(6, '0')}`
  const price = Math.round(rng() * 20000 + 199) / 100
  const variants = variantsOf(id, sku, price, rng)
  const images = imagesOf(id, int(rng, 0, 2))
  return {
    name,
    type: rng() < 0.9 ? 'physical' : 'digital',
    sku,
    description: `<p>${name}: made to last.</p>`,
    weight: Math.round(rng() * 500) / 100,
    width: 0,
    depth: 0,
    height: 0,
    price,
    cost_price: Math.round(price * 45) / 100,
    retail_price: 0,
    sale_price: 0,
    map_price: 0,
    tax_class_id: 0,
    product_tax_code: '',
    calculated_price: price,
    categories: [int(rng, 18, 40), ...(rng() < 0.3 ? [int(rng, 41, 60)] : [])],
    brand_id: int(rng, 0, 12),
    option_set_id: null,
    option_set_display: 'right',
    inventory_level: variants.reduce((sum, v) => sum + v.inventory_level, 0),
    inventory_warning_level: 5,
    inventory_tracking: variants.length === 1 ? 'product' : 'variant',
    fixed_cost_shipping_price: 0,
    is_free_shipping: false,
    is_visible: rng() < 0.9,
    is_featured: rng() < 0.05,
    related_products: [-1],
    warranty: '',
    bin_picking_number: '',
    layout_file: 'product.html',
    upc: '',
    search_keywords: '',
    availability: 'available',
    availability_description: '',
    gift_wrapping_options_type: 'any',
    gift_wrapping_options_list: [],
    sort_order: 0,
    condition: 'New',
    is_condition_shown: false,
    order_quantity_minimum: 0,
    order_quantity_maximum: 0,
    page_title: '',
    meta_keywords: [],
    meta_description: '',
    view_count: int(rng, 0, 5000),
    preorder_release_date: null,
    preorder_message: '',
    is_preorder_only: false,
    is_price_hidden: false,
    price_hidden_label: '',
    custom_url: {
      url: `/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/`,
      is_customized: false,
    },
    base_variant_id: variants.length === 1 ? id * 10 : null,
    open_graph_type: 'product',
    open_graph_title: '',
    open_graph_description: '',
    open_graph_use_meta_description: true,
    open_graph_use_product_name: true,
    open_graph_use_image: true,
    gtin: '',
    mpn: '',
    date_last_imported: null,
    reviews_rating_sum: 0,
    reviews_count: 0,
    total_sold: int(rng, 0, 300),
    variants,
    images,
    custom_fields: rng() < 0.3 ? [{ id: id * 10, name: 'Origin', value: 'Portugal' }] : [],
    bulk_pricing_rules: [],
  }
}

/** Sub-resources a product carries only when `include` names them. */
const PRODUCT_INCLUDES = [
  'variants',
  'images',
  'custom_fields',
  'bulk_pricing_rules',
  'primary_image',
  'options',
  'modifiers',
  'videos',
]

/** The store's switches products read (server/options.ts). */
export interface ProductSwitches {
  embeddedVariantCap?: number | null
  variantListHonoursProductIn?: boolean
}

/** The embedded variants' cap: the harsher reading unless the store is told otherwise. */
const variantCapOf = (settings: ProductSwitches) =>
  settings.embeddedVariantCap === undefined ? 50 : settings.embeddedVariantCap

/** The variants cut at the cap, and the includes the generated rows do not hold. */
function shapeProduct(
  full: Record<string, unknown>,
  include: ReadonlySet<string>,
  settings: ProductSwitches,
): Record<string, unknown> {
  const out = { ...full }
  const cap = variantCapOf(settings)
  if (Array.isArray(out.variants) && cap !== null) out.variants = out.variants.slice(0, cap)
  if (include.has('options')) out.options = []
  if (include.has('modifiers')) out.modifiers = []
  if (include.has('videos')) out.videos = []
  if (include.has('primary_image'))
    out.primary_image = Array.isArray(full.images) ? (full.images[0] ?? null) : null
  return out
}

export const productSim: SimResourceSpec<'products', ProductSwitches> = {
  name: 'products',
  path: '/v3/catalog/products',
  v3: {
    sorts: { id: 'id', date_modified: 'modified' },
    sortForm: 'direction',
    idRange: true,
    byId: true,
    includes: Object.fromEntries(PRODUCT_INCLUDES.map((name) => [name, name])),
    shape: shapeProduct,
    shapeKey: (settings) => String(variantCapOf(settings)),
    // BigCommerce caps pages at 10 when options or modifiers are included.
    maxLimit: (include) => (include.has('options') || include.has('modifiers') ? 10 : 250),
  },
  singular: 'product',
  events: true,
  dated: true,
  dateCreated: true,
  dateFormat: '+00:00',
  sampleEdit: (n) => ({ price: ((n * 7919) % 20_000) / 100 }),
  children: [
    {
      field: 'variants',
      path: '/v3/catalog/variants',
      parentKey: 'product_id',
      perParent: true,
      // Ignoring the filter: every product's variants, the whole store's total.
      ignoresParentFilter: (settings) => !settings.variantListHonoursProductIn,
    },
  ],
  generate: generateProductFields,
}
