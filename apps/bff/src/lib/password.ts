import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, type Options, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';

// Argon2id, OWASP's first choice of memory-hard password hash (19 MiB, 2 passes, 1 lane: the
// Password Storage Cheat Sheet's first configuration). On this project's machine a verification
// takes ~11 ms of one core (BENCHMARKS.md, issue 21).
// algorithm 2 is Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import).
const options: Options = { algorithm: 2 as Options['algorithm'], memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * At most one hash or verification per core at a time: more cannot finish sooner (each holds a
 * core for its whole time), but each holds its 19 MiB meanwhile, and libuv's four threads would
 * all be taken from the file reads that share them. A burst of logins waits its turn here instead.
 */
export const HASHES_AT_ONCE = Math.max(1, availableParallelism());
const hashing = pLimit(HASHES_AT_ONCE);

/** Hashes or verifications running now (for the tests). */
export const hashesRunning = () => hashing.activeCount;

/** A random password for an account created without one (the admin's on first start, the CLI's, the API's). */
export function generatePassword(): string {
  // 18 random bytes in base64url, plus a fixed tail so it always meets the password rule.
  return `${randomBytes(18).toString('base64url')}-9`;
}

export function hashPassword(password: string): Promise<string> {
  return hashing(() => hash(password, options));
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await hashing(() => verify(stored, password));
  } catch {
    return false;
  }
}

/** Verified against when a username is unknown, so that the answer takes as long either way. */
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword('gatehouse-timing-equaliser');
  return dummy;
}

/**
 * Checks a password against a stored hash, or (when there is no usable account or password)
 * against a dummy hash and answers false: the time taken does not tell whether the account exists
 * or can sign in at all.
 */
export async function checkPassword(stored: string | undefined, password: string): Promise<boolean> {
  // An unusable password (the guest account's "!…", or any value that is not an Argon2 hash)
  // would fail at once: it costs the same verification as a wrong password.
  if (stored === undefined || !stored.startsWith('$argon2')) {
    await verifyPassword(await dummyHash(), password);
    return false;
  }
  return verifyPassword(stored, password);
}
