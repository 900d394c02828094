// What every table file shares: the PostgreSQL schema `bigcommerce` and the timestamp column.
import { pgSchema, timestamp } from 'drizzle-orm/pg-core'

export const bigcommerce = pgSchema('bigcommerce')

/** A timestamptz column read as a Date. */
export const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })
