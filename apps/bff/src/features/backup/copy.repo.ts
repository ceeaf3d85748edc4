import { is } from 'drizzle-orm';
import { PgDialect, PgTable, getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { SQLiteTable, getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import * as pgSchema from '../../db/schema-pg';
import { sequenceResetSql } from '../../db/schema-pg/sequences';
import * as sqliteSchema from '../../db/schema-sqlite';
import { BackupError } from './backup';

// What `gatehouse copy` (copy.ts) knows of the two schemas: every table of schema-sqlite with its
// pg twin's column kinds, in foreign-key order, both schemas named explicitly (db/schema's live
// bindings are one dialect's at a time).

export interface Column {
  name: string;
  kind: 'boolean' | 'integer' | 'text';
}

export interface TablePlan {
  name: string;
  columns: Column[];
  /** The primary key's columns (every column when a table has none). */
  key: Column[];
}

function kindOf(columnType: string, table: string, column: string): Column['kind'] {
  if (columnType === 'PgBoolean') return 'boolean';
  if (columnType === 'PgInteger' || columnType === 'PgBigInt53' || columnType === 'PgSmallInt') return 'integer';
  if (columnType === 'PgText' || columnType === 'PgVarchar') return 'text';
  throw new BackupError(`copy does not know how to convert ${table}.${column} (${columnType})`);
}

/**
 * The tables, parents before children, from schema-sqlite and its pg twins (both named
 * explicitly: db/schema's bindings are one dialect's). The columns are SQLite's, typed by the twin.
 */
export function copyPlan(): TablePlan[] {
  const sqliteTables = new Map<string, SQLiteTable>();
  for (const t of Object.values(sqliteSchema) as unknown[]) {
    if (is(t, SQLiteTable)) sqliteTables.set(sqliteTableConfig(t).name, t);
  }
  const pgTables = new Map<string, PgTable>();
  for (const t of Object.values(pgSchema) as unknown[]) {
    if (is(t, PgTable)) pgTables.set(pgTableConfig(t).name, t);
  }
  const plans = new Map<string, TablePlan>();
  const parents = new Map<string, Set<string>>();
  for (const [name, st] of sqliteTables) {
    const pt = pgTables.get(name);
    if (!pt) throw new BackupError(`schema-pg has no table ${name}`);
    const pcfg = pgTableConfig(pt);
    const pcols = new Map(pcfg.columns.map((c) => [c.name, c]));
    const scfg = sqliteTableConfig(st);
    const columns = scfg.columns.map((c) => {
      const p = pcols.get(c.name);
      if (!p) throw new BackupError(`schema-pg's ${name} has no column ${c.name}`);
      return { name: c.name, kind: kindOf(p.columnType, name, c.name) };
    });
    if (columns.length !== pcols.size) throw new BackupError(`schema-pg's ${name} has other columns than SQLite's`);
    const byName = new Map(columns.map((c) => [c.name, c]));
    let keyNames = pcfg.columns.filter((c) => c.primary).map((c) => c.name);
    if (!keyNames.length && pcfg.primaryKeys[0]) keyNames = pcfg.primaryKeys[0].columns.map((c) => c.name);
    const key = keyNames.length ? keyNames.map((n) => byName.get(n) as Column) : columns;
    plans.set(name, { name, columns, key });
    parents.set(
      name,
      new Set(pcfg.foreignKeys.map((fk) => pgTableConfig(fk.reference().foreignTable).name).filter((p) => p !== name)),
    );
  }
  // Parents first (a depth-first topological order; the schema has no cycles but self-references,
  // which the primary-key order satisfies: a parent row is older than its children).
  const ordered: TablePlan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new BackupError(`the foreign keys around ${name} form a cycle`);
    state.set(name, 'visiting');
    for (const p of [...(parents.get(name) ?? [])].sort()) visit(p);
    state.set(name, 'done');
    ordered.push(plans.get(name) as TablePlan);
  };
  for (const name of [...plans.keys()].sort()) visit(name);
  return ordered;
}

/** sequenceResetSql() as text and parameters, for a plain node-postgres client. */
export function sequenceResetQuery(): { sql: string; params: unknown[] } {
  return new PgDialect().sqlToQuery(sequenceResetSql());
}
