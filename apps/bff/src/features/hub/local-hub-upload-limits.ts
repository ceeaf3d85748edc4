import { clientKey } from '@gatehouse/shared';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Deps } from '../../deps';
import { limitersFor } from '../../lib/rate-limit';

// upload.php reads the whole file before it can check the token (Moodle's curl body puts the
// token after the file), so what an anonymous sender can make the server do is bounded by its
// address (IPv6 by /64, as the registration limits): a few uploads at a time, and so many an
// hour. Every request counts, accepted or refused: the sender pays for the work it asks for.
// In memory, per app, as the hub's registration limits (hub-limits.ts).

export const HUB_UPLOAD_LIMITS = {
  /** Uploads one address may have in progress at once. */
  concurrentPerAddress: 2,
  /**
   * Uploads one address may start an hour. A Moodle site sends one backup and up to 10
   * screenshots for each course it publishes, and publishes at most the hub's maximum a day.
   */
  perAddressPerHour: 120,
} as const;

const HOUR = 3600;

interface UploadLimiters {
  /** Shared by every node on PostgreSQL (the database), in memory on SQLite. */
  perHour: RateLimiterAbstract;
  /** Uploads running on this node: guards its own memory and disk, so it stays per node. */
  inProgress: Map<string, number>;
}

const byApp = new WeakMap<Deps, UploadLimiters>();

function limiters(deps: Deps): UploadLimiters {
  let l = byApp.get(deps);
  if (!l) {
    l = {
      perHour: limitersFor(deps.store)({
        keyPrefix: 'hubupload-ip',
        points: HUB_UPLOAD_LIMITS.perAddressPerHour,
        duration: HOUR,
      }),
      inProgress: new Map(),
    };
    byApp.set(deps, l);
  }
  return l;
}

/** Why an upload was not started: the message, and the seconds after which the sender may try again. */
export interface UploadRefusal {
  message: string;
  retryAfter: number;
}

/**
 * Counts one upload from the address and takes one of its places for uploads in progress.
 * Returns the function that gives the place back (call it once the upload is over, however it
 * ended), or the refusal when the address has used up its hour or its places.
 */
export async function startUpload(deps: Deps, ip: string): Promise<{ done: () => void } | UploadRefusal> {
  const l = limiters(deps);
  const key = clientKey(ip);
  try {
    await l.perHour.consume(key);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
    return {
      message: `Too many uploads from your address: at most ${HUB_UPLOAD_LIMITS.perAddressPerHour} an hour; try again in ${Math.ceil(retryAfter / 60)} minute(s)`,
      retryAfter,
    };
  }
  const running = l.inProgress.get(key) ?? 0;
  if (running >= HUB_UPLOAD_LIMITS.concurrentPerAddress) {
    return {
      message: `Too many uploads at once from your address: at most ${HUB_UPLOAD_LIMITS.concurrentPerAddress} at a time; try again when one has finished`,
      retryAfter: 5,
    };
  }
  l.inProgress.set(key, running + 1);
  let released = false;
  return {
    done: () => {
      if (released) return;
      released = true;
      const n = (l.inProgress.get(key) ?? 1) - 1;
      if (n > 0) l.inProgress.set(key, n);
      else l.inProgress.delete(key);
    },
  };
}
