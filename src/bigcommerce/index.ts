// The BigCommerce API: client, pacing, paging, dates, hooks and typed errors.
export * from './client.ts'
export * from './dates.ts'
export * from './errors.ts'
export * from './hooks.ts'
export * from './pacer.ts'
export * from './paging.ts'
export * from './scopes.ts'
export * from './version.ts'
