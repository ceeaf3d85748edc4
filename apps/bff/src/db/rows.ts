/**
 * The row types of the schema for modules above the data-access layer (the composition root's
 * `Deps`, the request env): they may name a row, never a table. Repositories re-export the row
 * types of their own feature.
 */
export type { UserRow } from './schema';
