import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fchmodSync,
  fchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The data folder holds the database and the secret tokens are hashed under: readable by
 * Gatehouse's own user only. The folder is 0700 and every file in it 0600, whatever the umask
 * of whoever started the process; a folder left open by an earlier version (or by hand) is
 * tightened at start, and the start says what it changed.
 */
const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;
export const LOCK_FILE = 'gatehouse.lock';

export class DataFolderError extends Error {}

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** Creates the folder 0700 if it is missing (an explicit chmod: mkdir's mode passes through the umask). True when created. */
export function ensurePrivateDir(dir: string): boolean {
  if (existsSync(dir)) return false;
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE);
  return true;
}

/**
 * Creates an empty file 0600 (O_EXCL, then fchmod: the umask cannot widen or narrow it), or,
 * when it exists, narrows it to 0600 if others may read it. Existing files are changed by path
 * only: opening and closing a descriptor of a file SQLite has open in this process would drop
 * SQLite's POSIX locks on it.
 */
export function ensurePrivateFile(file: string, opts: { ownerOfFolder?: boolean } = {}): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    narrow(file, FILE_MODE);
    return;
  }
  try {
    fchmodSync(fd, FILE_MODE);
    if (opts.ownerOfFolder) giveToFolderOwner(file, fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file that root creates in the data folder (a `gatehouse` command run with sudo) goes to
 * the folder's owner, as SQLite does with the journals it creates: else the server, running
 * as that owner, could no longer open its own database or secret.
 */
export function giveToFolderOwner(file: string, fd?: number): void {
  if (process.getuid?.() !== 0) return;
  const folder = statSync(dirname(file));
  if (folder.uid === 0 && folder.gid === 0) return;
  if (fd === undefined) chownSync(file, folder.uid, folder.gid);
  else fchownSync(fd, folder.uid, folder.gid);
}

/** Narrows a file or folder that others may use to `mode`; returns the old mode when it changed. */
function narrow(path: string, mode: number): number | null {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (st.isSymbolicLink() || (st.mode & 0o077) === 0) return null;
  chmodSync(path, mode);
  return st.mode & 0o777;
}

/** Narrows the SQLite side files (WAL, shared memory, journal) of a database that exist. */
export function narrowSideFiles(dbFile: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) narrow(`${dbFile}${suffix}`, FILE_MODE);
}

/**
 * Creates the data folder 0700, or tightens an existing one: the folder and every folder in it
 * 0700, every file 0600 (symbolic links are left alone). Returns one line per change, for the
 * start to print.
 */
export function secureDataFolder(dir: string): string[] {
  if (ensurePrivateDir(dir)) return [];
  const notes: string[] = [];
  const was = narrow(dir, DIR_MODE);
  if (was !== null) {
    notes.push(`The data folder ${dir} was ${octal(was)}: now ${octal(DIR_MODE)} (Gatehouse's user only).`);
  }
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const name = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        const old = narrow(path, DIR_MODE);
        if (old !== null) notes.push(`In the data folder, ${name}/ was ${octal(old)}: now ${octal(DIR_MODE)}.`);
        walk(path, `${name}/`);
      } else if (entry.isFile()) {
        const old = narrow(path, FILE_MODE);
        if (old !== null) notes.push(`In the data folder, ${name} was ${octal(old)}: now ${octal(FILE_MODE)}.`);
      }
    }
  };
  walk(dir, '');
  return notes;
}

export interface DataFolderLock {
  release: () => void;
}

/**
 * Who is using the data folder, with SQLite's own file locking on `gatehouse.lock` (an empty
 * database file): the server and every ordinary command hold a shared lock for as long as they
 * run, a restore needs the exclusive one. The locks are the operating system's (POSIX advisory
 * locks), so a server killed with SIGKILL leaves nothing behind: there is no stale pid to
 * detect and no pid that a new process can reuse.
 */
export function lockDataFolder(
  dir: string,
  kind: 'shared' | 'exclusive',
  opts: { waitMs?: number } = {},
): DataFolderLock {
  const file = join(dir, LOCK_FILE);
  ensurePrivateFile(file, { ownerOfFolder: true });
  const db = new Database(file, { timeout: opts.waitMs ?? 0 });
  try {
    // Exclusive locking mode: a lock, once taken, is kept until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    if (kind === 'exclusive') {
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
    } else {
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    }
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY')) {
      throw new DataFolderError(
        kind === 'exclusive'
          ? `A Gatehouse server (or another gatehouse command) is using the data folder ${dir}: stop the server first. Nothing was changed.`
          : `A restore is running on the data folder ${dir}: try again when it has finished.`,
      );
    }
    if (code === 'SQLITE_NOTADB') {
      throw new DataFolderError(
        `${file} is not the lock file Gatehouse makes: delete it (while no Gatehouse server is running) and try again.`,
      );
    }
    throw err;
  }
  return { release: () => db.close() };
}
