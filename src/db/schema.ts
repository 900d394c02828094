// The mirror's tables, all in the PostgreSQL schema `bigcommerce`. This file is the source of
// truth: `npm run db:generate` turns changes into a new migration under drizzle/.
//
// The tables live in schema/ by kind; this file re-exports them all, which is what drizzle-kit
// reads (drizzle.config.ts) and what the rest of the code imports.
//
// Column keys are the SQL names so that the write path can map rows to columns directly.
export { bigcommerce } from './schema/common.ts'
export * from './schema/resources.ts'
export * from './schema/child-tables.ts'
export * from './schema/bookkeeping.ts'
export * from './schema/stores.ts'
