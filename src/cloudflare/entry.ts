// The Cloudflare Worker's entry (wrangler.toml `main`). workerd takes every named export of this
// module for an entrypoint, so it exports only the handlers; they live in handlers.ts.
import { handleFetch, handleQueue, handleScheduled } from './handlers.ts'

export default {
  fetch: handleFetch,
  scheduled: handleScheduled,
  queue: handleQueue,
}
