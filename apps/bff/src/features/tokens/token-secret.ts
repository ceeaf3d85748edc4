import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

// Token format: "gwt" + 43 base62 characters (256 random bits) + 6 base62 checksum characters.
// Alphanumeric only, because Moodle clients (and Moodle's own PARAM_ALPHANUM) expect that; the
// fixed prefix makes a leaked token easy to scan for, and the checksum rejects a mistyped token
// without a database read.
export const TOKEN_PREFIX = 'gwt';
const BODY_LENGTH = 43;
const CHECK_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + BODY_LENGTH + CHECK_LENGTH;
export const TOKEN_PATTERN = /^gwt[0-9A-Za-z]{49}$/;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer, length: number): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (out.length < length) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

const CHECK_SPACE = 62 ** CHECK_LENGTH;

/** Six base62 characters from the first 48 bits of SHA-256(body): plain number arithmetic, no BigInt, on the hot path. */
function checksum(body: string): string {
  let n = (hash('sha256', body, 'buffer') as Buffer).readUIntBE(0, 6) % CHECK_SPACE;
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function generateToken(): string {
  const body = base62(randomBytes(32), BODY_LENGTH);
  return `${TOKEN_PREFIX}${body}${checksum(body)}`;
}

/** Format and checksum: a token that fails this cannot exist, so no database read is needed. */
export function tokenLooksValid(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + BODY_LENGTH);
  const check = token.slice(TOKEN_PREFIX.length + BODY_LENGTH);
  // The checksum is no secret (anyone holding the token can compute it): a plain comparison will do.
  return check === checksum(body);
}

/** The longest token the scratch buffers take whole (longer ones, never issued, take the slow way). */
const SCRATCH_MESSAGE = 192;

/**
 * HMAC-SHA-256's padded keys (RFC 2104), made once per secret, each at the start of a scratch
 * buffer that the message (or the inner hash) is written after: a call then allocates only the
 * two hashes' results. The buffers are used synchronously, so one per secret is enough.
 */
const pads = new WeakMap<Buffer, { inner: Buffer; outer: Buffer }>();

function padsOf(secret: Buffer) {
  let p = pads.get(secret);
  if (!p) {
    // Keys longer than the 64-byte block are hashed first, as RFC 2104 says.
    const key = secret.length > 64 ? (hash('sha256', secret, 'buffer') as Buffer) : secret;
    const block = Buffer.alloc(64);
    key.copy(block);
    const inner = Buffer.alloc(64 + SCRATCH_MESSAGE);
    const outer = Buffer.alloc(64 + 32);
    for (let i = 0; i < 64; i++) {
      inner[i] = (block[i] as number) ^ 0x36;
      outer[i] = (block[i] as number) ^ 0x5c;
    }
    p = { inner, outer };
    pads.set(secret, p);
  }
  return p;
}

/**
 * The only form in which a token is stored: HMAC-SHA-256 under the server secret. Computed as
 * RFC 2104 spells it with two one-shot hashes over pads made once: on the call path this costs
 * a third of `createHmac`, which builds a native HMAC context for every call (equal results are
 * a unit test).
 */
export function hashToken(secret: Buffer, token: string): string {
  const { inner, outer } = padsOf(secret);
  let innerHash: Buffer;
  if (Buffer.byteLength(token, 'utf8') <= SCRATCH_MESSAGE) {
    const n = inner.write(token, 64, 'utf8');
    innerHash = hash('sha256', inner.subarray(0, 64 + n), 'buffer') as Buffer;
  } else {
    innerHash = hash('sha256', Buffer.concat([inner.subarray(0, 64), Buffer.from(token, 'utf8')]), 'buffer') as Buffer;
  }
  innerHash.copy(outer, 64);
  return hash('sha256', outer, 'base64url') as string;
}

/** Constant-time comparison of two stored-form hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A short, harmless display form: prefix, four characters, an ellipsis, four characters. */
export function tokenStub(token: string): string {
  return `${token.slice(0, TOKEN_PREFIX.length + 4)}…${token.slice(-4)}`;
}
