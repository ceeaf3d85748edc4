import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The server secret under which tokens are hashed: from GATEHOUSE_TOKEN_SECRET when given
 * (base64 or hex, at least 32 bytes), else a file in the data folder created on first start.
 */
export function loadServerSecret(dataDir: string, fromEnv?: string): Buffer {
  if (fromEnv) {
    const buf =
      /^[0-9a-f]+$/i.test(fromEnv) && fromEnv.length % 2 === 0
        ? Buffer.from(fromEnv, 'hex')
        : Buffer.from(fromEnv, 'base64');
    if (buf.length < 32)
      throw new Error('GATEHOUSE_TOKEN_SECRET must hold at least 32 bytes (64 hex or 44 base64 characters)');
    return buf;
  }
  const file = join(dataDir, 'token-secret.key');
  if (existsSync(file)) {
    const buf = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (buf.length < 32) throw new Error(`${file} is damaged: it must hold at least 32 bytes in base64`);
    return buf;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
