import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { bestEffort, isDiskFull, LowDiskSpaceError, MIB, requireFreeSpace, reserveBytes, statfsProbe } from './disk';

const GIB = 1024 * MIB;

describe('the free-space probe and its reserve', () => {
  it('reads the real file system of a folder', () => {
    const space = statfsProbe(tmpdir())();
    expect(space.total).toBeGreaterThan(0);
    expect(space.free).toBeGreaterThanOrEqual(0);
    expect(space.free).toBeLessThanOrEqual(space.total);
  });

  it('keeps 64 MiB on small disks and 1 % on large ones', () => {
    expect(reserveBytes(1 * GIB)).toBe(64 * MIB);
    expect(reserveBytes(6 * GIB)).toBe(64 * MIB);
    expect(reserveBytes(100 * GIB)).toBe(GIB);
  });

  it('refuses a write that would eat into the reserve, and allows one that leaves it', () => {
    const probe = () => ({ free: 65 * MIB, total: 4 * GIB });
    expect(() => requireFreeSpace(probe, MIB - 1)).not.toThrow();
    expect(() => requireFreeSpace(probe, MIB + 1)).toThrow(LowDiskSpaceError);
  });

  it('does not block writes when the probe itself fails', () => {
    expect(() =>
      requireFreeSpace(() => {
        throw new Error('statfs not supported');
      }, 10),
    ).not.toThrow();
    expect(() => requireFreeSpace(statfsProbe('/no/such/folder/anywhere'), 10)).not.toThrow();
  });
});

describe('disk-full errors', () => {
  it("knows SQLite's SQLITE_FULL and the system's ENOSPC and EDQUOT, and nothing else", () => {
    for (const code of ['SQLITE_FULL', 'ENOSPC', 'EDQUOT'])
      expect(isDiskFull(Object.assign(new Error(), { code }))).toBe(true);
    for (const err of [new Error('x'), Object.assign(new Error(), { code: 'SQLITE_BUSY' }), null, 'SQLITE_FULL']) {
      expect(isDiskFull(err)).toBe(false);
    }
  });

  it('bestEffort skips and logs a disk-full write, and throws every other error', () => {
    const logged: string[] = [];
    const log = { warn: (_fields: object, m: string) => logged.push(m) };
    expect(bestEffort(log, 'an audit row', () => 7)).toBe(7);
    expect(
      bestEffort(log, 'an audit row', () => {
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }),
    ).toBeUndefined();
    expect(logged).toEqual(['Disk full: skipped an audit row']);
    expect(() =>
      bestEffort(log, 'an audit row', () => {
        throw new Error('constraint failed');
      }),
    ).toThrow('constraint failed');
  });
});
