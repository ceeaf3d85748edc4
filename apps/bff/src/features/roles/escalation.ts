import type { Permission } from '@gatehouse/shared';
import type { UserRow } from '../../db/rows';
import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import { AUTHENTICATED_ROLE, GUEST_ROLE } from './authz';

// The no-escalation rules of the console: a user who is not a site administrator can never use
// a console route to end up with (or act as someone with) a capability they do not hold.
// `by` is the signed-in console user; undefined means a trusted caller (the CLI, the system),
// which these rules do not limit.

const LISTED = 8;

/** "a, b, c" for a few capabilities, "a, b, … and 12 more" for many: messages stay readable. */
function list(caps: string[]): string {
  if (caps.length <= LISTED) return caps.join(', ');
  return `${caps.slice(0, LISTED).join(', ')} and ${caps.length - LISTED} more`;
}

const refuse = (message: string, fields?: Record<string, string>) => new DomainError('forbidden', message, fields);

/** The capabilities the target holds and the actor does not. */
function capabilitiesBeyond(deps: Deps, actor: UserRow, target: UserRow): string[] {
  const held = new Set(deps.authz.capabilitiesOf(actor));
  return deps.authz.capabilitiesOf(target).filter((c) => !held.has(c));
}

/**
 * A console user may act on another user's account (edit it, delete it, create or delete its
 * tokens) only when the target holds no capability the actor lacks; only a site administrator
 * may act on a site administrator. Oneself is always allowed (the routes' own rules apply).
 * `doing` completes "You cannot …", e.g. "change" or "create a token for".
 */
export function assertNotStronger(
  deps: Deps,
  by: UserRow | undefined,
  target: UserRow,
  doing: string,
  field?: string,
): void {
  if (!by || by.siteAdmin || by.id === target.id) return;
  const fields = (msg: string) => (field ? { [field]: msg } : undefined);
  if (target.siteAdmin) {
    const msg = `Only site administrators can ${doing} a site administrator`;
    throw refuse(msg, fields(msg));
  }
  const beyond = capabilitiesBeyond(deps, by, target);
  if (beyond.length) {
    const msg = `You cannot ${doing} ${target.username}: they hold capabilities you do not have (${list(beyond)})`;
    throw refuse(msg, fields(msg));
  }
}

const isAutomatic = (shortname: string) => shortname === AUTHENTICATED_ROLE || shortname === GUEST_ROLE;

/** A capability's setting in a role: allowed, prohibited, or not set (absent from the role). */
type Setting = Permission | 'notset';

/** One capability's setting before and after a change to a role. */
export interface CapabilityChange {
  capability: string;
  before: Setting;
  after: Setting;
}

/** A change raises privileges when it allows what was not allowed, or lifts a prohibit. */
const raises = (c: CapabilityChange) =>
  (c.after === 'allow' && c.before !== 'allow') || (c.before === 'prohibit' && c.after !== 'prohibit');

/**
 * Role definition: nobody but a site administrator may allow, or remove a prohibit on, a
 * capability they do not hold, on any role; and changing the capabilities of the automatic roles
 * (Authenticated user, which every signed-in user holds, and Guest) needs moodle/site:config.
 */
export function assertMayDefineRole(
  deps: Deps,
  by: UserRow | undefined,
  role: { shortname: string; name: string } | undefined,
  changes: CapabilityChange[],
): void {
  if (!by || by.siteAdmin || !changes.length) return;
  if (role && isAutomatic(role.shortname) && !deps.authz.has(by, 'moodle/site:config')) {
    throw refuse(`Changing the capabilities of the ${role.name} role needs the capability moodle/site:config`);
  }
  const beyond = changes.filter((c) => raises(c) && !deps.authz.has(by, c.capability)).map((c) => c.capability);
  if (beyond.length) {
    throw refuse(`You cannot allow, or remove a prohibit on, capabilities you do not have: ${list(beyond)}`);
  }
}

/**
 * Deleting a role, or removing it from a user, lifts its prohibits: refused when it prohibits a
 * capability the actor does not hold (the prohibit may be the very reason they lack it).
 */
export function assertMayLiftProhibits(
  deps: Deps,
  by: UserRow | undefined,
  caps: Record<string, Permission>,
  doing: string,
): void {
  if (!by || by.siteAdmin) return;
  const beyond = Object.entries(caps)
    .filter(([c, p]) => p === 'prohibit' && !deps.authz.has(by, c))
    .map(([c]) => c);
  if (beyond.length) {
    throw refuse(`You cannot ${doing} a role that prohibits capabilities you do not have: ${list(beyond)}`);
  }
}
