import { type AnyColumn, inArray, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { type PgTable, alias as pgAlias } from 'drizzle-orm/pg-core';
import { type BuildAliasTable, type SQLiteTable, alias as sqliteAlias } from 'drizzle-orm/sqlite-core';
import type { Db } from './client';
import { tablesDialect } from './schema';

/** Escapes LIKE's wildcards so that user input matches literally (with ESCAPE '\'). */
function escapeLike(v: string): string {
  return v.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** `col` contains `v`, literally. */
export function contains(col: AnyColumn, v: string): SQL {
  return sql`${col} ${like()} ${`%${escapeLike(v)}%`} ESCAPE '\\'`;
}

/** `col` starts with `v`, literally. */
export function startsWith(col: AnyColumn, v: string): SQL {
  return sql`${col} ${like()} ${`${escapeLike(v)}%`} ESCAPE '\\'`;
}

/** SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE is the same test. */
const like = () => sql.raw(tablesDialect() === 'pg' ? 'ILIKE' : 'LIKE');

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
export async function searchCondition(
  db: Db,
  idColumn: AnyColumn,
  searchTable: string,
  columns: string[],
  v: string,
  like: SQL,
): Promise<{ where: SQL; selective: boolean }> {
  if ([...v].length < SEARCH_MIN_CHARS) return { where: like, selective: false };
  // PostgreSQL: the pg_trgm GIN indexes answer `ILIKE '%v%'` itself (migrations-pg), and its
  // planner weighs how selective that is from the trigram statistics.
  if (tablesDialect() === 'pg') return { where: like, selective: true };
  const table = sql.identifier(searchTable);
  const ids = (
    await rawAll<{ id: number }>(
      db,
      sql`SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ${ftsPhrase(columns, v)} LIMIT ${BROAD_SEARCH_ROWS}`,
    )
  ).map((r) => r.id);
  if (ids.length >= BROAD_SEARCH_ROWS) return { where: like, selective: false };
  return { where: ids.length ? inArray(idColumn, ids) : sql`1 = 0`, selective: true };
}

// ---- raw SQL, the same on both dialects ----------------------------------------------------
// better-sqlite3's drizzle has db.all/get/run; node-postgres's has db.execute. Repositories call
// these instead, so that a raw statement runs on either store.

type PgExec = { execute(query: SQL): Promise<unknown> };
const isPg = (db: unknown): db is PgExec => typeof (db as { all?: unknown }).all !== 'function';

/** Every row of a raw query. */
export async function rawAll<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  if (isPg(db)) return ((await db.execute(query)) as { rows: T[] }).rows;
  return db.all<T>(query);
}

/** Runs a raw statement; resolves to the number of rows it changed. */
export async function rawRun(db: Db, query: SQL): Promise<number> {
  if (isPg(db)) return affected(await db.execute(query));
  return db.run(query).changes;
}

/** How many rows an awaited insert/update/delete changed, on either driver. */
export function affected(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/** The row an insert/update … returning() gave back (the one row the statement touched). */
export function firstRow<T>(rows: readonly T[]): T {
  return rows[0] as T;
}

/** The driver's error under drizzle's DrizzleQueryError (which keeps it as `cause`). */
function driverError(err: unknown): { code?: unknown; message?: unknown; detail?: unknown } {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 3 && e && e.code === undefined && e.cause; i++) e = e.cause as typeof e;
  return (e ?? {}) as { code?: unknown; message?: unknown; detail?: unknown };
}

/** SQLITE_* or PostgreSQL's SQLSTATE of a failed statement, or ''. */
export function dbErrorCode(err: unknown): string {
  return String(driverError(err).code ?? '');
}

export function dbErrorMessage(err: unknown): string {
  return String(driverError(err).message ?? '');
}

/** PostgreSQL's DETAIL line ("Key (x)=(y) already exists."), or ''. */
export function dbErrorDetail(err: unknown): string {
  return String(driverError(err).detail ?? '');
}

/**
 * `col = value` that the planner must not answer from an index leading with `col` (SQLite's
 * unary `+`): for a condition every row meets, walking such an index reads the whole table.
 * PostgreSQL's planner weighs that itself, so there it is the plain comparison.
 */
export function unindexedEq(col: AnyColumn, value: boolean | number): SQL {
  if (tablesDialect() === 'pg') return sql`${col} = ${value}`;
  return sql`+${col} = ${typeof value === 'boolean' ? Number(value) : value}`;
}

/** `col IN (subquery)` kept off an index on `col` on SQLite (see unindexedEq). */
export function unindexedIn(col: AnyColumn, subquery: SQL | SQLWrapper): SQL {
  if (tablesDialect() === 'pg') return sql`${col} IN ${subquery}`;
  return sql`+${col} IN ${subquery}`;
}

/** `table AS name` (a second join of one table), in the dialect of the tables. */
export function aliasOf<T extends SQLiteTable, A extends string>(table: T, name: A): BuildAliasTable<T, A> {
  if (tablesDialect() === 'pg') return pgAlias(table as unknown as PgTable, name) as unknown as BuildAliasTable<T, A>;
  return sqliteAlias(table, name);
}
