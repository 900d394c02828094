// The Worker's queue handler called directly on Node: a queue binding that keeps what is sent, and
// a batch of job messages that records how each was settled (acked, or retried after how long).
import {
  handleQueue,
  type CloudflareEnv,
  type JobMessage,
  type QueueMessage,
} from '../../src/cloudflare/handlers.ts'
import type { QueueBinding } from '../../src/cloudflare/setup.ts'

export interface SentMessage {
  body: unknown
  delaySeconds?: number
}

export function fakeQueue(): QueueBinding & { sent: SentMessage[] } {
  const sent: SentMessage[] = []
  return {
    sent,
    async send(body, options) {
      sent.push({ body, delaySeconds: options?.delaySeconds })
    },
    async sendBatch(messages) {
      for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds })
    },
  }
}

export type Settled = { acked: true } | { retried: true; delaySeconds?: number }

/** Runs the queue handler on these jobs; returns how each message was settled. */
export async function runQueueJobs(
  env: CloudflareEnv,
  jobs: JobMessage[],
  options: { queue?: string; attempts?: number } = {},
): Promise<Settled[]> {
  const settled: Settled[] = jobs.map(() => ({ acked: true }))
  const messages: QueueMessage[] = jobs.map((body, i) => ({
    id: String(i),
    body,
    attempts: options.attempts ?? 1,
    ack: () => {
      settled[i] = { acked: true }
    },
    retry: (retry) => {
      settled[i] = { retried: true, delaySeconds: retry?.delaySeconds }
    },
  }))
  const pending: Array<Promise<unknown>> = []
  try {
    await handleQueue({ queue: options.queue ?? 'bigcommerce-mirror-jobs', messages }, env, {
      waitUntil: (promise) => pending.push(promise),
    })
  } finally {
    await Promise.all(pending)
  }
  return settled
}
