// The background thread's entry (see background-thread.ts): registers tsx in this thread, then
// runs the TypeScript program.
import { register } from 'tsx/esm/api'

register()
await import('./background-thread-body.ts')
