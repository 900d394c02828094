// Query strings in the form BigCommerce documents (`id:in=1,2`, `date_modified:min=...`).

export type QueryValue =
  string | number | boolean | null | undefined | ReadonlyArray<string | number>
export type Query = Record<string, QueryValue>
/** `:` and `,` stay literal as in BigCommerce's own examples (`id:in=1,2`); `+` becomes %2B. */
function encodeQueryPart(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',')
}

export function encodeQuery(query: Query | undefined): string {
  if (!query) return ''
  const parts: string[] = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    const text = Array.isArray(value) ? value.join(',') : String(value)
    parts.push(`${encodeQueryPart(key)}=${encodeQueryPart(text)}`)
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}
