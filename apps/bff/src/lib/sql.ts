import { type AnyColumn, type SQL, sql } from 'drizzle-orm';

/** Escapes LIKE's wildcards so that user input matches literally (with ESCAPE '\'). */
export function escapeLike(v: string): string {
  return v.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** `col` contains `v`, literally. */
export function contains(col: AnyColumn, v: string): SQL {
  return sql`${col} LIKE ${`%${escapeLike(v)}%`} ESCAPE '\\'`;
}

/** `col` starts with `v`, literally. */
export function startsWith(col: AnyColumn, v: string): SQL {
  return sql`${col} LIKE ${`${escapeLike(v)}%`} ESCAPE '\\'`;
}
