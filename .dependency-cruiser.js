// Import rules, checked by `npm run lint:imports` (part of `npm test`). Each rule names the boundary
// it keeps; README "Development" says what the layers are.
const CORE = '^src/(resources|sync|db|bigcommerce|stores)/'
const HOST = '^(src/(node|http|cloudflare|library)/|cli/)'

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-load-time-cycles',
      comment:
        'A cycle of imports that run makes load order matter: share what both need from a third file.',
      severity: 'error',
      from: { path: '^(src|cli|test|bench|scripts)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-cycles',
      comment:
        'Two files that import each other, if only a type, are one module or miss a third. The ones ' +
        'older than this rule are listed in .dependency-cruiser-known-violations.json, to be removed.',
      severity: 'error',
      from: { path: '^(src|cli|test|bench|scripts)/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-no-host',
      comment:
        'The core runs the same under serve, the CLI and the Worker: no server, command parser or ' +
        'host module (src/node, src/http, src/cloudflare, cli/), and no node:process (the host ' +
        'passes in what it reads).',
      severity: 'error',
      from: { path: CORE },
      to: { path: [HOST, '^node_modules/(hono|@hono/[^/]+|citty)/', '^(node:)?process$'] },
    },
    {
      name: 'db-imports-no-resources',
      comment: 'The database layer writes rows it is given; what a resource is belongs above it.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/resources/' },
    },
    {
      name: 'util-is-a-leaf',
      comment: 'src/util is used by every layer, so it imports none of them.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^(src|cli)/', pathNot: '^src/util/' },
    },
    {
      name: 'no-simulator-in-production',
      comment:
        'The simulated store is for tests, benchmarks and the demo: only the demo loads it, and lazily ' +
        '(a dynamic import), so serving a real store never loads it.',
      severity: 'error',
      from: { path: '^(src|cli)/', pathNot: ['^src/sim/', '^src/node/demo\\.ts$'] },
      to: { path: '^src/sim/' },
    },
    {
      name: 'demo-loads-the-simulator-lazily',
      comment: 'The demo may load the simulated store, but only when it runs.',
      severity: 'error',
      from: { path: '^src/node/demo\\.ts$' },
      to: { path: '^src/sim/', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'production-imports-no-tests',
      comment:
        'What ships (src, cli) cannot depend on test/, bench/ or scripts/, which are not packed.',
      severity: 'error',
      from: { path: '^(src|cli)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'production-imports-no-dev-dependencies',
      comment: 'A devDependency is absent where the package is installed for use.',
      severity: 'error',
      // background-thread-entry.js runs the thread from the TypeScript sources (tests) through tsx;
      // the build starts the compiled body instead and does not ship this file.
      from: { path: '^(src|cli)/', pathNot: '^src/node/background-thread-entry\\.js$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
