import { type AnyColumn, and, asc, count, desc, eq, gt, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { DbOrTx } from './client';
import { tablesDialect } from './schema';

// Keyset paging (issue 18, §4): a page starts right after (or before) the row a cursor names, by
// the list's sort key, so every page costs what the first does (no OFFSET walking the rows before).

/** One column of a list's sort key; the last one is unique (the row's id). */
export interface KeyColumn {
  col: AnyColumn;
  /**
   * The column holds NULLs: they sort first ascending, last descending (SQLite's order; on
   * PostgreSQL, whose default is the other way round, `keyOrder` says so explicitly).
   */
  nullable?: boolean;
}

export type KeyValue = string | number | null;

/** Where a page starts: after or before the row whose sort key is `values`. */
export interface Seek {
  from: 'after' | 'before';
  values: KeyValue[];
}

/** One page of a list, and whether the list goes on after it and before it. */
export interface KeysetPage<R> {
  rows: R[];
  hasNext: boolean;
  hasPrev: boolean;
  /** The rows the filters select, counted up to `cap + 1` at most. */
  count: (cap: number) => Promise<number>;
}

/**
 * The ORDER BY of a list over `key` in the order `dir`, NULLs first ascending and last descending
 * on both dialects (the order seekConditions walks). PostgreSQL puts NULLs last ascending by
 * default, so its nullable columns get NULLS FIRST / NULLS LAST spelt out.
 */
export function keyOrder(key: readonly KeyColumn[], dir: 'asc' | 'desc'): SQL[] {
  const pg = tablesDialect() === 'pg';
  return key.map(({ col, nullable }) => {
    if (!(pg && nullable)) return dir === 'desc' ? desc(col) : asc(col);
    return dir === 'desc' ? sql`${col} DESC NULLS LAST` : sql`${col} ASC NULLS FIRST`;
  });
}

/**
 * The rows after `values` in the order `dir` over `key`, as conditions to read one after the
 * other (each selects a run of the list that follows the previous one): equal on the first i
 * columns and beyond on column i+1, for i from the longest prefix down. Each is a plain index
 * range (no OR, no row value spanning two tables), which is what keeps a deep page cheap.
 */
function seekConditions(key: readonly KeyColumn[], values: readonly KeyValue[], dir: 'asc' | 'desc'): SQL[] {
  const out: SQL[] = [];
  for (let i = key.length - 1; i >= 0; i--) {
    const prefix = key.slice(0, i).map((k, j) => {
      const v = values[j] ?? null;
      return v === null ? isNull(k.col) : eq(k.col, v);
    });
    const { col, nullable } = key[i] as KeyColumn;
    const v = values[i] ?? null;
    const beyond: SQL[] = [];
    if (dir === 'asc') beyond.push(v === null ? isNotNull(col) : gt(col, v));
    else if (v !== null) {
      beyond.push(lt(col, v));
      if (nullable) beyond.push(isNull(col));
    }
    for (const b of beyond) out.push(and(...prefix, b) as SQL);
  }
  return out;
}

/**
 * Reads up to `limit` rows from the seek position on: `read(where, dir, limit)` reads one run in
 * the list's order `dir` (the caller adds its filters and ORDER BY). Going back ("before") reads
 * in the reverse order and turns the rows round, so they come in the list's order.
 */
export async function readFrom<R>(
  key: readonly KeyColumn[],
  seek: Seek,
  dir: 'asc' | 'desc',
  limit: number,
  read: (where: SQL, dir: 'asc' | 'desc', limit: number) => Promise<R[]>,
): Promise<R[]> {
  const walk = seek.from === 'after' ? dir : dir === 'asc' ? 'desc' : 'asc';
  const rows: R[] = [];
  for (const where of seekConditions(key, seek.values, walk)) {
    if (rows.length >= limit) break;
    rows.push(...(await read(where, walk, limit - rows.length)));
  }
  return seek.from === 'after' ? rows : rows.reverse();
}

/**
 * A list's `count(cap)`: the rows `cond` selects in `table`, counted up to cap + 1 at most (the
 * caller shows "10 000+"), so a count never walks a million rows.
 */
export function countUpTo(db: DbOrTx, table: SQLiteTable, cond: SQL | undefined) {
  return async (cap: number): Promise<number> => {
    const capped = db
      .select({ one: sql`1` })
      .from(table)
      .where(cond)
      .limit(cap + 1)
      .as('capped');
    return (await db.select({ n: count() }).from(capped).limit(1)).at(0)?.n ?? 0;
  };
}
