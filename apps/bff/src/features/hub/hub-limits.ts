import { clientKey } from '@gatehouse/shared';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Deps } from '../../deps';
import { limitersFor } from '../../lib/rate-limit';
import { moodleError } from '../../webservice/exceptions';

// Anonymous registration with the hub, limited: every attempt from one client address counts
// (a taken URL, a wrong hub password and a success alike: the address pays for the work it asks
// for, argon2 included), and the hub as a whole takes only so many new sites an hour and a day
// (successes only, so that refused attempts cannot use up the hub's budget). In memory, per
// app: one server process serves the hub; a restart forgets, which errs towards letting
// legitimate sites in.

export const HUB_REGISTRATION_LIMITS = {
  /** Registration attempts (and hub-password tries at publictoken.php) per address an hour. */
  perAddress: 10,
  /** New sites the hub takes an hour, from all addresses together. */
  hubPerHour: 50,
  /** New sites the hub takes a day, from all addresses together. */
  hubPerDay: 200,
} as const;

const HOUR = 3600;
const DAY = 24 * HOUR;

interface HubLimiters {
  perAddress: RateLimiterAbstract;
  hubHour: RateLimiterAbstract;
  hubDay: RateLimiterAbstract;
}

// One set per app (tests build many apps in one process): keyed by the app's Deps, so that
// nothing outside the hub feature has to know about them.
const byApp = new WeakMap<Deps, HubLimiters>();

function limiters(deps: Deps): HubLimiters {
  let l = byApp.get(deps);
  if (!l) {
    const { perAddress, hubPerHour, hubPerDay } = HUB_REGISTRATION_LIMITS;
    // In memory on SQLite (one process); in the database, shared by every node, on PostgreSQL.
    const make = limitersFor(deps.store);
    l = {
      perAddress: make({ keyPrefix: 'hubreg-ip', points: perAddress, duration: HOUR }),
      hubHour: make({ keyPrefix: 'hubreg-hour', points: hubPerHour, duration: HOUR }),
      hubDay: make({ keyPrefix: 'hubreg-day', points: hubPerDay, duration: DAY }),
    };
    byApp.set(deps, l);
  }
  return l;
}

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

/**
 * Counts one attempt from the address, and refuses it (a Moodle exception, which every protocol
 * reports in its own shape) when the address has used up its budget.
 */
export async function countAddressAttempt(deps: Deps, ip: string): Promise<void> {
  try {
    await limiters(deps).perAddress.consume(clientKey(ip));
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw moodleError(
      'toomanyregistrations',
      'Too many registration attempts from your address: try again later',
      `At most ${HUB_REGISTRATION_LIMITS.perAddress} attempts an hour from one address; try again in ${minutes(e.msBeforeNext)} minute(s)`,
    );
  }
}

/** Seconds until the address may try again (0: it may now), without counting an attempt. */
export async function addressRetryAfter(deps: Deps, ip: string): Promise<number> {
  const res = await limiters(deps).perAddress.get(clientKey(ip));
  if (!res || res.consumedPoints < HUB_REGISTRATION_LIMITS.perAddress) return 0;
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/**
 * Takes one place in the hub's hourly and daily budgets, before the registration is done (so
 * that concurrent registrations cannot overshoot); `release` gives it back when the
 * registration then fails.
 */
export async function reserveHubRegistration(deps: Deps): Promise<{ release: () => Promise<void> }> {
  const l = limiters(deps);
  const refuse = (e: RateLimiterRes, what: string) =>
    moodleError(
      'hubregistrationlimit',
      'This hub takes no more registrations for now: try again later',
      `At most ${what}; try again in ${minutes(e.msBeforeNext)} minute(s)`,
    );
  try {
    await l.hubHour.consume('hub');
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw refuse(e, `${HUB_REGISTRATION_LIMITS.hubPerHour} new sites an hour`);
  }
  try {
    await l.hubDay.consume('hub');
  } catch (e) {
    await l.hubHour.reward('hub');
    if (!(e instanceof RateLimiterRes)) throw e;
    throw refuse(e, `${HUB_REGISTRATION_LIMITS.hubPerDay} new sites a day`);
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await l.hubHour.reward('hub');
      await l.hubDay.reward('hub');
    },
  };
}
