import { statfsSync } from 'node:fs';
import type { Log } from './log';

/** Free and total bytes of the file system that holds the data folder. */
interface DiskSpace {
  /** Bytes an unprivileged process may still write (statfs `bavail`, not `bfree`). */
  free: number;
  total: number;
}

/** Reads the free space of the data folder's file system; injected so tests can simulate a full disk. */
export type DiskProbe = () => DiskSpace;

export function statfsProbe(dir: string): DiskProbe {
  return () => {
    const s = statfsSync(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  };
}

export const MIB = 1024 * 1024;

/**
 * The free space that bulk writes (file content) may never take: the larger of 64 MiB and 1 % of
 * the file system. What it keeps room for is small writes: session rows, audit rows, settings,
 * SQLite's WAL (about 4 MB between checkpoints at the default 1000 pages) and the checkpoint that
 * copies it back. 64 MiB holds all of that many times over on a small disk; 1 % scales with disks
 * where other processes (logs, backups) eat the last free space faster.
 */
export function reserveBytes(total: number): number {
  return Math.max(64 * MIB, Math.ceil(total / 100));
}

/** A write refused because the data folder's disk is (nearly) full. */
export class LowDiskSpaceError extends Error {
  constructor(
    readonly free: number,
    readonly reserve: number,
    readonly needed: number,
  ) {
    super(
      `Not enough free disk space: ${free} bytes free, ${needed} bytes needed plus a reserve of ${reserve} bytes kept for logins and small writes`,
    );
  }
}

/**
 * Refuses a write of `bytes` when it would leave less than the reserve free. A probe that
 * fails (the folder is gone, statfs is not supported) does not block the write: SQLite's own
 * SQLITE_FULL is the last line.
 */
export function requireFreeSpace(probe: DiskProbe, bytes: number): void {
  let space: DiskSpace;
  try {
    space = probe();
  } catch {
    return;
  }
  const reserve = reserveBytes(space.total);
  if (space.free - bytes < reserve) throw new LowDiskSpaceError(space.free, reserve, bytes);
}

/**
 * True for SQLite's "database or disk is full" (SQLITE_FULL, also when `PRAGMA max_page_count`
 * is reached) and for the operating system's ENOSPC / EDQUOT.
 */
export function isDiskFull(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/** What the console API answers (503) when a write fails because the disk is full. */
export const DISK_FULL_MESSAGE =
  'The server is out of disk space: the change was not saved. Signing in and reading still work; ask the administrator to free some space.';

/**
 * Runs a write that a request can do without (an audit row of a login, a last-seen time): when
 * the disk is full it is logged and skipped instead of failing the request. Every other error
 * is thrown as usual. Only outside a transaction: SQLite may roll back the whole transaction on
 * SQLITE_FULL.
 */
export function bestEffort<T>(log: Pick<Log, 'warn'>, what: string, write: () => T): T | undefined {
  try {
    return write();
  } catch (e) {
    if (!isDiskFull(e)) throw e;
    log.warn({ skipped: what }, `Disk full: skipped ${what}`);
    return undefined;
  }
}

// The probe of each app (its Deps), made on first use from the data folder. Kept beside Deps
// rather than in it so that a test can swap in a probe that reports a nearly full disk.
const probes = new WeakMap<object, DiskProbe>();

export function diskProbeOf(deps: { env: { dataDir: string } }): DiskProbe {
  let probe = probes.get(deps);
  if (!probe) {
    probe = statfsProbe(deps.env.dataDir);
    probes.set(deps, probe);
  }
  return probe;
}

/** Replaces an app's free-space probe (tests: a disk with little room left). */
export function setDiskProbe(deps: object, probe: DiskProbe): void {
  probes.set(deps, probe);
}
