import { defineCommand } from 'citty'
import { readStatus, type MirrorStatus } from '../src/sync/status.ts'
import { loadConfig, printJson, withDatabase } from './_shared.ts'

export default defineCommand({
  meta: { name: 'status', description: 'Rows, cursors and last sweep per table; inbox depth' },
  args: {
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ args }) {
    const config = loadConfig({ store: true })
    const status = await withDatabase(config, 'bc-mirror status', (db) => readStatus(db, config.storeHash))
    if (args.json) printJson(status)
    else process.stdout.write(formatStatus(status))
  },
})

function formatStatus(status: MirrorStatus): string {
  const lines = [`Store ${status.storeHash}`, '', 'table       rows  rejected  cursor                    last success              last run']
  for (const [name, t] of Object.entries(status.tables)) {
    lines.push(
      `${name.padEnd(10)} ${String(t.rows).padStart(6)}  ${String(t.rejected).padStart(8)}  ${(t.cursor ?? '-').padEnd(24)}  ${(t.lastSuccessAt ?? '-').padEnd(24)}  ${t.lastStatus ?? 'never'}${t.lastError ? `: ${t.lastError}` : ''}`,
    )
  }
  const rejected = Object.values(status.tables).reduce((n, t) => n + t.rejected, 0)
  if (rejected > 0) {
    lines.push(
      '',
      `${rejected} object(s) from the API could not be stored; see bigcommerce.rejected_rows (reason, raw). The next read of each id retries it.`,
    )
  }
  const inbox = status.inbox
  lines.push(
    '',
    `inbox: ${inbox.pending} pending, ${inbox.failed} failed; oldest pending ${inbox.oldestPendingAt ?? '-'}; last event received ${inbox.lastReceivedAt ?? '-'}`,
  )
  const hooks = status.hooks
  lines.push(
    hooks
      ? `hooks: ${hooks.status}${hooks.destination ? ` (to ${hooks.destination})` : ''}, checked ${hooks.checkedAt ?? '-'}` +
          `${hooks.repaired.length > 0 ? `; repaired ${hooks.repaired.join('; ')}` : ''}${hooks.error ? `; ${hooks.error}` : ''}`
      : 'hooks: not checked yet (bc-mirror serve checks them; bc-mirror webhooks list shows them)',
  )
  return `${lines.join('\n')}\n`
}
