// The background thread's entry when run from the TypeScript sources (tests, benchmarks; see
// background-thread.ts): registers tsx (a devDependency) in this thread, then runs the program.
// The built package never loads this file: dist/ starts the compiled body directly.
import { register } from 'tsx/esm/api'

register()
await import('./background-thread-body.ts')
