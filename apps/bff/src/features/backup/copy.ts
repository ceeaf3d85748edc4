import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migratePg } from '../../db/client';
import { DataFolderError, type DataFolderLock, lockDataFolder } from '../../db/data-folder';
import { CONTENT_HASH, DataFolderFileStore } from '../files/file-store';
import { parseServerSecret } from '../tokens/server-secret';
import { BackupError } from './backup';
import { type Column, copyPlan, sequenceResetQuery, type TablePlan } from './copy.repo';

/**
 * `gatehouse copy --from <SQLite data folder> --to <PostgreSQL URL>`: moves a site from SQLite to
 * PostgreSQL. The SQLite file is opened read-only and read in one read transaction (one snapshot,
 * copy and verification alike); the target is migrated (migratePg) and must have empty tables
 * (--force truncates them). Every table of schema-sqlite is copied in foreign-key order (parents
 * first) in ONE PostgreSQL transaction, in multi-row INSERTs of up to 1000 rows, each value
 * converted by the two schemas' column definitions (SQLite 0/1 -> boolean for the pg twin's
 * boolean columns). Foreign keys stay enforced (no session_replication_role, which needs a
 * superuser): the order makes them hold. Then the identity sequences are moved past the copied
 * ids (sequenceResetSql) and, after the commit, every table is compared: the row count and a
 * SHA-256 of all rows in primary-key order with normalised values, on both sides.
 */

interface CopyTableReport {
  table: string;
  rows: number;
  digest: string;
}

export interface CopyReport {
  tables: CopyTableReport[];
  /** Content files copied into --filedir (undefined without it). */
  filesCopied?: number;
  /** Content hashes rows use that the old file store did not have. */
  filesMissing: string[];
  /** Where the old site's token secret is (its data folder's token-secret.key), or null when it has none. */
  secretFile: string | null;
  /** The old site's token secret (base64), when it has a secret file. */
  secret: string | null;
  /** The old site's file root (content the rows use). */
  sourceFileDir: string;
}

const BATCH_ROWS = 1000;
const MAX_PARAMS = 60_000;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A value as both sides' digests see it: booleans true/false, integers as numbers, text as is. */
function normalise(kind: Column['kind'], v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (kind === 'boolean') return typeof v === 'boolean' ? v : Number(v) !== 0;
  if (kind === 'integer') return typeof v === 'bigint' ? Number(v) : Number(v);
  if (typeof v !== 'string') throw new BackupError(`a text column holds a ${typeof v}`);
  return v;
}

/** Rows in primary-key order: SQLite's BINARY order, which is PostgreSQL's "C" (UTF-8 byte order). */
const orderBy = (plan: TablePlan, dialect: 'sqlite' | 'pg') =>
  plan.key
    .map((c) => (c.kind === 'text' ? `${q(c.name)} COLLATE ${dialect === 'pg' ? '"C"' : 'BINARY'}` : q(c.name)))
    .join(', ');

const selectSql = (plan: TablePlan, dialect: 'sqlite' | 'pg') =>
  `SELECT ${plan.columns.map((c) => q(c.name)).join(', ')} FROM ${q(plan.name)} ORDER BY ${orderBy(plan, dialect)}`;

class Digest {
  private readonly sha = createHash('sha256');
  rows = 0;
  constructor(private readonly plan: TablePlan) {}
  add(row: unknown[]) {
    this.rows++;
    this.sha.update(`${JSON.stringify(row.map((v, i) => normalise((this.plan.columns[i] as Column).kind, v)))}\n`);
  }
  hex() {
    return this.sha.digest('hex');
  }
}

function sqliteDigest(db: Database.Database, plan: TablePlan): { rows: number; digest: string } {
  const d = new Digest(plan);
  for (const row of db.prepare(selectSql(plan, 'sqlite')).raw().iterate() as Iterable<unknown[]>) d.add(row);
  return { rows: d.rows, digest: d.hex() };
}

/** The same digest over PostgreSQL's rows, read through a cursor (never a whole table in memory). */
async function pgDigest(client: pg.ClientBase, plan: TablePlan): Promise<{ rows: number; digest: string }> {
  const d = new Digest(plan);
  await client.query(`DECLARE gh_copy_check NO SCROLL CURSOR FOR ${selectSql(plan, 'pg')}`);
  for (;;) {
    const res = await client.query({ text: `FETCH ${BATCH_ROWS} FROM gh_copy_check`, rowMode: 'array' });
    for (const row of res.rows as unknown[][]) d.add(row);
    if (res.rows.length < BATCH_ROWS) break;
  }
  await client.query('CLOSE gh_copy_check');
  return { rows: d.rows, digest: d.hex() };
}

/** The number of migrations the committed SQLite journal has (the source must be at exactly that level). */
function sqliteJournalLength(): number {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../../db/migrations'), join(here, '../src/db/migrations')]) {
    const file = join(candidate, 'meta/_journal.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] }).entries.length;
  }
  throw new BackupError('The SQLite migrations were not found');
}

/** Tables of the target, by name, that hold rows. */
async function nonEmptyTables(client: pg.ClientBase, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) {
    const r = await client.query(`SELECT EXISTS (SELECT 1 FROM ${q(n)}) AS has`);
    if ((r.rows[0] as { has: boolean }).has) out.push(n);
  }
  return out;
}

export async function copySite(opts: {
  from: string;
  to: string;
  force?: boolean;
  /** Copy the content the rows use from the old data folder's filedir into this folder. */
  fileDir?: string;
  /** The old site's file root when it was not <from>/filedir (its GATEHOUSE_FILEDIR). */
  sourceFileDir?: string;
  /** Progress lines (one per table). */
  log?: (line: string) => void;
}): Promise<CopyReport> {
  const log = opts.log ?? (() => {});
  const dbFile = join(opts.from, 'gatehouse.db');
  if (!existsSync(dbFile) || !statSync(dbFile).isFile()) throw new BackupError(`There is no database in ${opts.from}`);
  let lock: DataFolderLock;
  try {
    // Exclusive: a server still serving the old site would take writes the copy never sees.
    lock = lockDataFolder(opts.from, 'exclusive', { waitMs: 2000 });
  } catch (err) {
    if (err instanceof DataFolderError)
      throw new BackupError(`${err.message} (stop the old site's server before copying it)`);
    throw err;
  }
  let source: Database.Database | undefined;
  const pool = new pg.Pool({ connectionString: opts.to, max: 1, application_name: 'gatehouse-copy' });
  pool.on('error', () => {});
  try {
    try {
      source = new Database(dbFile, { readonly: true, fileMustExist: true });
      source.pragma('schema_version');
    } catch (err) {
      throw new BackupError(`${dbFile} cannot be opened: ${err instanceof Error ? err.message : err}`);
    }
    const plans = copyPlan();
    // One snapshot for the copy and the check.
    source.exec('BEGIN');
    const level = (() => {
      try {
        return source.prepare('SELECT COUNT(*) FROM __drizzle_migrations').pluck().get() as number;
      } catch {
        throw new BackupError(`${dbFile} is not a Gatehouse database`);
      }
    })();
    const want = sqliteJournalLength();
    if (level !== want) {
      throw new BackupError(
        `${dbFile} is at migration ${level}, this version's SQLite schema is at ${want}: ${
          level < want
            ? 'start this version on it once (or run "gatehouse migrate" with GATEHOUSE_DATA pointing at it) first'
            : 'copy it with the Gatehouse version that made it'
        }`,
      );
    }

    // The content the rows use, first (extra content in a file store is harmless).
    const sourceFileDir = opts.sourceFileDir ?? join(opts.from, 'filedir');
    const oldStore = new DataFolderFileStore(opts.from, sourceFileDir);
    const hashes = source
      .prepare('SELECT DISTINCT contenthash FROM files WHERE contenthash IS NOT NULL ORDER BY contenthash')
      .pluck()
      .all() as string[];
    const filesMissing = hashes.filter((h) => !CONTENT_HASH.test(h) || oldStore.size(h) === undefined);
    let filesCopied: number | undefined;
    if (opts.fileDir) {
      const target = new DataFolderFileStore(opts.fileDir, opts.fileDir);
      filesCopied = 0;
      for (const h of hashes) {
        if (filesMissing.includes(h)) continue;
        if (target.size(h) === oldStore.size(h)) continue;
        const staged = await target.stage(oldStore.read(h));
        if (staged.hash !== h) {
          staged.discard();
          throw new BackupError(`The old file store's content ${h} does not hash to its name: its filedir is damaged`);
        }
        staged.commit();
        staged.discard();
        filesCopied++;
      }
    }

    await migratePg(pool);
    const client = await pool.connect();
    const tables: CopyTableReport[] = [];
    try {
      const names = plans.map((p) => p.name);
      const busy = await nonEmptyTables(client, names);
      if (busy.length && !opts.force) {
        throw new BackupError(
          `The target database holds rows already (in ${busy.slice(0, 5).join(', ')}${busy.length > 5 ? ', …' : ''}): add --force to empty it first. Nothing was changed.`,
        );
      }
      await client.query('BEGIN');
      try {
        if (opts.force) {
          await client.query(`TRUNCATE ${[...names, 'rate_limits'].map(q).join(', ')} RESTART IDENTITY CASCADE`);
        }
        for (const plan of plans) {
          const n = await copyTable(source, client, plan);
          log(`  ${plan.name}: ${n} rows`);
        }
        const reset = sequenceResetQuery();
        await client.query(reset.sql, reset.params);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      // The check: the committed rows, read back in one snapshot.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const mismatches: string[] = [];
        for (const plan of plans) {
          const a = sqliteDigest(source, plan);
          const b = await pgDigest(client, plan);
          if (a.rows !== b.rows || a.digest !== b.digest)
            mismatches.push(
              `${plan.name} (SQLite ${a.rows} rows, PostgreSQL ${b.rows}${a.rows === b.rows ? ', other values' : ''})`,
            );
          tables.push({ table: plan.name, rows: b.rows, digest: b.digest });
        }
        if (mismatches.length) {
          throw new BackupError(`The copy differs from the SQLite database in ${mismatches.join('; ')}`);
        }
      } finally {
        await client.query('COMMIT').catch(() => {});
      }
    } finally {
      client.release();
    }
    source.exec('COMMIT');

    const secretFile = join(opts.from, 'token-secret.key');
    let secret: string | null = null;
    if (existsSync(secretFile)) {
      const buf = parseServerSecret(readFileSync(secretFile, 'utf8'));
      if (!buf) throw new BackupError(`${secretFile} is damaged: it must hold at least 32 bytes in base64`);
      secret = buf.toString('base64');
    }
    return {
      tables,
      ...(filesCopied !== undefined ? { filesCopied } : {}),
      filesMissing,
      secretFile: secret ? secretFile : null,
      secret,
      sourceFileDir,
    };
  } finally {
    if (source?.inTransaction) source.exec('ROLLBACK');
    source?.close();
    await pool.end().catch(() => {});
    lock.release();
  }
}

/** One table, in multi-row INSERTs; the number of rows. */
async function copyTable(source: Database.Database, client: pg.ClientBase, plan: TablePlan): Promise<number> {
  const perBatch = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMS / plan.columns.length)));
  const head = `INSERT INTO ${q(plan.name)} (${plan.columns.map((c) => q(c.name)).join(', ')}) VALUES `;
  let rows: unknown[][] = [];
  let total = 0;
  const flush = async () => {
    if (!rows.length) return;
    const params: unknown[] = [];
    const tuples = rows.map((row) => {
      const slots = row.map((v, i) => {
        params.push(normalise((plan.columns[i] as Column).kind, v));
        return `$${params.length}`;
      });
      return `(${slots.join(', ')})`;
    });
    await client.query(head + tuples.join(', '), params);
    total += rows.length;
    rows = [];
  };
  // Read a batch at a time: better-sqlite3's iterator keeps its place between batches.
  const it = (source.prepare(selectSql(plan, 'sqlite')).raw().iterate() as IterableIterator<unknown[]>)[
    Symbol.iterator
  ]();
  try {
    for (;;) {
      const next = it.next();
      if (next.done) break;
      rows.push(next.value);
      if (rows.length >= perBatch) await flush();
    }
    await flush();
  } finally {
    it.return?.();
  }
  return total;
}
