import { ipAllowed, type Protocol } from '@gatehouse/shared';
import { and, asc, eq } from 'drizzle-orm';
import {
  externalServiceFunctions,
  externalServices,
  externalServiceUsers,
  externalTokens,
  type UserRow,
  users,
} from '../db/schema';
import type { Deps } from '../deps';
import { hashesEqual, hashToken, TOKEN_PATTERN, tokenLooksValid } from '../features/tokens/token-secret';
import { MoodleException } from './exceptions';
import type { CallService, ExternalFunction } from './types';

/** Thrown when the protocol is disabled: the server answers 403 with an empty body, as Moodle does. */
export class ProtocolDisabled extends Error {}

/**
 * Every way the access-check chain can refuse, in the order it checks. `code` is Gatehouse's
 * own reason code (kept with the token's last error and shown in debug info); the exception
 * class, Moodle error code and message are Moodle's, so Moodle clients react as they would.
 */
const ACCESS_FAILURES = {
  webservicesdisabled: [
    'webservice_access_exception',
    'accessexception',
    'Web services are disabled (enable them in Site administration > Advanced features)',
  ],
  invalidtoken: ['moodle_exception', 'invalidtoken', 'Invalid token - token not found'],
  tokenexpired: [
    'webservice_access_exception',
    'accessexception',
    'Invalid token - token expired - check validuntil time for the token',
  ],
  tokeniprestricted: [
    'webservice_access_exception',
    'accessexception',
    'Invalid token - IP is not supported by the token IP restriction',
  ],
  userdeleted: ['webservice_access_exception', 'accessexception', 'Refused web service access for a deleted user'],
  sitemaintenance: [
    'moodle_exception',
    'sitemaintenance',
    'The site is undergoing maintenance and is currently not available',
  ],
  usernotconfirmed: ['moodle_exception', 'usernotconfirmed', 'User is not confirmed'],
  usersuspended: ['webservice_access_exception', 'accessexception', 'Refused web service access for a suspended user'],
  passwordexpired: [
    'webservice_access_exception',
    'accessexception',
    'Refused web service access: the password has expired',
  ],
  nologin: [
    'webservice_access_exception',
    'accessexception',
    'Refused web service access: the user authentication is set to nologin',
  ],
  protocolcapability: [
    'webservice_access_exception',
    'accessexception',
    'You are not allowed to use this protocol (missing the protocol use capability)',
  ],
  functionnotfound: [
    'dml_missing_record_exception',
    'invalidrecord',
    "Can't find data record in database table external_functions.",
  ],
  functionnotinservice: [
    'webservice_access_exception',
    'accessexception',
    'Access to the function is not allowed: the service of this token does not contain it',
  ],
  servicedisabled: [
    'webservice_access_exception',
    'accessexception',
    'Access to the function is not allowed: the service is disabled',
  ],
  servicecapability: [
    'webservice_access_exception',
    'accessexception',
    'The service requires a capability the user does not have',
  ],
  usernotauthorised: [
    'webservice_access_exception',
    'accessexception',
    'The user is not an authorised user of this restricted service',
  ],
  authorisationexpired: [
    'webservice_access_exception',
    'accessexception',
    'Invalid service - service expired - check validuntil time for this allowed user',
  ],
  authorisationiprestricted: [
    'webservice_access_exception',
    'accessexception',
    'Invalid service - IP is not supported - check this allowed user',
  ],
} as const satisfies Record<string, readonly [string, string, string]>;

export type AccessFailure = keyof typeof ACCESS_FAILURES;

/** An access refusal: Moodle's exception, with Gatehouse's reason code and the details for debug info. */
export class AccessDenied extends MoodleException {
  constructor(
    readonly reason: AccessFailure,
    detail?: string,
  ) {
    const [cls, code, text] = ACCESS_FAILURES[reason];
    // Moodle's access exception says only "Access control exception"; the reason is debug info.
    const message = cls === 'webservice_access_exception' ? 'Access control exception' : text;
    super(cls, code, message, `${text}${detail ? ` (${detail})` : ''} [${reason}]`);
  }
}

/** Reads the token from the request: `Authorization: Bearer` (preferred) or the wstoken parameter. */
export function tokenFrom(authorization: string | undefined, wstoken: unknown): string | undefined {
  const m = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (m) return m[1];
  return typeof wstoken === 'string' && wstoken !== '' ? wstoken : undefined;
}

/**
 * Checked first by every protocol server, before reading the request: a disabled protocol on a
 * site with web services on answers 403 with an empty body, as Moodle does.
 */
export function protocolRefused(deps: Deps, protocol: Protocol): boolean {
  return deps.settings.flag('enablewebservices') && !deps.settings.protocols().includes(protocol);
}

/** The first two links: whether the protocol answers at all. */
export function checkProtocol(deps: Deps, protocol: Protocol): void {
  if (!deps.settings.flag('enablewebservices')) throw new AccessDenied('webservicesdisabled');
  if (!deps.settings.protocols().includes(protocol)) throw new ProtocolDisabled();
}

function tokenQuery(deps: Deps) {
  return deps.store.db
    .select({ t: externalTokens, u: users, s: externalServices })
    .from(externalTokens)
    .innerJoin(users, eq(users.id, externalTokens.userId))
    .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId));
}

function lookupToken(deps: Deps, token: string) {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const hash = hashToken(deps.tokenSecret, token);
  // The checksum spares the database a read for a mistyped or made-up token; a token already in
  // the cache was read (and so checked) before, so a warm call skips it.
  const row = deps.access.token(hash, () =>
    tokenLooksValid(token) ? tokenQuery(deps).where(eq(externalTokens.tokenHash, hash)).get() : undefined,
  );
  return row && hashesEqual(row.t.tokenHash, hash) ? row : undefined;
}

/**
 * A token the caller already holds by id, not by secret: the console's "Try it", which runs a
 * signed-in user's own key through the same chain without the browser ever seeing the secret.
 */
export type TokenRef = string | { id: number; ownerId: number };

export function findToken(deps: Deps, ref: TokenRef | undefined) {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return lookupToken(deps, ref);
  const row = tokenQuery(deps).where(eq(externalTokens.id, ref.id)).get();
  return row && row.t.userId === ref.ownerId && !row.t.hidden ? row : undefined;
}

function serviceFunctions(deps: Deps, serviceId: number) {
  return (
    deps.access.functions(serviceId, () => {
      // Read here, synchronously, as the rest of the chain (services.repo.ts has the async read).
      const list = deps.store.db
        .select({ name: externalServiceFunctions.functionName })
        .from(externalServiceFunctions)
        .where(eq(externalServiceFunctions.serviceId, serviceId))
        .orderBy(asc(externalServiceFunctions.functionName))
        .all()
        .map((r) => r.name);
      return { list, set: new Set(list) };
    }) ?? NO_FUNCTIONS
  );
}

const NO_FUNCTIONS: { list: string[]; set: ReadonlySet<string> } = { list: [], set: new Set() };

/**
 * The token part of the chain (token found → … → protocol use capability), shared by every
 * protocol and by the WSDL, which is generated per token.
 */
export function checkToken(deps: Deps, protocol: Protocol, token: TokenRef | undefined, ip: string) {
  const found = findToken(deps, token);
  if (!found) throw new AccessDenied('invalidtoken');
  const { t, u } = found;
  const now = deps.now();
  if (t.validUntil !== null && t.validUntil < now) throw new AccessDenied('tokenexpired');
  if (!ipAllowed(t.ipRestriction, ip)) throw new AccessDenied('tokeniprestricted', `IP ${ip || 'unknown'}`);
  if (u.deleted) throw new AccessDenied('userdeleted', `username ${u.username}`);
  if (deps.settings.flag('maintenance_enabled') && !deps.authz.has(u, 'moodle/site:maintenanceaccess')) {
    throw new AccessDenied('sitemaintenance');
  }
  if (!u.confirmed) throw new AccessDenied('usernotconfirmed', `username ${u.username}`);
  if (u.suspended) throw new AccessDenied('usersuspended', `username ${u.username}`);
  if (u.passwordExpired) throw new AccessDenied('passwordexpired', `username ${u.username}`);
  if (u.auth === 'nologin') throw new AccessDenied('nologin', `username ${u.username}`);
  if (!deps.authz.has(u, `webservice/${protocol}:use`)) {
    throw new AccessDenied('protocolcapability', `missing capability: webservice/${protocol}:use`);
  }
  return found;
}

/** The service part of the chain, for a function (or for every function, when building a WSDL). */
export function checkService(
  deps: Deps,
  user: UserRow,
  s: typeof externalServices.$inferSelect,
  ip: string,
): CallService {
  if (!s.enabled) throw new AccessDenied('servicedisabled', `service ${s.shortname}`);
  if (s.requiredCapability && !deps.authz.has(user, s.requiredCapability)) {
    throw new AccessDenied('servicecapability', `missing capability: ${s.requiredCapability}`);
  }
  if (s.restrictedUsers) {
    const a = deps.access.authorisation(
      `${s.id}:${user.id}`,
      () =>
        deps.store.db
          .select()
          .from(externalServiceUsers)
          .where(and(eq(externalServiceUsers.serviceId, s.id), eq(externalServiceUsers.userId, user.id)))
          .get() ?? null,
    );
    if (!a) throw new AccessDenied('usernotauthorised', `service ${s.shortname}`);
    if (a.validUntil !== null && a.validUntil < deps.now()) throw new AccessDenied('authorisationexpired');
    if (!ipAllowed(a.ipRestriction, ip)) throw new AccessDenied('authorisationiprestricted', `IP ${ip || 'unknown'}`);
  }
  return {
    id: s.id,
    shortname: s.shortname,
    name: s.name,
    downloadFiles: s.downloadFiles,
    uploadFiles: s.uploadFiles,
    functions: serviceFunctions(deps, s.id).list,
  };
}

/** The function part of the chain: it exists, it is in the token's service, and the service lets the user in. */
export function checkFunction(
  deps: Deps,
  found: { u: UserRow; s: typeof externalServices.$inferSelect },
  functionName: string,
  ip: string,
): { fn: ExternalFunction; service: CallService } {
  const fn = deps.catalogue.get(functionName);
  if (!fn) throw new AccessDenied('functionnotfound', `function ${functionName || '(none)'}`);
  if (!serviceFunctions(deps, found.s.id).set.has(fn.name))
    throw new AccessDenied('functionnotinservice', `function ${fn.name}()`);
  return { fn, service: checkService(deps, found.u, found.s, ip) };
}
