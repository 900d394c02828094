// Writes src/db/migrations.generated.ts from drizzle/ (run by `npm run db:generate` after
// drizzle-kit, or alone as `npm run db:embed`). The migrations are read with drizzle's own folder
// reader, so the embedded statements and hashes are exactly what its file migrator would apply
// and record; test/db/migrate.test.ts fails when the committed module no longer matches drizzle/.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url))
const OUTPUT = fileURLToPath(new URL('../src/db/migrations.generated.ts', import.meta.url))

const HEADER = `// Generated from drizzle/ by scripts/embed-migrations.ts (\`npm run db:embed\`): do not edit.
// Each migration as drizzle's folder migrator reads it (its statements, the sha256 of its file,
// its journal time), embedded so that the built program and the Cloudflare Worker migrate
// without reading files.
import type { MigrationMeta } from 'drizzle-orm/migrator'
`

/** The generated module's text for the migrations in `folder`. */
export function renderMigrationsModule(folder = MIGRATIONS_FOLDER): string {
  const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as {
    entries: Array<{ tag: string }>
  }
  const migrations = readMigrationFiles({ migrationsFolder: folder })
  const entries = migrations.map((migration, i) => {
    const statements = migration.sql.map((statement) => `      ${JSON.stringify(statement)},`)
    return [
      '  {',
      `    tag: ${JSON.stringify(journal.entries[i]?.tag)},`,
      `    folderMillis: ${migration.folderMillis},`,
      `    hash: ${JSON.stringify(migration.hash)},`,
      `    bps: ${migration.bps},`,
      '    sql: [',
      ...statements,
      '    ],',
      '  },',
    ].join('\n')
  })
  return `${HEADER}\nexport const MIGRATIONS: Array<MigrationMeta & { tag: string }> = [\n${entries.join('\n')}\n]\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OUTPUT, renderMigrationsModule())
  console.log(`wrote ${OUTPUT}`)
}
