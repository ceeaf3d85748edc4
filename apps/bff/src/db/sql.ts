import { type AnyColumn, inArray, or, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
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
  return sql`${col} ${like(v)} ${`%${escapeLike(v)}%`} ESCAPE '\\'`;
}

/** `col` starts with `v`, literally. */
export function startsWith(col: AnyColumn, v: string): SQL {
  return sql`${col} ${like(v)} ${`${escapeLike(v)}%`} ESCAPE '\\'`;
}

/**
 * `col` (a column of `table` with a pg_trgm index) contains `v`, literally, for a search that
 * drives the query. On PostgreSQL a value of several words whose words all occur in most rows
 * but one ("bench token 777000" among a million "bench token N") makes the trigram index
 * intersect the million-entry lists of the common words' trigrams (~45 ms), where the rare word
 * alone takes ~1 ms: so the planner's estimate of each word (3+ characters; its statistics
 * sample) is asked, and when one is rare the index is given that word alone and the whole value
 * is checked on the rows it finds (`|| ''` keeps it off the index). The same rows either way.
 * SQLite: `contains` (its FTS5 lookup is the caller's, see searchCondition).
 */
export async function containsByIndex(db: Db, table: SQLiteTable, col: AnyColumn, v: string): Promise<SQL> {
  const whole = contains(col, v);
  if (tablesDialect() !== 'pg') return whole;
  const words = [...new Set(v.split(/[^\p{L}\p{N}]+/u).filter((w) => [...w].length >= SEARCH_MIN_CHARS))];
  if (words.length < 2) return whole;
  let rarest: { word: string; rows: number } | undefined;
  for (const word of words) {
    const plan = await rawAll<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      db,
      sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} WHERE ${contains(col, word)}`,
    );
    const rows = plan[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? Number.POSITIVE_INFINITY;
    if (!rarest || rows < rarest.rows) rarest = { word, rows };
  }
  if (!rarest || rarest.rows >= BROAD_SEARCH_ROWS) return whole;
  return sql`${contains(col, rarest.word)} AND (${col} || '') ${like(v)} ${`%${escapeLike(v)}%`} ESCAPE '\\'`;
}

/**
 * SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE is the same test. A value of ASCII
 * characters but no letters (digits, spaces, punctuation) has no case to ignore, and no
 * character lower-cases to one of these, so on PostgreSQL it is the plain LIKE: in a UTF-8
 * database ILIKE lower-cases every row's text first, which makes a scan ~7 times slower
 * (a 2-digit search's capped count: ~300 ms against ~40 ms at a million tokens).
 */
const like = (v: string) =>
  sql.raw(tablesDialect() === 'pg' && !/^[\x20-\x40\x5b-\x60\x7b-\x7e]*$/.test(v) ? 'ILIKE' : 'LIKE');

/** The shortest search the trigram indexes can answer; shorter ones are prefix searches (`prefixSearch`). */
const SEARCH_MIN_CHARS = 3;
/** From this many matching rows on, a search is "broad": see `searchCondition`. */
export const BROAD_SEARCH_ROWS = 2000;

/** A search this short matches values that start with it (`prefixSearch`); longer ones, values that contain it. */
export function isShortSearch(v: string): boolean {
  return [...v].length < SEARCH_MIN_CHARS;
}

/**
 * `col` starts with `v`, literally, ignoring case as `contains` does, in the form the column's
 * prefix index answers (schema-*: `*_prefix_idx`): PostgreSQL `lower(col) LIKE lower('v%')`, a
 * range of its btree on lower(col) text_pattern_ops; SQLite `col LIKE 'v%'`, which its LIKE
 * optimization turns into a range of the index on (col COLLATE NOCASE), both folding ASCII case
 * only. `indexed: false` (SQLite): `+col`, the same test kept off that index.
 */
function startsWithAnyCase(col: AnyColumn, v: string, indexed = true): SQL {
  const pattern = `${escapeLike(v)}%`;
  if (tablesDialect() === 'pg') return sql`lower(${col}) LIKE lower(${pattern}) ESCAPE '\\'`;
  return indexed ? sql`${col} LIKE ${pattern} ESCAPE '\\'` : sql`+${col} LIKE ${pattern} ESCAPE '\\'`;
}

/**
 * The condition for "one of `columns` (of `table`) starts with `v`" (case-insensitive), for a
 * short search (`isShortSearch`: no trigram index can answer 1–2 characters, and "contains" would
 * read every row for a page and its count). Each column has a prefix index (see
 * startsWithAnyCase). `where` is for the list's page, `indexed` for its capped count and for a
 * subquery of ids: the same rows.
 * - PostgreSQL: the prefix conditions; its planner weighs each index range from the statistics
 *   of the indexed expression (migrations-pg/0005 analyzes them) against walking the list's order.
 * - SQLite: each column's matching ids are read from its index (at most BROAD_SEARCH_ROWS each).
 *   Fewer than BROAD_SEARCH_ROWS in all: `idColumn IN` those ids, which drive the query. More:
 *   the page's `where` is the test kept off the prefix indexes (the planner would read the whole
 *   range and sort it), checked while walking the list's own order, where a page fills after a
 *   few rows; `indexed` counts from the index ranges.
 */
export async function prefixSearch(
  db: Db,
  table: SQLiteTable,
  idColumn: AnyColumn,
  columns: AnyColumn[],
  v: string,
): Promise<{ where: SQL; indexed: SQL; selective: boolean }> {
  const any = (indexed: boolean) => or(...columns.map((c) => startsWithAnyCase(c, v, indexed))) as SQL;
  if (tablesDialect() === 'pg') return { where: any(true), indexed: any(true), selective: true };
  const ids = new Set<number>();
  for (const col of columns) {
    const found = await db
      .select({ id: sql<number>`${idColumn}` })
      .from(table)
      .where(startsWithAnyCase(col, v))
      .limit(BROAD_SEARCH_ROWS);
    for (const r of found) ids.add(Number(r.id));
    if (ids.size >= BROAD_SEARCH_ROWS) return { where: any(false), indexed: any(true), selective: false };
  }
  const where = ids.size ? inArray(idColumn, [...ids]) : sql`1 = 0`;
  return { where, indexed: where, selective: true };
}

function ftsPhrase(columns: string[], v: string): string {
  return `{${columns.join(' ')}} : "${v.replace(/"/g, '""')}"`;
}

/**
 * The condition for "the searched columns contain `v`" (case-insensitive), cheapest for how
 * selective it is:
 * - 3+ characters matching fewer than BROAD_SEARCH_ROWS rows: `idColumn IN` the ids the FTS5
 *   trigram table `searchTable` (migration 0005) finds, read once; they drive the query. The
 *   value goes in as one quoted phrase, so FTS5's query syntax never applies to user input.
 * - matching many rows: `like`, which the database checks while walking the list's own order;
 *   with many matches a page fills after a few rows.
 * Shorter searches are the caller's `prefixSearch` (here they fall back to `like`).
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

/**
 * A statement the database refused for a value no row can hold (PostgreSQL: U+0000 in text,
 * 22021; a number past the column's range, 22003): the client's bad input, not a server fault.
 * Input checks refuse these first (lib/validate.ts, the web-service cleaning); this is the net.
 */
export function isUnstorableValue(err: unknown): boolean {
  const code = dbErrorCode(err);
  return code === '22021' || code === '22003' || code === '22P05';
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
