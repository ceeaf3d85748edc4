import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migratePg } from '../../db/client';
import { ensurePrivateFile } from '../../db/data-folder';
import { CONTENT_HASH, DataFolderFileStore, pinContent } from '../files/file-store';
import { loadServerSecret, parseServerSecret } from '../tokens/server-secret';
import { BackupError, type RestoreReport } from './backup';

/**
 * `gatehouse backup|restore` on PostgreSQL. The backup is one file, written 0600 (it holds the
 * token secret and every account: a secret), in the POSIX tar format (ustar; GNU's base-256 size
 * field past 8 GiB), so that `tar -tvf` lists it and `tar -xf` + `sha256sum -c SHA256SUMS` +
 * `pg_restore` work by hand. Its entries, in this order:
 *
 *   gatehouse-backup.json   {format, version, created, migrations (the migrations-pg level), …}
 *   token-secret.key        the token secret, base64 (GATEHOUSE_TOKEN_SECRET at backup time)
 *   database.dump           pg_dump --format=custom --no-owner --no-privileges, one snapshot
 *   filedir/ab/cd/<sha1>    every content a row of that snapshot uses (files.contenthash)
 *   SHA256SUMS              sha256sum's format, one line per entry above
 *
 * Tar because every entry's size is known before it is written (the dump goes to a 0600 temporary
 * file first, which pg_restore needs anyway: a custom-format dump read from a pipe has no offsets)
 * and so nothing is ever held in memory: the dump and the files are copied in 1 MiB chunks.
 * Consistency: the snapshot is exported from a REPEATABLE READ transaction that also lists the
 * content hashes (pg_dump --snapshot), and the file store is pinned meanwhile (no node removes
 * content while a backup runs), as SQLite's backup does.
 */

const FORMAT = 'gatehouse-postgresql-backup';
const VERSION = 1;
const META = 'gatehouse-backup.json';
const SECRET = 'token-secret.key';
const DUMP = 'database.dump';
const SUMS = 'SHA256SUMS';
const BLOCK = 512;
const CHUNK = 1024 * 1024;
const FILE_ENTRY = /^filedir\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{40})$/;

const tmpSuffix = () => `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

// ---- the PostgreSQL client tools -----------------------------------------------------------------

const PG_ROOT = '/usr/lib/postgresql';

/** pg_dump and pg_restore from the newest /usr/lib/postgresql/<v>/bin that has both (as scripts/pg-cluster.mjs finds the server). */
function findPgTools(): { pgDump: string; pgRestore: string } {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const bin = join(PG_ROOT, v, 'bin');
    const pgDump = join(bin, 'pg_dump');
    const pgRestore = join(bin, 'pg_restore');
    if (existsSync(pgDump) && existsSync(pgRestore)) return { pgDump, pgRestore };
  }
  throw new BackupError(
    `pg_dump and pg_restore were not found (looked in ${PG_ROOT}/<version>/bin): install the PostgreSQL client tools (Debian: apt-get install postgresql-client), of the server's major version or newer`,
  );
}

/** The URL without its password (which goes in PGPASSWORD: not on a command line others can see). */
function connArgs(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (u.password) {
    env.PGPASSWORD = decodeURIComponent(u.password);
    u.password = '';
  }
  return { url: u.toString(), env };
}

/** Runs a client tool; its stdout (small: --list) and a clear error with the end of its stderr. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-4000);
    });
    child.on('error', (e) => rej(new BackupError(`${what}: ${basename(cmd)} did not start (${e.message})`)));
    child.on('close', (code) => {
      if (code === 0) res(Buffer.concat(out).toString('utf8'));
      else
        rej(
          new BackupError(
            `${what}: ${basename(cmd)} failed (exit ${code}): ${err.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
    });
  });
}

/** How many migrations migrations-pg has (the level a backup may be at, at most). */
function pgJournalLength(): number {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../../db/migrations-pg'), join(here, '../src/db/migrations-pg')]) {
    const file = join(candidate, 'meta/_journal.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] }).entries.length;
  }
  throw new BackupError('The PostgreSQL migrations were not found');
}

// ---- tar ---------------------------------------------------------------------------------------

function writeFully(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function tarHeader(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write('0000600\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  if (size < 8 ** 11) h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  else {
    // GNU base-256: the high bit of the first byte, then the size big-endian.
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 128);
  }
  h.write(`${Math.floor(mtime).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

class TarWriter {
  private readonly sums: string[] = [];
  private readonly mtime = Date.now() / 1000;
  constructor(private readonly fd: number) {}

  /** An entry from chunks whose total is `size`; its SHA-256 goes into SHA256SUMS. */
  async add(name: string, size: number, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
    writeFully(this.fd, tarHeader(name, size, this.mtime));
    const sha = createHash('sha256');
    let n = 0;
    for await (const chunk of chunks) {
      n += chunk.length;
      if (n > size) throw new BackupError(`${name} grew while it was backed up`);
      sha.update(chunk);
      writeFully(this.fd, chunk);
    }
    if (n !== size) throw new BackupError(`${name} changed size while it was backed up`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) writeFully(this.fd, Buffer.alloc(pad));
    const hex = sha.digest('hex');
    this.sums.push(`${hex}  ${name}\n`);
    return hex;
  }

  async finish(): Promise<void> {
    const sums = Buffer.from(this.sums.join(''), 'utf8');
    writeFully(this.fd, tarHeader(SUMS, sums.length, this.mtime));
    writeFully(this.fd, sums);
    const pad = (BLOCK - (sums.length % BLOCK)) % BLOCK;
    if (pad) writeFully(this.fd, Buffer.alloc(pad));
    writeFully(this.fd, Buffer.alloc(BLOCK * 2));
  }
}

/** A file's bytes start…start+size, in chunks. */
function* fileChunks(fd: number, start: number, size: number): Iterable<Uint8Array> {
  let pos = start;
  const end = start + size;
  while (pos < end) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - pos));
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) throw new BackupError('the backup file ended early');
    pos += n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}

interface TarEntry {
  name: string;
  size: number;
  /** Where its data begins in the file. */
  offset: number;
}

function parseOctal(field: Buffer): number | null {
  const text = field
    .toString('ascii')
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : null;
}

/** Reads the tar headers in order; null at the end-of-archive marker; throws (a refusal) on anything malformed. */
function readHeader(fd: number, pos: number, fileSize: number, refuse: (why: string) => never): TarEntry | null {
  if (pos + BLOCK > fileSize) refuse('it ends early (truncated: no end-of-archive marker)');
  const h = Buffer.alloc(BLOCK);
  readSync(fd, h, 0, BLOCK, pos);
  if (h.every((b) => b === 0)) return null;
  const stored = parseOctal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  if (stored !== sum) refuse(`a tar header at byte ${pos} is damaged (checksum)`);
  if (h.subarray(257, 263).toString('ascii') !== 'ustar\0') refuse('it is not a ustar archive');
  if (h[156] !== 0x30) refuse(`it holds an entry that is not a plain file (at byte ${pos})`);
  const nul = h.indexOf(0);
  const name = h.subarray(0, nul >= 0 && nul < 100 ? nul : 100).toString('utf8');
  if (h[345] !== 0) refuse(`it holds an entry with a long name (${name})`);
  let size: number | null;
  if (((h[124] as number) & 0x80) !== 0) {
    const big = h.readBigUInt64BE(128);
    size = big <= BigInt(Number.MAX_SAFE_INTEGER) && h.subarray(125, 128).every((b) => b === 0) ? Number(big) : null;
  } else size = parseOctal(h.subarray(124, 136));
  if (size === null) refuse(`the size of ${name} is damaged`);
  const offset = pos + BLOCK;
  if (offset + (size as number) > fileSize) refuse(`it ends inside ${name} (truncated)`);
  return { name, size: size as number, offset };
}

// ---- backup ------------------------------------------------------------------------------------

export interface PgBackupReport {
  file: string;
  bytes: number;
  /** Content files in the backup. */
  files: number;
  migrations: number;
}

export async function pgBackup(opts: {
  url: string;
  file: string;
  tokenSecret: string | undefined;
  dataDir: string;
  /** GATEHOUSE_FILEDIR when it is set (the file root every node shares). */
  fileDir?: string;
}): Promise<PgBackupReport> {
  if (!opts.tokenSecret)
    throw new BackupError('GATEHOUSE_TOKEN_SECRET is not set: on PostgreSQL it is required, and a backup carries it');
  const secret = loadServerSecret(opts.dataDir, opts.tokenSecret).toString('base64');
  const target = resolve(opts.file);
  if (existsSync(target)) throw new BackupError(`${opts.file} exists already: choose a new file name`);
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new BackupError(`${folder} is not a folder`);
  const tools = findPgTools();
  const conn = connArgs(opts.url);
  const tmp = join(folder, `.${basename(target)}.${tmpSuffix()}`);
  const dumpTmp = `${tmp}.dump`;
  const store = new DataFolderFileStore(opts.dataDir, opts.fileDir);
  const client = new pg.Client({ connectionString: opts.url, application_name: 'gatehouse-backup' });
  client.on('error', () => {});
  let pin: { release: () => void } | undefined;
  let connected = false;
  try {
    // No content leaves the file store from here until it is copied (nodes' removals wait).
    pin = pinContent(opts.dataDir, opts.fileDir);
    await client.connect();
    connected = true;
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query('SELECT pg_export_snapshot() AS s')).rows[0].s as string;
    let migrations: number;
    try {
      migrations = Number((await client.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n);
    } catch {
      throw new BackupError(
        'The database is not a Gatehouse database (no drizzle.__drizzle_migrations): nothing to back up',
      );
    }
    const content = (
      await client.query(
        'SELECT contenthash AS h, max(filesize) AS size FROM files WHERE contenthash IS NOT NULL GROUP BY contenthash ORDER BY contenthash',
      )
    ).rows as { h: string; size: string | number }[];
    for (const { h } of content) {
      if (!CONTENT_HASH.test(h) || store.size(h) === undefined) {
        throw new BackupError(
          `The file store (${store.root}) has no content ${h}, which a stored file uses: it is damaged or GATEHOUSE_FILEDIR is not the site's`,
        );
      }
    }
    ensurePrivateFile(dumpTmp);
    await run(
      tools.pgDump,
      [
        '--format=custom',
        '--no-owner',
        '--no-privileges',
        `--snapshot=${snapshot}`,
        // Failed-login counters: transient, and not the backup's business.
        '--exclude-table-data=public.rate_limits',
        `--file=${dumpTmp}`,
        `--dbname=${conn.url}`,
      ],
      conn.env,
      'The backup failed',
    );
    await client.query('COMMIT');

    ensurePrivateFile(tmp);
    const fd = openSync(tmp, 'r+');
    try {
      const tar = new TarWriter(fd);
      const meta = Buffer.from(
        `${JSON.stringify({
          format: FORMAT,
          version: VERSION,
          created: new Date().toISOString(),
          migrations,
          serverVersion: (await client.query('SHOW server_version')).rows[0].server_version,
          files: content.length,
        })}\n`,
      );
      await tar.add(META, meta.length, [meta]);
      const secretBuf = Buffer.from(`${secret}\n`);
      await tar.add(SECRET, secretBuf.length, [secretBuf]);
      const dfd = openSync(dumpTmp, 'r');
      try {
        const size = fstatSync(dfd).size;
        await tar.add(DUMP, size, fileChunks(dfd, 0, size));
      } finally {
        closeSync(dfd);
      }
      for (const { h } of content) {
        const size = store.size(h);
        if (size === undefined) throw new BackupError(`The content ${h} left the file store during the backup`);
        const sha1 = createHash('sha1');
        const stream = store.read(h);
        async function* hashed() {
          for await (const c of stream) {
            sha1.update(c as Buffer);
            yield c as Buffer;
          }
        }
        await tar.add(`filedir/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`, size, hashed());
        if (sha1.digest('hex') !== h)
          throw new BackupError(`The file store's content ${h} does not hash to its name: the file store is damaged`);
      }
      await tar.finish();
    } finally {
      closeSync(fd);
    }
    pin.release();
    pin = undefined;
    try {
      linkSync(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' || existsSync(target)) {
        throw new BackupError(`${opts.file} exists already: choose a new file name`);
      }
      renameSync(tmp, target);
    }
    return { file: target, bytes: statSync(target).size, files: content.length, migrations };
  } finally {
    pin?.release();
    if (connected) await client.end().catch(() => {});
    for (const f of [tmp, dumpTmp]) {
      try {
        unlinkSync(f);
      } catch {}
    }
  }
}

// ---- restore -----------------------------------------------------------------------------------

/** pg_restore --list's entry kinds a Gatehouse database has: anything else (a function, a trigger, a view) is refused. */
const ALLOWED_KINDS = [
  'SEQUENCE OWNED BY',
  'SEQUENCE SET',
  'FK CONSTRAINT',
  'TABLE DATA',
  'CONSTRAINT',
  'EXTENSION',
  'SEQUENCE',
  'COMMENT',
  'DEFAULT',
  'SCHEMA',
  'INDEX',
  'TABLE',
];

interface Verified {
  created: string;
  migrations: number;
  secret: Buffer;
  /** The dump, extracted into a private temporary folder. */
  dump: string;
  /** pg_restore's --use-list: the dump's entries to restore. */
  useList: string;
  files: TarEntry[];
}

/**
 * The whole check, before anything is changed: the tar structure (every header's checksum, the
 * entries and their order, nothing after the end marker), every entry's SHA-256 against SHA256SUMS,
 * every content's SHA-1 against its name, the metadata (format, version, creation time, migration
 * level not newer than this version's), the token secret, and `pg_restore --list` of the dump
 * (readable, only the kinds of objects Gatehouse makes, and its tables there).
 */
async function verifyBackup(fd: number, file: string, workDir: string, pgRestore: string): Promise<Verified> {
  const refuse = (why: string): never => {
    throw new BackupError(`${file} is refused: ${why}. Nothing was changed.`);
  };
  const fileSize = fstatSync(fd).size;
  const entries: TarEntry[] = [];
  const sums = new Map<string, string>();
  let pos = 0;
  let sumsText: string | null = null;
  let metaText = '';
  let secretText = '';
  const dump = join(workDir, DUMP);
  for (;;) {
    const e = readHeader(fd, pos, fileSize, refuse);
    if (!e) break;
    if (sumsText !== null) refuse(`it holds ${e.name} after ${SUMS}`);
    const i = entries.length;
    const fileMatch = FILE_ENTRY.exec(e.name);
    const expectedName = i === 0 ? META : i === 1 ? SECRET : i === 2 ? DUMP : null;
    if (expectedName && e.name !== expectedName) {
      refuse(
        i === 0
          ? 'it is not a Gatehouse PostgreSQL backup (make backups with "gatehouse backup")'
          : `its entry ${i + 1} is ${e.name}, not ${expectedName}`,
      );
    }
    if (!expectedName && e.name !== SUMS) {
      if (!fileMatch || fileMatch[3]?.slice(0, 4) !== `${fileMatch[1]}${fileMatch[2]}`)
        refuse(`it holds an unexpected entry ${e.name}`);
      const prev = entries.at(-1);
      if (prev && FILE_ENTRY.test(prev.name) && prev.name >= e.name)
        refuse(`its file entries are out of order or repeated (${e.name})`);
    }
    if ((e.name === META || e.name === SECRET || e.name === SUMS) && e.size > 1024 * 1024)
      refuse(`its ${e.name} is too large`);
    const sha = createHash('sha256');
    const sha1 = fileMatch ? createHash('sha1') : null;
    const small: Buffer[] = [];
    const out = e.name === DUMP ? openSync(dump, 'wx', 0o600) : undefined;
    try {
      for (const chunk of fileChunks(fd, e.offset, e.size)) {
        if (e.name !== SUMS) sha.update(chunk);
        sha1?.update(chunk);
        if (out !== undefined) writeFully(out, chunk);
        else if (!fileMatch) small.push(Buffer.from(chunk));
      }
    } finally {
      if (out !== undefined) closeSync(out);
    }
    if (e.name === SUMS) sumsText = Buffer.concat(small).toString('utf8');
    else {
      sums.set(e.name, sha.digest('hex'));
      if (e.name === META) metaText = Buffer.concat(small).toString('utf8');
      if (e.name === SECRET) secretText = Buffer.concat(small).toString('utf8');
      if (sha1 && sha1.digest('hex') !== fileMatch?.[3]) refuse(`the content ${e.name} does not hash to its name`);
    }
    entries.push(e);
    pos = e.offset + Math.ceil(e.size / BLOCK) * BLOCK;
  }
  if (pos + BLOCK * 2 > fileSize) refuse('it ends early (truncated: the end-of-archive marker is incomplete)');
  const tail = Buffer.alloc(BLOCK);
  readSync(fd, tail, 0, BLOCK, pos + BLOCK);
  if (!tail.every((b) => b === 0)) refuse('its end-of-archive marker is damaged');
  if (entries.length < 3) refuse('it is incomplete (no database dump)');
  if (sumsText === null) refuse(`it has no ${SUMS} (truncated)`);
  const listed = new Map<string, string>();
  for (const line of (sumsText as string).split('\n')) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) refuse(`its ${SUMS} is damaged`);
    listed.set((m as RegExpExecArray)[2] as string, (m as RegExpExecArray)[1] as string);
  }
  if (listed.size !== sums.size) refuse(`its ${SUMS} lists ${listed.size} entries, it holds ${sums.size}`);
  for (const [name, hex] of sums) {
    if (listed.get(name) !== hex) refuse(`${name} does not match its checksum (the file is damaged)`);
  }

  let meta: { format?: unknown; version?: unknown; created?: unknown; migrations?: unknown };
  try {
    meta = JSON.parse(metaText);
  } catch {
    return refuse(`its ${META} is not JSON`);
  }
  if (meta.format !== FORMAT) refuse('it is not a Gatehouse PostgreSQL backup');
  if (meta.version !== VERSION)
    refuse(`it is of format version ${String(meta.version)}; this version reads ${VERSION}`);
  const created = String(meta.created ?? '');
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(created) || Number.isNaN(Date.parse(created))) {
    refuse('its creation time is missing or not an ISO 8601 time');
  }
  const migrations = meta.migrations;
  const have = pgJournalLength();
  if (typeof migrations !== 'number' || !Number.isInteger(migrations) || migrations < 1)
    refuse('its migration level is missing');
  if ((migrations as number) > have) {
    refuse(
      `its database is at migration ${migrations}, newer than this version's ${have}: restore it with the Gatehouse version that made it`,
    );
  }
  const secret = parseServerSecret(secretText);
  if (!secret) refuse('its token secret is damaged (it must be at least 32 bytes in base64)');

  let list: string;
  try {
    list = await run(pgRestore, ['--list', dump], process.env, 'the dump');
  } catch (err) {
    return refuse(`pg_restore cannot read its database dump (${err instanceof Error ? err.message : err})`);
  }
  const tables = new Set<string>();
  const kept: string[] = [];
  for (const line of list.split('\n')) {
    if (!line || line.startsWith(';')) continue;
    const m = /^\d+; \d+ \d+ (.*)$/.exec(line);
    if (!m) refuse(`pg_restore --list gave a line it does not understand: ${line.slice(0, 100)}`);
    const rest = (m as RegExpExecArray)[1] as string;
    const kind = ALLOWED_KINDS.find((k) => rest.startsWith(`${k} `));
    if (!kind) refuse(`its dump holds an object Gatehouse does not make (${rest.slice(0, 100)})`);
    const [schema, name] = rest.slice((kind as string).length + 1).split(' ');
    if (kind !== 'EXTENSION' && kind !== 'COMMENT' && schema !== 'public' && schema !== 'drizzle' && schema !== '-') {
      refuse(`its dump holds an object in the schema ${schema}`);
    }
    if (kind === 'TABLE') tables.add(`${schema}.${name}`);
    // COMMENT ON EXTENSION needs the extension's owner (a superuser made it): a site's own role
    // restores everything else, and the comment is the extension's stock one.
    if (!(kind === 'COMMENT' && rest.startsWith('COMMENT - EXTENSION '))) kept.push(line);
  }
  for (const t of [
    'public.users',
    'public.external_tokens',
    'public.sessions',
    'public.files',
    'drizzle.__drizzle_migrations',
  ]) {
    if (!tables.has(t)) refuse(`its dump has no table ${t}`);
  }
  const useList = join(workDir, 'restore.list');
  writeFileSync(useList, `${kept.join('\n')}\n`, { mode: 0o600 });
  return {
    created,
    migrations: migrations as number,
    secret: secret as Buffer,
    dump,
    useList,
    files: entries.filter((e) => FILE_ENTRY.test(e.name)),
  };
}

interface Counts {
  users: number;
  tokens: number;
}

async function countsOf(client: pg.ClientBase): Promise<Counts> {
  const r = await client.query(
    'SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM external_tokens)::int AS tokens',
  );
  return r.rows[0] as Counts;
}

/**
 * Restores a PostgreSQL backup into the database at `url`: refused, with nothing changed, unless
 * the file passes every check of verifyBackup, its token secret is GATEHOUSE_TOKEN_SECRET (or
 * --force: restored tokens then fail until GATEHOUSE_TOKEN_SECRET is the backup's), no node is
 * connected, and the database has no tables (or --force). Then the content goes into the file
 * store first, pg_restore --clean --if-exists --single-transaction replaces the database in one
 * transaction, the sessions are ended, newer migrations applied, and content no row uses removed.
 */
export async function pgRestore(opts: {
  url: string;
  file: string;
  force: boolean;
  tokenSecret: string | undefined;
  dataDir: string;
  fileDir?: string;
}): Promise<RestoreReport> {
  const { file } = opts;
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupError(`${file} does not exist`);
  if (!opts.tokenSecret)
    throw new BackupError(
      'GATEHOUSE_TOKEN_SECRET is not set: on PostgreSQL it is required (set it to the secret of the site the backup is of)',
    );
  const envSecret = loadServerSecret(opts.dataDir, opts.tokenSecret);
  const tools = findPgTools();
  const conn = connArgs(opts.url);
  const workDir = mkdtempSync(join(tmpdir(), 'gatehouse-restore-'));
  const fd = openSync(file, 'r');
  const client = new pg.Client({ connectionString: opts.url, application_name: 'gatehouse-restore' });
  client.on('error', () => {});
  let connected = false;
  const added: string[] = [];
  let restored = false;
  const store = new DataFolderFileStore(opts.dataDir, opts.fileDir);
  try {
    const checked = await verifyBackup(fd, file, workDir, tools.pgRestore);
    const warnings: string[] = [];
    if (!checked.secret.equals(envSecret)) {
      const why =
        "GATEHOUSE_TOKEN_SECRET is not the backup's token secret: the nodes hash tokens with GATEHOUSE_TOKEN_SECRET, so no restored token would work";
      if (!opts.force) {
        throw new BackupError(
          `${file} is refused: ${why}. Set GATEHOUSE_TOKEN_SECRET to the secret of the site the backup is of (it is the backup's entry ${SECRET}: tar -xOf <file> ${SECRET}), or add --force to restore anyway. Nothing was changed.`,
        );
      }
      warnings.push(
        `${why} until GATEHOUSE_TOKEN_SECRET is set to the backup's secret (tar -xOf ${file} ${SECRET}) on every node.`,
      );
    }

    await client.connect();
    connected = true;
    const others = (
      await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'gatehouse%'",
      )
    ).rows[0].n as number;
    if (others > 0) {
      throw new BackupError(
        `${others} Gatehouse connection(s) use the database: stop every node (and every gatehouse command) before a restore. Nothing was changed.`,
      );
    }
    const tableCount = (
      await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('public', 'drizzle')")
    ).rows[0].n as number;
    let before: Counts | null = null;
    if (tableCount > 0) {
      if (!opts.force)
        throw new BackupError(
          `The database holds tables already: add --force to replace it with the backup. Nothing was changed.`,
        );
      before = await countsOf(client).catch(() => null);
    }

    // The content first: the database that follows names only content that is then in place.
    for (const e of checked.files) {
      const hash = e.name.slice(-40);
      if (store.size(hash) === e.size) continue;
      store.writeVerified(hash, fileChunks(fd, e.offset, e.size));
      added.push(hash);
    }
    await run(
      tools.pgRestore,
      [
        '--clean',
        '--if-exists',
        '--single-transaction',
        '--exit-on-error',
        '--no-owner',
        '--no-privileges',
        `--use-list=${checked.useList}`,
        `--dbname=${conn.url}`,
        checked.dump,
      ],
      conn.env,
      'The restore failed (the database was left as it was)',
    );
    restored = true;
    // Console sessions are not restored: one ended since the backup must not come back to life.
    const sessionsEnded = (await client.query('DELETE FROM sessions')).rowCount ?? 0;
    if (checked.migrations < pgJournalLength()) {
      const pool = new pg.Pool({ connectionString: opts.url, max: 1, application_name: 'gatehouse-restore' });
      try {
        await migratePg(pool);
      } finally {
        await pool.end();
      }
    }
    const after = await countsOf(client);
    const used = new Set(
      (await client.query('SELECT DISTINCT contenthash AS h FROM files WHERE contenthash IS NOT NULL')).rows.map(
        (r: { h: string }) => r.h,
      ),
    );
    const missing = [...used].filter((h) => store.size(h) === undefined);
    if (missing.length)
      warnings.push(
        `${missing.length} file content(s) the restored rows use are not in the file store (${store.root}).`,
      );
    for (const h of [...store.hashes()]) if (!used.has(h)) store.delete(h);
    return { before, after, backupCreated: checked.created, sessionsEnded, warnings };
  } finally {
    if (!restored) for (const h of added) store.delete(h);
    closeSync(fd);
    if (connected) await client.end().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}
