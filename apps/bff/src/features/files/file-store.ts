import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { ensurePrivateDir, ensurePrivateFile, FILE_MODE } from '../../db/data-folder';

// The content of stored files, addressed by its SHA-1 as Moodle's file pool is
// (lib/filestorage/file_system_filedir.php: $CFG->dataroot/filedir/ab/cd/abcd…): one copy per
// content, however many files (rows of the files table) use it. The table counts the references;
// the store only keeps bytes. The data folder is the default store (FileStore below is the
// interface another one would implement).
//
// Ordering rule (what makes the reference count safe without a lock of its own): content becomes
// visible under its hash (`Staged.commit`) and is removed (`delete`) only inside a database write
// (withWrite), whose lock orders them with the rows that use it. Both are synchronous, so a write
// never yields the event loop while its transaction is open.

/** A SHA-1 content hash: 40 lower-case hex digits. */
export const CONTENT_HASH = /^[0-9a-f]{40}$/;

/** Content streamed into the store's staging area: hashed and counted, not yet visible under its hash. */
export interface Staged {
  readonly hash: string;
  readonly size: number;
  /** Makes the content visible under its hash (nothing to do when the store has it already). Synchronous. */
  commit(): void;
  /** Drops the staged copy (after commit, or instead of it). Never throws. */
  discard(): void;
}

/** Thrown by `stage` when the source passes `maxBytes`: nothing is kept. */
export class ContentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`The content is larger than ${maxBytes} bytes`);
  }
}

export interface FileStore {
  /** Streams `source` into the staging area, hashing as it goes; refuses past `maxBytes`. */
  stage(source: AsyncIterable<Uint8Array>, opts?: { maxBytes?: number }): Promise<Staged>;
  /** The size of the content with this hash, or undefined when the store does not hold it. */
  size(hash: string): number | undefined;
  /** The content (or the bytes start…end of it, inclusive), as a stream. */
  read(hash: string, range?: { start: number; end: number }): Readable;
  /** Removes the content; nothing happens when it is not there. Synchronous (see the ordering rule). */
  delete(hash: string): void;
  /** Every hash the store holds. */
  hashes(): Iterable<string>;
}

const tmpName = () => `${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

/**
 * The data folder's file pool: GATEHOUSE_DATA/filedir/ab/cd/<hash>, folders 0700 and files 0600
 * like the rest of the data folder, each written to a temporary file in filedir/.tmp, fsynced, and
 * renamed into place (then its folder fsynced), so a crash leaves either the whole content or none.
 */
export class DataFolderFileStore implements FileStore {
  readonly root: string;
  private readonly tmp: string;
  /** `root`: GATEHOUSE_FILEDIR, a folder every node shares (default: the data folder's filedir/). */
  constructor(dataDir: string, root?: string) {
    this.root = root ?? join(dataDir, 'filedir');
    this.tmp = join(this.root, '.tmp');
  }

  pathOf(hash: string): string {
    if (!CONTENT_HASH.test(hash)) throw new Error(`Not a content hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async stage(source: AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<Staged> {
    ensurePrivateDir(this.root);
    ensurePrivateDir(this.tmp);
    const file = join(this.tmp, tmpName());
    ensurePrivateFile(file);
    const fd = openSync(file, 'w');
    const sha1 = createHash('sha1');
    let size = 0;
    let ok = false;
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new ContentTooLarge(opts.maxBytes);
        sha1.update(chunk);
        writeFully(fd, chunk);
      }
      fsyncSync(fd);
      ok = true;
    } finally {
      closeSync(fd);
      if (!ok) removeQuietly(file);
    }
    const hash = sha1.digest('hex');
    let done = false;
    return {
      hash,
      size,
      commit: () => {
        if (done) return;
        const target = this.pathOf(hash);
        if (this.size(hash) === size) {
          done = true;
          return;
        }
        const dir = join(this.root, hash.slice(0, 2), hash.slice(2, 4));
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        renameSync(file, target);
        done = true;
        syncDir(dir);
      },
      discard: () => removeQuietly(file),
    };
  }

  size(hash: string): number | undefined {
    try {
      const st = statSync(this.pathOf(hash));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  read(hash: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(hash), range ? { start: range.start, end: range.end } : {});
  }

  delete(hash: string): void {
    removeQuietly(this.pathOf(hash));
  }

  *hashes(): Iterable<string> {
    for (const a of listDir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of listDir(join(this.root, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const h of listDir(join(this.root, a, b))) if (CONTENT_HASH.test(h) && h.startsWith(a + b)) yield h;
      }
    }
  }

  /** Removes staging files left by a process that died mid-upload (older than `olderThanMs`). */
  clearStaging(olderThanMs: number): void {
    const limit = Date.now() - olderThanMs;
    for (const f of listDir(this.tmp)) {
      try {
        if (statSync(join(this.tmp, f)).mtimeMs < limit) unlinkSync(join(this.tmp, f));
      } catch {}
    }
  }

  /**
   * Writes content with a known hash straight into place (a restore), streaming from `chunks`;
   * refuses, keeping nothing, when the bytes do not hash to `hash`.
   */
  writeVerified(hash: string, chunks: Iterable<Uint8Array>): void {
    ensurePrivateDir(this.root);
    ensurePrivateDir(this.tmp);
    const file = join(this.tmp, tmpName());
    ensurePrivateFile(file);
    const fd = openSync(file, 'w');
    const sha1 = createHash('sha1');
    let ok = false;
    try {
      fchmodSync(fd, FILE_MODE);
      for (const chunk of chunks) {
        sha1.update(chunk);
        writeFully(fd, chunk);
      }
      fsyncSync(fd);
      ok = true;
    } finally {
      closeSync(fd);
      if (!ok) removeQuietly(file);
    }
    if (sha1.digest('hex') !== hash) {
      removeQuietly(file);
      throw new Error(`The content stored under ${hash} does not hash to it`);
    }
    const dir = join(this.root, hash.slice(0, 2), hash.slice(2, 4));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    renameSync(file, this.pathOf(hash));
    syncDir(dir);
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {}
}

/** fsync of a folder, so that a rename into it survives a crash (not every platform allows it). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ---- the backup pin ----------------------------------------------------------------------------
// A backup copies the content of the files its database snapshot names after the snapshot was
// taken; meanwhile the server must not remove content that a row of the snapshot still uses. The
// backup holds a shared lock on filedir.lock (SQLite's file locking, as the data folder's lock:
// the operating system drops it when a process dies), and content is removed only when an
// exclusive lock on it can be had at once; otherwise it stays, an orphan, for the next sweep.

const PIN_FILE = 'filedir.lock';

/**
 * The pin is a file beside the file root (`<data>/filedir.lock` by default): with a GATEHOUSE_FILEDIR
 * that several nodes share, beside that folder, so that every node's removals respect a backup.
 */
function openPin(dataDir: string, waitMs: number, root?: string): Database.Database {
  const file = root ? `${root}.lock` : join(dataDir, PIN_FILE);
  ensurePrivateDir(dirname(file));
  ensurePrivateFile(file, { ownerOfFolder: true });
  const db = new Database(file, { timeout: waitMs });
  db.pragma('locking_mode = EXCLUSIVE');
  return db;
}

/** Holds content in place (a backup in progress) until `release`. */
export function pinContent(dataDir: string, root?: string): { release: () => void } {
  // Waits a while for a removal in progress (it holds the lock for one unlink).
  const db = openPin(dataDir, 10_000, root);
  db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
  return { release: () => db.close() };
}

/** Runs `fn` unless a backup pins the content; true when it ran. */
export function unlessPinned(dataDir: string, fn: () => void, root?: string): boolean {
  let db: Database.Database;
  try {
    db = openPin(dataDir, 0, root);
  } catch {
    return false;
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch {
    db.close();
    return false;
  }
  try {
    fn();
    return true;
  } finally {
    db.close();
  }
}

// ---- one store per data folder ------------------------------------------------------------------

const stores = new Map<string, FileStore>();

/** The file store of a data folder: the data folder itself unless another was set with `useFileStore`. */
export function fileStoreFor(dataDir: string, root?: string): FileStore {
  let s = stores.get(dataDir);
  if (!s) {
    s = new DataFolderFileStore(dataDir, root);
    stores.set(dataDir, s);
  }
  return s;
}

/** Puts another implementation behind a data folder's files (a shared file system, an object store). */
export function useFileStore(dataDir: string, store: FileStore): void {
  stores.set(dataDir, store);
}

/** Writes the whole chunk (writeSync may write less than asked). */
function writeFully(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}
