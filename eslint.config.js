// ESLint (flat config), run by `npm run lint` and so by `npm test`. A short list of rules, each for a
// kind of bug the type checker lets through; formatting is not ESLint's job here.
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

const CORE = ['src/resources/**', 'src/sync/**', 'src/db/**', 'src/bigcommerce/**', 'src/stores/**']

export default defineConfig(
  { ignores: ['dist/', 'drizzle/', 'data/', 'scratch/', '.wrangler/', '.test-cache/'] },
  {
    files: ['{src,cli,test,bench,scripts}/**/*.{ts,tsx}'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and
      // its ordering; one that is meant to run on says so with `void` and a comment saying why.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise where a boolean or a void callback is expected: `if (promise)` is always true, and
      // an async listener's rejection is lost by the emitter that calls it.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      // `return promise` inside try skips the catch and the finally's timing.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
    },
  },
  {
    // The team's style (no any, @ts-ignore or non-null `!` in src/): each hides a type error from tsc.
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    // The core runs the same under serve, the CLI and the Worker, which has no process: the host
    // reads the environment, arguments and exit codes and passes in what the core needs.
    files: CORE.map((dir) => `${dir}/*.{ts,tsx}`),
    rules: {
      'no-restricted-globals': [
        'error',
        {
          name: 'process',
          message:
            'The core does not read process: its host (src/node, cli/) passes in what it needs.',
        },
      ],
    },
  },
  {
    // The team's rule: every test runs; a test left out by hand hides what it tested. skipIf and
    // runIf (a database or a tool this machine lacks) stay allowed.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test'].flatMap((object) =>
          ['only', 'skip', 'todo'].map((property) => ({
            object,
            property,
            message: 'Every test runs: no .only, .skip or .todo (skipIf/runIf for a missing tool).',
          })),
        ),
      ],
    },
  },
)
