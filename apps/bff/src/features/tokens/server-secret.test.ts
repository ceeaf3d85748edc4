import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerSecret, parseServerSecret } from './server-secret';

const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-server-secret-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the token secret file', () => {
  it('is created 0600 in a folder created 0700', () => {
    const dir = join(scratch, 'new');
    const secret = loadServerSecret(dir);
    expect(secret).toHaveLength(32);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'token-secret.key')).mode & 0o777).toBe(0o600);
    expect(loadServerSecret(dir).equals(secret)).toBe(true);
  });

  it('a damaged file is refused, not read as another secret', () => {
    const dir = mkdtempSync(join(scratch, 'damaged-'));
    const good = Buffer.alloc(32, 0x11).toString('base64');
    // A stray character: Buffer.from also reads base64url, finds 32 bytes, and the server
    // would have silently hashed every token under another secret.
    writeFileSync(join(dir, 'token-secret.key'), `${good.slice(0, 10)}-${good.slice(11)}\n`);
    expect(() => loadServerSecret(dir)).toThrow(/is damaged/);
    writeFileSync(join(dir, 'token-secret.key'), `${good.slice(0, 40)}_xyz\n`);
    expect(() => loadServerSecret(dir)).toThrow(/is damaged/);
    writeFileSync(join(dir, 'token-secret.key'), `${randomBytes(16).toString('base64')}\n`);
    expect(() => loadServerSecret(dir)).toThrow(/is damaged/);
  });

  it('accepts base64 across lines (as openssl rand -base64 writes it), and nothing short or malformed', () => {
    const long = randomBytes(96);
    const wrapped = long.toString('base64').replace(/(.{64})/g, '$1\n');
    expect(parseServerSecret(wrapped)?.equals(long)).toBe(true);
    expect(parseServerSecret('')).toBeNull();
    expect(parseServerSecret('abc')).toBeNull();
    expect(parseServerSecret(randomBytes(31).toString('base64'))).toBeNull();
    expect(parseServerSecret(`${randomBytes(32).toString('base64')}=`)).toBeNull();
  });
});
