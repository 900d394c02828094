import { defineCommand } from 'citty'
import { loadConfig, withDatabase } from './_shared.ts'

export default defineCommand({
  meta: { name: 'migrate', description: 'Apply pending database migrations, nothing else' },
  async run() {
    const config = loadConfig()
    await withDatabase(config, 'bc-mirror migrate', async (db) => {
      process.stdout.write(
        `Database is up to date (${db.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL'}).\n`,
      )
    })
  },
})
