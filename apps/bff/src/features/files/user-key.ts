import { createHmac, timingSafeEqual } from 'node:crypto';

// The key of tokenpluginfile.php: site info's `userprivateaccesskey`, Moodle's
// get_user_key('core_files', $USER->id). Moodle stores a random key per user in
// user_private_key; Gatehouse derives it from the server secret (HMAC-SHA-256 over the script and
// the user id), so nothing secret is stored and the same key comes back on every call, as
// Moodle's does. The user id follows the MAC so the key names its user without a lookup. A new
// server secret (a token-secret rotation) changes every key. Letters and digits only
// (PARAM_ALPHANUM, as Moodle's key is read).

const MAC_HEX = 32;
const KEY = /^([0-9a-f]{32})([1-9]\d{0,9})$/;

function mac(secret: Buffer, userId: number): string {
  return createHmac('sha256', secret).update(`core_files/${userId}`).digest('hex').slice(0, MAC_HEX);
}

/** Keys already made, per server secret: site info hands one out on every call (one HMAC less). */
const made = new WeakMap<Buffer, Map<number, string>>();
/** Enough for the users calling at once; past it the memo starts again (a key is cheap to remake). */
const MAX_MADE = 10_000;

/** The user's private access key for files. */
export function userPrivateAccessKey(secret: Buffer, userId: number): string {
  let keys = made.get(secret);
  if (!keys) {
    keys = new Map();
    made.set(secret, keys);
  }
  let key = keys.get(userId);
  if (key === undefined) {
    if (keys.size >= MAX_MADE) keys.clear();
    key = `${mac(secret, userId)}${userId}`;
    keys.set(userId, key);
  }
  return key;
}

/** The user a key belongs to, or undefined for a key this server did not make. */
export function userOfAccessKey(secret: Buffer, key: string): number | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const userId = Number(m[2]);
  const want = Buffer.from(mac(secret, userId), 'hex');
  const got = Buffer.from(m[1] as string, 'hex');
  return timingSafeEqual(want, got) ? userId : undefined;
}
