// A product's variants (`product_variants`): embedded by `include=variants`, or read through
// `/v3/catalog/variants?product_id:in=...` when the embed may be cut or is missing, or per product
// through `/v3/catalog/products/{id}/variants` when the store ignores that filter. Whether an
// embed is capped is not documented [unconfirmed]; it is taken to hold at most a default page of
// the variants list (50), so a product embedding that many is read whole through the list.
// See docs/bigcommerce-api.md, "Variants and addresses".
import { z } from 'zod'
import { parseApiObject } from '../bigcommerce/validate.ts'
import type { ChildRow } from '../db/rows.ts'
import type { EmbeddedChildSpec } from './embedded-children.ts'

/** The most variants an embed is taken to hold; a product embedding this many may be cut. */
export const EMBEDDED_VARIANT_CAP = 50

const money = z.union([z.number(), z.string()]).nullable().optional()

const variantSchema = z.looseObject({
  id: z.number().int().positive(),
  product_id: z.number().int().positive().optional(),
  sku: z.string().nullable().optional(),
  price: money,
  calculated_price: money,
  inventory_level: z.number().int().nullable().optional(),
  purchasing_disabled: z.boolean().nullable().optional(),
})

const decimal = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === '' ? null : String(value)

export function toVariantRow(item: unknown): ChildRow {
  const variant = parseApiObject(variantSchema, item, 'product variant')
  return {
    id: variant.id,
    data: item,
    sku: variant.sku ?? null,
    price: decimal(variant.price),
    calculated_price: decimal(variant.calculated_price),
    inventory_level: variant.inventory_level ?? null,
    purchasing_disabled: variant.purchasing_disabled ?? null,
  }
}

export const VARIANTS: EmbeddedChildSpec = {
  table: 'product_variants',
  field: 'variants',
  parentKey: 'product_id',
  listPath: '/v3/catalog/variants',
  // The documented list; the batched one's product_id:in is not documented (may be ignored).
  perParentPath: (productId) => `/v3/catalog/products/${productId}/variants`,
  noun: 'product variant',
  toRow: toVariantRow,
  doubtOf(_product, embedded) {
    // Every product has at least its base variant: none embedded is a cut, not "no variants".
    if (embedded.length === 0) return 'no variant embedded'
    if (embedded.length >= EMBEDDED_VARIANT_CAP)
      return `${embedded.length} variants embedded, as many as an embed may hold`
    return null
  },
  oddnessOf(_product, variants) {
    return variants.length === 0 ? 'no variant for a product that exists' : null
  },
}
