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
 * Resources declared before this rule, whose bespoke parts (order children, SKU and address
 * events, v2 id ranges, their own simulator routes) name them; every later one must follow it.
 */
const OLDER = new Set(['coupons', 'customers', 'orders', 'products'])

/**
 * Where a resource's name may be written, and why:
 * - src/resources/<name>.ts: its declaration, the one source;
 * - src/resources/index.ts: the registry (its import and its entry in RESOURCES, which the
 *   compiler demands once the table exists);
 * - src/db/schema/resources.ts: its table (drizzle-kit reads the schema; db imports no resource);
 * - src/db/migrations.generated.ts: the generated migrations;
 * - src/sim/generate/: the simulated store's data, its own (<name>.ts) and BigCommerce's field
 *   names in others' (a product's `categories`, a coupon that applies to 'categories');
 * - src/library/schema.ts: bigcommerce-mirror/schema, a public surface named on purpose.
 */
const allowed = (name: string, path: string) =>
  [
    `src/resources/${name}.ts`,
    'src/resources/index.ts',
    'src/db/schema/resources.ts',
    'src/db/migrations.generated.ts',
    'src/library/schema.ts',
  ].includes(path) || path.startsWith('src/sim/generate/')

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

  const later = RESOURCE_NAMES.filter((name) => !OLDER.has(name))
  // Parsed once for every name.
  const scanned = ['src', 'cli']
    .flatMap((dir) => sourceFiles(join(ROOT, dir)))
    .map((file) => ({
      path: relative(ROOT, file),
      names: namesIn(readFileSync(file, 'utf8'), file.endsWith('.tsx')),
    }))

  it('covers every resource declared after the rule', () => {
    expect(later.length).toBeGreaterThan(0)
    expect(scanned.length).toBeGreaterThan(100)
  })

  it.each(later)('%s is written only in its declaration and the allow-list', (name) => {
    const found = scanned
      .filter(({ path }) => !allowed(name, path))
      .flatMap(({ path, names }) =>
        names.filter((n) => n.text === name).map((n) => `${path}:${n.line}`),
      )
    expect(found).toEqual([])
  })
})
