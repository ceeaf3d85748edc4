import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../db/client';
import {
  DataFolderError,
  type DataFolderLock,
  ensurePrivateDir,
  ensurePrivateFile,
  LOCK_FILE,
  lockDataFolder,
} from '../../db/data-folder';
import { CONTENT_HASH, DataFolderFileStore, fileStoreFor, pinContent } from '../files/file-store';
import { loadServerSecret, parseServerSecret, replaceServerSecret } from '../tokens/server-secret';

/**
 * Online, consistent backups with SQLite's backup API (the server keeps serving meanwhile),
 * and restores that check the file before they touch anything. A backup also carries the
 * server secret tokens are hashed under, without which no restored token would work: a backup
 * is a secret, as sensitive as the data folder itself, and is written 0600. It carries the
 * stored files' content too (the file store, GATEHOUSE_DATA/filedir), in a table of its own in
 * chunks of 1 MiB: every content a row of the backed-up database uses, and nothing else.
 */
export class BackupError extends Error {}

const META = '_gatehouse_backup';
const META_SQL = `CREATE TABLE ${META} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`;
const FILEDIR = '_gatehouse_backup_filedir';
const FILEDIR_SQL = `CREATE TABLE ${FILEDIR} (contenthash TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (contenthash, seq)) WITHOUT ROWID`;
const CHUNK = 1024 * 1024;
const DB_FILE = 'gatehouse.db';

const tmpSuffix = () => `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

function removeQuietly(file: string) {
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) {
    try {
      unlinkSync(f);
    } catch {}
  }
}

function lockOrRefuse(dir: string, kind: 'shared' | 'exclusive', waitMs: number): DataFolderLock {
  try {
    return lockDataFolder(dir, kind, { waitMs });
  } catch (err) {
    if (err instanceof DataFolderError) throw new BackupError(err.message);
    throw err;
  }
}

export async function backup(
  dataDir: string,
  file: string,
  tokenSecretFromEnv?: string,
): Promise<{ pages: number; file: string }> {
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source)) throw new BackupError(`There is no database to back up in ${dataDir}`);
  const target = resolve(file);
  if (existsSync(target)) throw new BackupError(`${file} exists already: choose a new file name`);
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new BackupError(`${folder} is not a folder`);
  const secret = loadServerSecret(dataDir, tokenSecretFromEnv).toString('base64');
  const lock = lockOrRefuse(dataDir, 'shared', 10_000);
  // Written beside the target, 0600 from its creation, and linked into place when complete:
  // never readable by others, never half-written under the final name.
  const tmp = join(folder, `.${basename(target)}.${tmpSuffix()}`);
  // From before the snapshot until the content is copied, no content is removed from the file
  // store (removals wait for the next sweep), so every content the snapshot's rows use is there.
  let pin: { release: () => void } | undefined;
  try {
    pin = pinContent(dataDir);
    ensurePrivateFile(tmp);
    const store = openStore(source);
    let pages: number;
    try {
      pages = (await store.sqlite.backup(tmp)).totalPages;
    } finally {
      store.sqlite.close();
    }
    const copy = new Database(tmp);
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`The backup failed its integrity check: ${check}`);
      copy.exec(META_SQL);
      copy
        .prepare(`INSERT INTO ${META} (name, value) VALUES ('token_secret', ?), ('created', ?)`)
        .run(secret, new Date().toISOString());
      await copyContent(copy, dataDir);
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    pin.release();
    pin = undefined;
    ensurePrivateFile(tmp);
    try {
      linkSync(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new BackupError(`${file} exists already: choose a new file name`);
      // A file system without hard links: a rename, after one more look.
      if (existsSync(target)) throw new BackupError(`${file} exists already: choose a new file name`);
      renameSync(tmp, target);
    }
    return { pages, file: target };
  } finally {
    pin?.release();
    removeQuietly(tmp);
    lock.release();
  }
}

/** The content of every file the backup's rows use, streamed from the file store into the backup in chunks. */
async function copyContent(copy: Database.Database, dataDir: string): Promise<void> {
  copy.exec(FILEDIR_SQL);
  const store = fileStoreFor(dataDir);
  const hashes = copy
    .prepare('SELECT DISTINCT contenthash FROM files WHERE contenthash IS NOT NULL ORDER BY contenthash')
    .pluck()
    .all() as string[];
  const insert = copy.prepare(`INSERT INTO ${FILEDIR} (contenthash, seq, data) VALUES (?, ?, ?)`);
  for (const hash of hashes) {
    if (!CONTENT_HASH.test(hash) || store.size(hash) === undefined) {
      throw new BackupError(
        `The file store has no content ${hash}, which a stored file uses: the data folder's filedir is damaged`,
      );
    }
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = () => {
      insert.run(hash, seq++, Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of store.read(hash)) {
      let buf = chunk as Buffer;
      while (buf.length) {
        const take = Math.min(buf.length, CHUNK - pendingBytes);
        pending.push(buf.subarray(0, take));
        pendingBytes += take;
        buf = buf.subarray(take);
        if (pendingBytes === CHUNK) flush();
      }
    }
    if (pendingBytes > 0 || seq === 0) flush();
  }
}

// ---------------------------------------------------------------------------------------------
// Restore

interface Counts {
  users: number;
  tokens: number;
}

export interface RestoreReport {
  /** What the data folder held before; null when it held no database. */
  before: Counts | null;
  after: Counts;
  /** When the backup was made (ISO 8601). */
  backupCreated: string;
  /** Console sessions the backup held, not restored. */
  sessionsEnded: number;
  warnings: string[];
}

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

const schemaRows = (db: Database.Database) =>
  db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master').all() as SchemaRow[];
const journal = (db: Database.Database) =>
  db
    // (drizzle's `id SERIAL` is no rowid alias in SQLite: the ids are NULL, the order is the rowid's.)
    .prepare('SELECT hash, CAST(created_at AS TEXT) FROM __drizzle_migrations ORDER BY rowid')
    .raw()
    .all() as [string, string][];

/** What a backup made by this version holds: the schema the migrations make, with the backup table. */
let expected: { schema: Map<string, SchemaRow>; journal: [string, string][]; pageSize: number } | undefined;
function expectedState() {
  if (!expected) {
    const fresh = openStore(':memory:', { optimize: false });
    try {
      fresh.sqlite.exec(META_SQL);
      fresh.sqlite.exec(FILEDIR_SQL);
      expected = {
        schema: new Map(schemaRows(fresh.sqlite).map((r) => [r.name, r])),
        journal: journal(fresh.sqlite),
        pageSize: fresh.sqlite.pragma('page_size', { simple: true }) as number,
      };
    } finally {
      fresh.sqlite.close();
    }
  }
  return expected;
}

/**
 * The whole check, on a private copy (so that what is checked is what is restored): the schema
 * exactly as the migrations make it (same tables, columns, indexes, triggers and nothing else:
 * no extra trigger, view or table), the migrations journal at the same state, a valid token
 * secret and creation time, `PRAGMA integrity_check` ok and `PRAGMA foreign_key_check` clean.
 * The schema is compared first, before anything could run code the file brings.
 */
function verify(copy: Database.Database, file: string): { secret: Buffer; created: string } {
  const refuse = (why: string): never => {
    throw new BackupError(`${file} is refused: ${why}. Nothing was changed.`);
  };
  // No function or virtual table of the file's own schema may run with more than the
  // privileges of a plain query (SQLite's advice for database files from elsewhere).
  copy.pragma('trusted_schema = OFF');
  const rows = schemaRows(copy);
  const names = new Map(rows.map((r) => [r.name, r]));
  if (names.get(META)?.type !== 'table' || !names.has('users')) {
    throw new BackupError(`${file} is not a Gatehouse backup (no ${META} table: make backups with "gatehouse backup")`);
  }
  const want = expectedState();
  const problems: string[] = [];
  for (const r of rows) {
    const w = want.schema.get(r.name);
    if (!w) problems.push(`an extra ${r.type} ${r.name}`);
    else if (w.type !== r.type || w.tbl_name !== r.tbl_name || w.sql !== r.sql)
      problems.push(`${r.type} ${r.name} differs from the one the migrations make`);
  }
  for (const w of want.schema.values()) if (!names.has(w.name)) problems.push(`no ${w.type} ${w.name}`);
  if (problems.length) {
    const shown = problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; and ${problems.length - 10} more` : '');
    refuse(`its schema is not the one this version of Gatehouse makes (${shown})`);
  }
  const encoding = copy.pragma('encoding', { simple: true });
  if (encoding !== 'UTF-8') refuse(`its text encoding is ${encoding}, not UTF-8`);
  const pageSize = copy.pragma('page_size', { simple: true });
  if (pageSize !== want.pageSize) refuse(`its page size is ${pageSize}, not ${want.pageSize}`);

  const had = journal(copy);
  if (JSON.stringify(had) !== JSON.stringify(want.journal)) {
    refuse(
      `its migrations journal is not at this version's state (${had.length} migrations recorded, this version has ${want.journal.length}${had.length === want.journal.length ? ', with other hashes' : ''}): restore it with the Gatehouse version that made it`,
    );
  }

  const check = copy.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
  if (check[0]?.integrity_check !== 'ok') {
    refuse(
      `it failed PRAGMA integrity_check (${check
        .slice(0, 3)
        .map((c) => c.integrity_check)
        .join('; ')})`,
    );
  }
  const broken = copy.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  const first = broken[0];
  if (first) {
    refuse(
      `${broken.length} row(s) break a foreign key (the first: ${first.table} row ${first.rowid}, no such ${first.parent})`,
    );
  }

  verifyContent(copy, refuse);

  const meta = copy.prepare(`SELECT name, value FROM ${META}`).raw().all() as [string, string][];
  const values = new Map(meta);
  if (meta.some(([name]) => name !== 'token_secret' && name !== 'created'))
    refuse(`its ${META} table holds other rows`);
  const secretText = values.get('token_secret');
  const secret = secretText === undefined ? null : parseServerSecret(secretText);
  if (!secret) {
    refuse(
      secretText === undefined
        ? 'it holds no token secret'
        : 'its token secret is damaged (it must be at least 32 bytes in base64)',
    );
  }
  const created = values.get('created') ?? '';
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(created) || Number.isNaN(Date.parse(created))) {
    refuse('its creation time is missing or not an ISO 8601 time');
  }
  return { secret: secret as Buffer, created };
}

/**
 * The files' content: every content hash a row uses is there, in chunks numbered from 0, and
 * hashes (SHA-1) to its name with the size its rows give; there is no content no row uses.
 * Read a chunk at a time.
 */
function verifyContent(copy: Database.Database, refuse: (why: string) => never): void {
  const sizes = new Map<string, number>();
  for (const [hash, size] of copy
    .prepare('SELECT contenthash, filesize FROM files WHERE contenthash IS NOT NULL')
    .raw()
    .iterate() as Iterable<[unknown, number]>) {
    if (typeof hash !== 'string' || !CONTENT_HASH.test(hash))
      refuse(`a file has the content hash ${String(hash)}, which is not a SHA-1`);
    const seen = sizes.get(hash);
    if (seen !== undefined && seen !== size) refuse(`files with the content ${hash} give it different sizes`);
    sizes.set(hash, size);
  }
  let current: string | null = null;
  let sha1 = createHash('sha1');
  let next = 0;
  let bytes = 0;
  const done = new Set<string>();
  const finish = () => {
    if (current === null) return;
    if (sha1.digest('hex') !== current) refuse(`the stored content ${current} does not hash to its name`);
    if (bytes !== sizes.get(current))
      refuse(`the stored content ${current} is ${bytes} bytes, its files say ${sizes.get(current)}`);
    done.add(current);
  };
  for (const [hash, seq, data] of copy
    .prepare(`SELECT contenthash, seq, data FROM ${FILEDIR} ORDER BY contenthash, seq`)
    .raw()
    .iterate() as Iterable<[unknown, unknown, unknown]>) {
    if (hash !== current) {
      finish();
      if (typeof hash !== 'string' || !sizes.has(hash)) refuse(`it holds content (${String(hash)}) that no file uses`);
      current = hash as string;
      sha1 = createHash('sha1');
      next = 0;
      bytes = 0;
    }
    if (seq !== next++ || !(data instanceof Uint8Array))
      refuse(`the stored content ${current} has a missing or damaged chunk`);
    sha1.update(data as Uint8Array);
    bytes += (data as Uint8Array).length;
  }
  finish();
  for (const hash of sizes.keys()) {
    if (!done.has(hash)) refuse(`it has no content for ${hash}, which a file uses`);
  }
}

/** Writes the backup's content into the data folder's file store (what is there already stays). */
function restoreContent(copy: Database.Database, dataDir: string): number {
  const store = new DataFolderFileStore(dataDir);
  const hashes = copy.prepare(`SELECT DISTINCT contenthash FROM ${FILEDIR}`).pluck().all() as string[];
  const chunks = copy.prepare(`SELECT data FROM ${FILEDIR} WHERE contenthash = ? ORDER BY seq`).pluck();
  for (const hash of hashes) {
    store.writeVerified(hash, chunks.iterate(hash) as Iterable<Uint8Array>);
  }
  return hashes.length;
}

/** Removes the content that no row of the restored database uses (the data folder's files from before). */
function removeUnusedContent(db: Database.Database, dataDir: string): void {
  const store = new DataFolderFileStore(dataDir);
  const used = new Set(
    db.prepare('SELECT DISTINCT contenthash FROM files WHERE contenthash IS NOT NULL').pluck().all() as string[],
  );
  for (const h of [...store.hashes()]) if (!used.has(h)) store.delete(h);
}

function countsOf(db: Database.Database): Counts {
  return {
    users: db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number,
    tokens: db.prepare('SELECT COUNT(*) FROM external_tokens').pluck().get() as number,
  };
}

/** What the database being replaced holds; null when there is none, or nothing that can be read. */
function currentCounts(target: string): { counts: Counts | null; holdsData: boolean } {
  if (!existsSync(target)) return { counts: null, holdsData: false };
  let db: Database.Database | undefined;
  try {
    db = new Database(target, { fileMustExist: true });
    const hasUsers = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'users'").pluck().get() as number;
    return hasUsers ? { counts: countsOf(db), holdsData: true } : { counts: null, holdsData: false };
  } catch {
    return { counts: null, holdsData: true };
  } finally {
    db?.close();
  }
}

/**
 * Restores a backup into the data folder: refused while a server (or another gatehouse
 * command) uses the folder, and refused, with nothing changed, unless the backup passes every
 * check of `verify`. The backup is copied into the data folder (0600), checked there, and
 * copied into the database with SQLite's backup API (one transaction on the target); then the
 * token secret is replaced.
 */
export async function restore(
  dataDir: string,
  file: string,
  opts: { force: boolean; tokenSecretFromEnv?: string },
): Promise<RestoreReport> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupError(`${file} does not exist`);
  const createdFolder = ensurePrivateDir(dataDir);
  let lock: DataFolderLock | undefined;
  const tmp = join(dataDir, `${DB_FILE}.restore.${tmpSuffix()}`);
  let done = false;
  try {
    lock = lockOrRefuse(dataDir, 'exclusive', 2000);
    const target = join(dataDir, DB_FILE);
    const current = currentCounts(target);
    if (current.holdsData && !opts.force) {
      throw new BackupError(`${target} holds a database already: add --force to replace it with the backup`);
    }

    // A private copy, so that what is checked is exactly what is restored.
    ensurePrivateFile(tmp);
    let source: Database.Database;
    try {
      source = new Database(file, { readonly: true, fileMustExist: true });
      source.pragma('schema_version');
    } catch {
      throw new BackupError(`${file} is not a SQLite database`);
    }
    try {
      await source.backup(tmp);
    } catch (err) {
      throw new BackupError(`${file} cannot be read: ${err instanceof Error ? err.message : err}`);
    } finally {
      source.close();
    }

    const copy = new Database(tmp);
    let checked: { secret: Buffer; created: string };
    let sessionsEnded = 0;
    try {
      checked = verify(copy, file);
      // The content first: the database that follows names only content that is then in place.
      restoreContent(copy, dataDir);
      copy.exec(`DROP TABLE ${META}`);
      copy.exec(`DROP TABLE ${FILEDIR}`);
      copy.exec('VACUUM');
      // Console sessions are not restored: one ended since the backup (a sign-out, a password
      // change, a suspension) must not come back to life. Everyone signs in again.
      sessionsEnded = copy.prepare('DELETE FROM sessions').run().changes;
      // The search indexes are derived data: rebuilt from the restored rows rather than trusted.
      copy.exec("INSERT INTO external_tokens_search(external_tokens_search) VALUES ('rebuild')");
      copy.exec("INSERT INTO users_search(users_search) VALUES ('rebuild')");
    } finally {
      copy.close();
    }

    ensurePrivateFile(target, { ownerOfFolder: true });
    const verified = new Database(tmp, { readonly: true });
    try {
      await verified.backup(target);
    } finally {
      verified.close();
    }
    const restored = openStore(target);
    let after: Counts;
    try {
      after = countsOf(restored.sqlite);
      removeUnusedContent(restored.sqlite, dataDir);
    } finally {
      restored.sqlite.close();
    }
    replaceServerSecret(dataDir, checked.secret);
    done = true;

    const warnings: string[] = [];
    if (opts.tokenSecretFromEnv) {
      let fromEnv: Buffer | null = null;
      try {
        fromEnv = loadServerSecret(dataDir, opts.tokenSecretFromEnv);
      } catch {}
      if (!fromEnv?.equals(checked.secret)) {
        warnings.push(
          "GATEHOUSE_TOKEN_SECRET is set and is not the backup's token secret: the server hashes tokens with GATEHOUSE_TOKEN_SECRET, so no restored token will work until it is unset (the backup's secret is now in token-secret.key) or set to that secret.",
        );
      }
    }
    return { before: current.counts, after, backupCreated: checked.created, sessionsEnded, warnings };
  } finally {
    removeQuietly(tmp);
    lock?.release();
    // A refused restore into a folder that did not exist leaves no folder behind.
    if (!done && createdFolder) {
      try {
        if (readdirSync(dataDir).every((f) => f === LOCK_FILE)) {
          removeQuietly(join(dataDir, LOCK_FILE));
          rmdirSync(dataDir);
        }
      } catch {}
    }
  }
}
