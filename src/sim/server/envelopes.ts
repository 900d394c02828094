// v3 list answers: `{data, meta.pagination}` with BigCommerce's page links.
import type { Context } from 'hono'

/** A v3 list answer from rows already rendered to JSON text (cheap for big pages). */
export function v3JsonEnvelope(
  c: Context,
  rows: string[],
  total: number,
  page: number,
  limit: number,
) {
  const meta = v3Meta(rows.length, total, page, limit)
  return c.body(`{"data":[${rows.join(',')}],"meta":${JSON.stringify(meta)}}`, 200, {
    'Content-Type': 'application/json',
  })
}

export function v3Envelope(
  c: Context,
  data: unknown[],
  total: number,
  page: number,
  limit: number,
) {
  return c.json({ data, meta: v3Meta(data.length, total, page, limit) })
}

function v3Meta(count: number, total: number, page: number, limit: number) {
  const totalPages = Math.ceil(total / limit)
  const link = (p: number) => `?page=${p}&limit=${limit}`
  return {
    pagination: {
      total,
      count,
      per_page: limit,
      current_page: page,
      total_pages: totalPages,
      links: {
        ...(page > 1 ? { previous: link(page - 1) } : {}),
        current: link(page),
        ...(page < totalPages ? { next: link(page + 1) } : {}),
      },
    },
  }
}
