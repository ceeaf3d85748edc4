import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, FILE_MODE, giveToFolderOwner } from '../../db/data-folder';

const SECRET_FILE = 'token-secret.key';
const MIN_BYTES = 32;

/**
 * The secret as the file holds it: base64 (whitespace and line breaks ignored), at least 32
 * bytes. Strict, unlike Buffer.from, which skips any character that is not base64 and so
 * would take a damaged file for a shorter, different secret. Null when it is not that.
 */
export function parseServerSecret(text: string): Buffer | null {
  const b64 = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const buf = Buffer.from(b64, 'base64');
  return buf.length >= MIN_BYTES ? buf : null;
}

/** Writes `tmp` 0600 whatever the umask (writeFile's mode only applies to a new file, through the umask). */
function writePrivate(tmp: string, secret: Buffer) {
  writeFileSync(tmp, `${secret.toString('base64')}\n`, { mode: FILE_MODE, flag: 'wx' });
  chmodSync(tmp, FILE_MODE);
  giveToFolderOwner(tmp);
}

const tmpName = (file: string) => `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

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
    if (buf.length < MIN_BYTES) {
      throw new Error('GATEHOUSE_TOKEN_SECRET must hold at least 32 bytes (64 hex or 44 base64 characters)');
    }
    return buf;
  }
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const buf = parseServerSecret(readFileSync(file, 'utf8'));
    if (!buf) throw new Error(`${file} is damaged: it must hold at least 32 bytes in base64`);
    return buf;
  }
  ensurePrivateDir(dataDir);
  // Written to a temporary file and linked into place: a crash never leaves a half-written
  // secret, and two processes starting at once on a new folder agree on one secret.
  const secret = randomBytes(32);
  const tmp = tmpName(file);
  writePrivate(tmp, secret);
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

/** Replaces the secret file in one step (a restore): a temporary file 0600, renamed into place. */
export function replaceServerSecret(dataDir: string, secret: Buffer): void {
  const file = join(dataDir, SECRET_FILE);
  const tmp = tmpName(file);
  writePrivate(tmp, secret);
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}
