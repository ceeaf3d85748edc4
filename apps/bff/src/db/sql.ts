import { type AnyColumn, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from './client';

/** Escapes LIKE's wildcards so that user input matches literally (with ESCAPE '\'). */
function escapeLike(v: string): string {
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
const SEARCH_MIN_CHARS = 3;
/** From this many matching rows on, a search is "broad": see `searchCondition`. */
export const BROAD_SEARCH_ROWS = 2000;

function ftsPhrase(columns: string[], v: string): string {
  return `{${columns.join(' ')}} : "${v.replace(/"/g, '""')}"`;
}

/**
 * The condition for "the searched columns contain `v`" (case-insensitive), cheapest for how
 * selective it is:
 * - 3+ characters matching fewer than BROAD_SEARCH_ROWS rows: `idColumn IN` the ids the FTS5
 *   trigram table `searchTable` (migration 0005) finds, read once; they drive the query. The
 *   value goes in as one quoted phrase, so FTS5's query syntax never applies to user input.
 * - shorter, or matching many rows: `like`, which the database checks while walking the list's
 *   own order; with many matches a page fills after a few rows.
 * `selective` says which was chosen, for the caller to steer the planner accordingly.
 */
export function searchCondition(
  db: Db,
  idColumn: AnyColumn,
  searchTable: string,
  columns: string[],
  v: string,
  like: SQL,
): { where: SQL; selective: boolean } {
  if ([...v].length < SEARCH_MIN_CHARS) return { where: like, selective: false };
  const table = sql.identifier(searchTable);
  const ids = db
    .all<{ id: number }>(
      sql`SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ${ftsPhrase(columns, v)} LIMIT ${BROAD_SEARCH_ROWS}`,
    )
    .map((r) => r.id);
  if (ids.length >= BROAD_SEARCH_ROWS) return { where: like, selective: false };
  return { where: ids.length ? inArray(idColumn, ids) : sql`0`, selective: true };
}
