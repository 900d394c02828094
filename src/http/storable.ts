// What a parsed webhook body must satisfy before the inbox can store it. JSON allows things that
// PostgreSQL's text and jsonb types refuse (a NUL character, an unpaired UTF-16 surrogate), and
// nesting deep enough to overflow the stack of JSON.stringify; any of these in a delivery used to
// fail the insert and answer 503, so BigCommerce would retry a delivery that can never succeed.
// BigCommerce's thin payloads are a few levels deep and carry ids, so such a body is malformed: 400.

/** Deeper than any BigCommerce payload (they nest 3 levels) by a wide margin. */
export const MAX_BODY_DEPTH = 32

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Why `value` (parsed JSON) cannot be stored as jsonb, or null when it can. */
export function findUnstorable(value: unknown, maxDepth = MAX_BODY_DEPTH): string | null {
  const visit = (node: unknown, depth: number): string | null => {
    if (typeof node === 'string') {
      return UNSTORABLE.test(node) ? 'a NUL character or an unpaired surrogate' : null
    }
    if (node === null || typeof node !== 'object') return null
    if (depth >= maxDepth) return `nesting deeper than ${maxDepth} levels`
    if (Array.isArray(node)) {
      for (const item of node) {
        const problem = visit(item, depth + 1)
        if (problem) return problem
      }
      return null
    }
    for (const [key, item] of Object.entries(node)) {
      if (UNSTORABLE.test(key)) return 'a NUL character or an unpaired surrogate'
      const problem = visit(item, depth + 1)
      if (problem) return problem
    }
    return null
  }
  return visit(value, 0)
}
