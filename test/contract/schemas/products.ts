// Products as `GET /v3/catalog/products` answers them, described by hand from
// `reference/catalog/products_catalog.v3.yml` of bigcommerce/docs at 24f580ca: `product_Full`
// (with `product_Base_response` written into it) plus `channels`; the embedded variants follow
// `productVariant_Full`, which the response component does not name but `include=variants` gives.
import { either, list, values, type Components } from './notation.ts'

const num = 'num'
const numOrNull = 'num?'

/** What `product_Full` embeds: variants, images, custom fields, bulk pricing rules. */
function embeddedSchemas({ component }: Components) {
  const optionValue = component(
    'productVariantOptionValue_Full',
    { id: 'int', label: 'str', option_id: 'int', option_display_name: 'str' },
    { required: ['option_display_name', 'label'] },
  )
  const variant = component('productVariant_Full', {
    ...{ id: 'int', product_id: 'int', sku: 'str', sku_id: 'int' },
    option_values: list(optionValue),
    ...{ calculated_price: num, calculated_weight: num },
    ...{ cost_price: numOrNull, price: numOrNull, sale_price: numOrNull, retail_price: numOrNull },
    ...{ map_price: 'any', weight: numOrNull, width: numOrNull, height: numOrNull },
    ...{ depth: numOrNull, is_free_shipping: 'bool', fixed_cost_shipping_price: numOrNull },
    ...{ purchasing_disabled: 'bool', purchasing_disabled_message: 'str', image_url: 'str' },
    ...{ upc: 'str', inventory_level: 'int?', inventory_warning_level: 'int?' },
    ...{ bin_picking_number: 'str?', mpn: 'str', gtin: 'str' },
  })
  const image = component('productImage_Full', {
    ...{ id: 'int', product_id: 'int', is_thumbnail: 'bool', sort_order: 'int' },
    ...{ description: 'str', date_modified: 'date-time', image_url: 'str', url_zoom: 'str' },
    ...{ url_standard: 'str', url_thumbnail: 'str', url_tiny: 'str' },
  })
  const customField = component(
    'productCustomField_Put',
    { id: 'int', name: 'str', value: 'str' },
    { required: ['name', 'value'] },
  )
  const bulkRule = component(
    'bulkPricingRule_Full',
    {
      ...{ id: 'int', quantity_min: 'int', quantity_max: 'int' },
      type: values('price', 'percent', 'fixed'),
      amount: either('num', 'str'),
    },
    { required: ['quantity_min', 'quantity_max', 'type', 'amount'] },
  )
  return { variant, image, customField, bulkRule }
}

/** `product_Full` with `product_Base_response` written into it, plus `channels`. */
function productSchema(c: Components) {
  const { variant, image, customField, bulkRule } = embeddedSchemas(c)
  return c.component('product_Full', {
    ...{ id: 'int', name: 'str', type: values('physical', 'digital'), sku: 'str' },
    ...{ description: 'str', weight: num, width: num, depth: num, height: num },
    ...{ price: num, cost_price: num, retail_price: num, sale_price: num, map_price: num },
    ...{ tax_class_id: num, product_tax_code: 'str', calculated_price: num },
    ...{ categories: list('num'), brand_id: 'int', option_set_id: 'int' },
    option_set_display: 'str',
    ...{ inventory_level: 'int', inventory_warning_level: 'int' },
    inventory_tracking: values('none', 'product', 'variant'),
    ...{ fixed_cost_shipping_price: num, is_free_shipping: 'bool', is_visible: 'bool' },
    ...{ is_featured: 'bool', related_products: list('int'), warranty: 'str' },
    ...{ bin_picking_number: 'str', layout_file: 'str', upc: 'str', search_keywords: 'str' },
    availability: values('available', 'disabled', 'preorder'),
    availability_description: 'str',
    gift_wrapping_options_type: values('any', 'none', 'list'),
    ...{ gift_wrapping_options_list: list('int'), sort_order: 'int' },
    condition: values('New', 'Used', 'Refurbished'),
    ...{ is_condition_shown: 'bool', order_quantity_minimum: 'int', order_quantity_maximum: 'int' },
    ...{ page_title: 'str', meta_keywords: list('str'), meta_description: 'str' },
    view_count: 'int',
    ...{ preorder_release_date: either({ type: 'string', format: 'date-time' }, { type: 'null' }) },
    ...{ preorder_message: 'str', is_preorder_only: 'bool', is_price_hidden: 'bool' },
    price_hidden_label: 'str',
    custom_url: c.component('customUrl_Full', {
      ...{ url: 'str', is_customized: 'bool', create_redirect: 'bool' },
    }),
    base_variant_id: 'int',
    open_graph_type: values(
      ...['product', 'album', 'book', 'drink', 'food', 'game', 'movie', 'song', 'tv_show'],
    ),
    ...{ open_graph_title: 'str', open_graph_description: 'str' },
    ...{ open_graph_use_meta_description: 'bool', open_graph_use_product_name: 'bool' },
    ...{ open_graph_use_image: 'bool', gtin: 'str', mpn: 'str', date_last_imported: 'str' },
    ...{ reviews_rating_sum: 'int', reviews_count: 'int', total_sold: 'int' },
    ...{ date_created: 'date-time', date_modified: 'date-time' },
    custom_fields: list(customField),
    bulk_pricing_rules: list(bulkRule),
    images: list(image),
    variants: list(variant),
    ...{ primary_image: 'any', videos: list('any'), parent_relations: list('any') },
    ...{ options: list('any'), modifiers: list('any'), channels: list('int') },
  })
}

export function productSchemas(c: Components) {
  const { component, object } = c
  const product = productSchema(c)
  const pagination = component('pagination_Full', {
    ...{ total: 'int', count: 'int', per_page: 'int', current_page: 'int', total_pages: 'int' },
    links: object({ previous: 'str', current: 'str', next: 'str' }),
  })
  return {
    products_list: component('getProducts.200', {
      data: list(product),
      meta: component('metaCollection_Full', { pagination }),
    }),
    product_single: component('getProductById.200', {
      data: product,
      meta: component('metaEmpty_Full', {}),
    }),
  }
}
