// Runs the real `bc-mirror` command in a child process, with only the environment a test gives.
// The command runs the compiled program in dist/, which test/support/build.ts rebuilds per run.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/bc-mirror.js', import.meta.url))
/**
 * Node's flags for every `bc-mirror` child a test starts. `--liftoff-only`: V8 compiles PGlite's
 * WebAssembly with its baseline compiler alone, never optimising it in the background, which a
 * child that lives seconds pays for and never wins back. The same program, the same behaviour;
 * a `status` child takes 0.7 s of CPU instead of 1.5 s (docs/test-suite.md).
 */
export const NODE_FLAGS = ['--liftoff-only']

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Environment for the child: PATH only, plus what the test sets (no stray settings leak in). */
export function cliEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, NO_COLOR: '1', ...vars }
}

export function runCli(
  args: string[],
  vars: Record<string, string | undefined>,
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], {
      env: cliEnv(vars),
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
