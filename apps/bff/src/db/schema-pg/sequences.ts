import { is, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as tables from './index';

/**
 * The columns backed by a sequence: every `bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity()`
 * of schema-pg (SQLite's AUTOINCREMENT ids). BY DEFAULT, not ALWAYS, so that seeds and copies
 * may insert explicit ids; but an explicit id does not move the sequence, so after such inserts
 * run `sequenceResetSql()` before letting the database number rows again.
 */
export const sequencedColumns: readonly { table: string; column: string }[] = (Object.values(tables) as unknown[])
  .filter((t): t is PgTable => is(t, PgTable))
  .flatMap((t) => {
    const { name, columns } = getTableConfig(t);
    return columns.filter((c) => c.generatedIdentity !== undefined).map((c) => ({ table: name, column: c.name }));
  })
  .sort((a, b) => a.table.localeCompare(b.table));

/**
 * One statement that points each sequence of `sequencedColumns` past its table's largest id
 * (the next generated id is max + 1; 1 for an empty table).
 */
export function sequenceResetSql(): SQL {
  const calls = sequencedColumns.map(
    ({ table, column }) =>
      sql`setval(pg_get_serial_sequence(${`"${table}"`}, ${column}), coalesce((SELECT max(${sql.identifier(column)}) FROM ${sql.identifier(table)}), 0) + 1, false)`,
  );
  return sql`SELECT ${sql.join(calls, sql`, `)}`;
}
