// "A resource is one declaration": once declared (src/resources/<name>.ts), a resource's name is
// written by hand nowhere else in src/ or cli/: every list of tables, job, check and route derives
// from RESOURCES. This test scans the sources' tokens (string literals and identifiers, not
// comments) for each declared name and fails on any place outside the allow-list below.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { RESOURCE_NAMES } from '../../src/db/schema.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Where a resource's name may be written, and why:
 * - src/resources/<name>.ts: its declaration, the one source;
 * - src/resources/index.ts: the registry (its import and its entry in RESOURCES, which the
 *   compiler demands once the table exists);
 * - src/db/schema/resources.ts: its table (drizzle-kit reads the schema; db imports no resource);
 * - src/db/schema/child-tables.ts: the child tables, each built with its parent's table (the
 *   cascading foreign key, from which the child registry reads the parent);
 * - src/library/schema.ts: bigcommerce-mirror/schema, a public surface named on purpose;
 * - src/sim/generate/: the simulated store's model of each resource, its own (<name>.ts: data and
 *   spec, which the store's tables and generic routes read) and BigCommerce's field names in
 *   others' (a product's `categories`, a coupon that applies to 'categories');
 * - the simulator's models of BigCommerce's bespoke behaviour: v2 orders' own API (their filters,
 *   count per status, sub-lists `/products` and `/coupons`, consignments: src/sim/server/order-*,
 *   src/sim/order-children.ts) and the edits of an order's children, a product's variants and a
 *   customer's addresses, whose events and date_modified rules are each BigCommerce's own
 *   (src/sim/state/order-edits.ts, order-totals.ts, child-edits.ts). Everything else in the simulator derives
 *   from its resource specs.
 */
const ALLOWED_FILES = [
  'src/resources/index.ts',
  'src/db/schema/resources.ts',
  'src/db/schema/child-tables.ts',
  'src/library/schema.ts',
  'src/sim/order-children.ts',
  'src/sim/server/order-routes.ts',
  'src/sim/server/order-listing.ts',
  'src/sim/state/order-edits.ts',
  'src/sim/state/order-totals.ts',
  'src/sim/state/child-edits.ts',
]
const ALLOWED_DIRS = ['src/sim/generate/']

const allowed = (name: string, path: string) =>
  path === `src/resources/${name}.ts` ||
  ALLOWED_FILES.includes(path) ||
  ALLOWED_DIRS.some((dir) => path.startsWith(dir))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : []
  })
}

/** Each string literal and identifier of a source (not comments), with its line. */
function namesIn(source: string, tsx = false): Array<{ text: string; line: number }> {
  const kind = tsx ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  const file = ts.createSourceFile('scanned.ts', source, ts.ScriptTarget.Latest, false, kind)
  const found: Array<{ text: string; line: number }> = []
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isIdentifier(node)
    )
      found.push({
        text: node.text,
        line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1,
      })
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

const namedAt = (source: string, name: string) =>
  namesIn(source)
    .filter((n) => n.text === name)
    .map((n) => n.line)

describe('resource names written by hand', () => {
  it('finds a name as a string or an identifier, not in a comment or a longer word', () => {
    const source = [
      '// categories',
      'const a = `${1}/x` + /categories/.source',
      "const b = 'categories'",
      'const categories = { categories: 1 }',
      "const c = '/v3/catalog/categories'",
    ].join('\n')
    expect(namedAt(source, 'categories')).toEqual([3, 4, 4])
  })

  // Parsed once for every name.
  const scanned = ['src', 'cli']
    .flatMap((dir) => sourceFiles(join(ROOT, dir)))
    .map((file) => ({
      path: relative(ROOT, file),
      names: namesIn(readFileSync(file, 'utf8'), file.endsWith('.tsx')),
    }))

  it('covers every resource', () => {
    expect(RESOURCE_NAMES.length).toBeGreaterThan(0)
    expect(scanned.length).toBeGreaterThan(100)
  })

  it('allows only files that name a resource (an entry left behind widens the rule)', () => {
    const naming = scanned.filter(({ names }) =>
      names.some((n) => (RESOURCE_NAMES as readonly string[]).includes(n.text)),
    )
    const unused = ALLOWED_FILES.filter((path) => !naming.some((file) => file.path === path))
    expect(unused).toEqual([])
  })

  it.each(RESOURCE_NAMES)('%s is written only in its declaration and the allow-list', (name) => {
    const found = scanned
      .filter(({ path }) => !allowed(name, path))
      .flatMap(({ path, names }) =>
        names.filter((n) => n.text === name).map((n) => `${path}:${n.line}`),
      )
    expect(found).toEqual([])
  })
})
