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

/** The shortest search the trigram indexes can answer; shorter ones fall back to `LIKE`. */
export const SEARCH_MIN_CHARS = 3;

/**
 * `idColumn` is the rowid of a row whose `columns` (in the FTS5 trigram table `searchTable`, see
 * migration 0005) contain `v`, case-insensitively. The value goes in as one quoted phrase, so
 * FTS5's query syntax never applies to user input. Null when `v` is too short for the index.
 */
export function matchesSearch(idColumn: AnyColumn, searchTable: string, columns: string[], v: string): SQL | null {
  if ([...v].length < SEARCH_MIN_CHARS) return null;
  const phrase = `{${columns.join(' ')}} : "${v.replace(/"/g, '""')}"`;
  return sql`${idColumn} IN (SELECT rowid FROM ${sql.identifier(searchTable)} WHERE ${sql.identifier(searchTable)} MATCH ${phrase})`;
}
