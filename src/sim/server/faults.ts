// Injected faults: the queue of SimFault switches, which request each applies to, and the odd
// answers they give instead of the real one.
import type { Context } from 'hono'
import type { SimContext } from './context.ts'
import type { SimFault, SimOddAnswer } from './options.ts'

function matches(fault: SimFault, path: string, query: URLSearchParams): boolean {
  const pathMatches =
    fault.path === undefined
      ? true
      : typeof fault.path === 'string'
        ? path.includes(fault.path)
        : fault.path.test(path)
  if (!pathMatches) return false
  return Object.entries(fault.query ?? {}).every(([name, value]) =>
    value === true ? query.has(name) : query.get(name) === value,
  )
}

/** The first queued fault matching this request, used up by one (unless it is 'always'). */
export function takeFault(
  ctx: SimContext,
  path: string,
  query: URLSearchParams,
): SimFault | undefined {
  const faults = ctx.faults
  const index = faults.findIndex((f) => matches(f.fault, path, query))
  const entry = faults[index]
  if (!entry) return undefined
  if (entry.left !== 'always') {
    entry.left -= 1
    if (entry.left <= 0) faults.splice(index, 1)
  }
  return entry.fault
}

export function answerOddly(c: Context, answer: SimOddAnswer) {
  switch (answer) {
    case 'not-found':
      return c.json({ status: 404, title: 'Not found (simulated fault)' }, 404)
    case 'no-content':
      return c.body(null, 204)
    case 'empty-body':
      return c.body('', 200, { 'Content-Type': 'application/json' })
    case 'empty-object':
      return c.json({})
    case 'null-data':
      return c.json({ data: null, meta: {} })
    case 'no-rows':
      return c.json({
        data: [],
        meta: { pagination: { total: 0, count: 0, per_page: 50, current_page: 1, total_pages: 0 } },
      })
    case 'not-json':
      return c.body('<html><body>Bad gateway</body></html>', 200, {
        'Content-Type': 'text/html',
      })
  }
}

/** `[` + spaces + `]`, `bytes` long, produced as the reader pulls (never held whole). */
export function streamOversize(bytes: number): Response {
  const chunk = new Uint8Array(1024 * 1024).fill(0x20)
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('['))
      const size = Math.min(chunk.length, bytes - 2 - sent)
      if (size <= 0) {
        controller.enqueue(new TextEncoder().encode(']'))
        controller.close()
        return
      }
      controller.enqueue(size === chunk.length ? chunk : chunk.subarray(0, size))
      sent += size
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
}
