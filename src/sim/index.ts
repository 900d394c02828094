// The simulated BigCommerce store for tests, benchmarks and demos.
export * from './generate.ts'
export * from './server.ts'
export * from './state.ts'
export * from './webhooks.ts'
export * from './order-children.ts'
