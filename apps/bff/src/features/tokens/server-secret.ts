import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The server secret under which tokens are hashed: from GATEHOUSE_TOKEN_SECRET when given
 * (base64 or hex, at least 32 bytes), else a file in the data folder created on first start.
 */
export function loadServerSecret(dataDir: string, fromEnv?: string): Buffer {
  if (fromEnv) {
    const hex = /^[0-9a-f]+$/i.test(fromEnv) && fromEnv.length % 2 === 0;
    const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(fromEnv) && fromEnv.length % 4 === 0;
    if (!hex && !base64) throw new Error('GATEHOUSE_TOKEN_SECRET must be hex or base64');
    const buf = Buffer.from(fromEnv, hex ? 'hex' : 'base64');
    if (buf.length < 32) {
      throw new Error('GATEHOUSE_TOKEN_SECRET must hold at least 32 bytes (64 hex or 44 base64 characters)');
    }
    return buf;
  }
  const file = join(dataDir, 'token-secret.key');
  if (existsSync(file)) {
    const buf = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (buf.length < 32) throw new Error(`${file} is damaged: it must hold at least 32 bytes in base64`);
    return buf;
  }
  mkdirSync(dataDir, { recursive: true });
  // Written to a temporary file and linked into place: a crash never leaves a half-written
  // secret, and two processes starting at once on a new folder agree on one secret.
  const secret = randomBytes(32);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${secret.toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return loadServerSecret(dataDir);
  } finally {
    unlinkSync(tmp);
  }
  return secret;
}
