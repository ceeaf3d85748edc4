import { timingSafeEqual } from 'node:crypto';
import { ipRestrictionAllows, type Protocol } from '@gatehouse/shared';
import type { Deps } from '../deps';
import { findAuthorisation, functionNamesOf } from '../features/services/services.repo';
import { hashesEqual, hashToken, TOKEN_PATTERN, tokenLooksValid } from '../features/tokens/token-secret';
import { findTokenWithParties } from '../features/tokens/tokens.repo';
import { findTokenByHash, type TokenParties } from './access.repo';
import type { ServiceFunctions, TokenAccess } from './access-cache';
import { invalidParameter, MoodleException } from './exceptions';
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
  // webservice/lib.php authenticate_user(): moodle_exception('wsaccessuserunconfirmed', 'webservice', '', $user->username).
  usernotconfirmed: [
    'moodle_exception',
    'wsaccessuserunconfirmed',
    'Refused web service access for unconfirmed username: {$a}',
  ],
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
    /** What Moodle's message names ({$a}: a username). */
    a?: string,
  ) {
    const [cls, code, template] = ACCESS_FAILURES[reason];
    const text = a === undefined ? template : template.replace('{$a}', a);
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

/**
 * A token the caller already holds by id, not by secret: the console's "Try it", which runs a
 * signed-in user's own key through the same chain without the browser ever seeing the secret.
 */
export type TokenRef = string | { id: number; ownerId: number };

// The chain reads its state (TokenAccess) through the cache, which holds it until a write names
// it: `cachedToken(deps, ref) ?? (await loadToken(deps, ref))`, so that a warm call awaits
// nothing, then the checks below, which are synchronous.

/**
 * The last token each connection sent, with its hash: a client on a kept-alive connection sends
 * the same token call after call, and the HMAC was the largest part of a warm access check. Kept
 * with the connection (a socket: gone with it), never in a process-wide table of secrets. The
 * token is compared in constant time, since a proxy may carry several clients' requests on one
 * connection; the hash is a pure function of the token, so a match can only give back the hash
 * of the very token sent.
 */
const connectionTokens = new WeakMap<object, { secret: Buffer; token: Buffer; hash: string }>();
/** Room for a token (TOKEN_PATTERN: 52 ASCII characters), to compare without allocating. */
const scratch = Buffer.alloc(64);

/** A token's hash (a well-formed token: TOKEN_PATTERN), remembered for the connection it came on. */
function tokenHash(deps: Deps, token: string, connection: object | undefined): string {
  if (connection === undefined) return hashToken(deps.tokenSecret, token);
  const memo = connectionTokens.get(connection);
  if (memo !== undefined && memo.secret === deps.tokenSecret && memo.token.length === token.length) {
    const n = scratch.write(token, 'latin1');
    if (timingSafeEqual(scratch.subarray(0, n), memo.token)) return memo.hash;
  }
  const hash = hashToken(deps.tokenSecret, token);
  connectionTokens.set(connection, { secret: deps.tokenSecret, token: Buffer.from(token, 'latin1'), hash });
  return hash;
}

/**
 * A token's access from the cache, or undefined when it must be read (loadToken). `connection`
 * (the request's socket) lets a kept-alive client's repeated token skip the hash.
 */
export function cachedToken(deps: Deps, ref: TokenRef | undefined, connection?: object): TokenAccess | undefined {
  if (typeof ref !== 'string' || !TOKEN_PATTERN.test(ref)) return undefined;
  const hash = tokenHash(deps, ref, connection);
  const hit = deps.access.token(hash);
  // Found by the hash it was kept under (loadToken compared the stored hash in constant time
  // before keeping it): this comparison only guards the cache's keying, and the lookup has
  // already told equal from unequal.
  return hit !== undefined && hit.t.tokenHash === hash ? hit : undefined;
}

/**
 * A token's access read from the database (and cached, for a secret): undefined when there is
 * no such token, or a Try-it key is not the owner's own visible one.
 */
export async function loadToken(
  deps: Deps,
  ref: TokenRef | undefined,
  connection?: object,
): Promise<TokenAccess | undefined> {
  if (ref === undefined) return undefined;
  const stamp = deps.access.stamp();
  if (typeof ref !== 'string') {
    const row = await findTokenWithParties(deps.store.db, ref.id);
    return row && row.t.userId === ref.ownerId && !row.t.hidden ? accessOf(deps, row, stamp) : undefined;
  }
  // The checksum spares the database a read for a mistyped or made-up token; a token in the
  // cache was read (and so checked) before, so a warm call skips it.
  if (!TOKEN_PATTERN.test(ref) || !tokenLooksValid(ref)) return undefined;
  const hash = tokenHash(deps, ref, connection);
  const row = await findTokenByHash(deps.store.db, hash);
  if (!row || !hashesEqual(row.t.tokenHash, hash)) return undefined;
  const access = await accessOf(deps, row, stamp);
  deps.access.keepToken(hash, access, stamp);
  return access;
}

/** The rest of a token's access: its service's functions and, on a restricted service, the owner's authorisation. */
async function accessOf(deps: Deps, { t, u, s }: TokenParties, stamp: number): Promise<TokenAccess> {
  const functions = deps.access.serviceFunctions(s.id) ?? (await loadFunctions(deps, s.id, stamp));
  const authorisation = s.restrictedUsers ? ((await findAuthorisation(deps.store.db, s.id, u.id)) ?? null) : null;
  const service: CallService = {
    id: s.id,
    shortname: s.shortname,
    name: s.name,
    downloadFiles: s.downloadFiles,
    uploadFiles: s.uploadFiles,
    functions: functions.list,
  };
  return { t, u, s, functions, authorisation, service };
}

async function loadFunctions(deps: Deps, serviceId: number, stamp: number): Promise<ServiceFunctions> {
  const list = await functionNamesOf(deps.store.db, serviceId);
  const functions = { list, set: new Set(list) };
  deps.access.keepFunctions(serviceId, functions, stamp);
  return functions;
}

/** Each protocol's use capability, named once rather than on every call. */
const PROTOCOL_USE: Record<Protocol, string> = {
  rest: 'webservice/rest:use',
  xmlrpc: 'webservice/xmlrpc:use',
  soap: 'webservice/soap:use',
  amf: 'webservice/amf:use',
};

/**
 * The token part of the chain (token found → … → protocol use capability), shared by every
 * protocol and by the WSDL, which is generated per token. `found` is what cachedToken or
 * loadToken found for the request's token.
 */
export function checkToken(
  deps: Deps,
  /** null for the file scripts (upload.php, pluginfile.php), which no protocol capability guards, as in Moodle. */
  protocol: Protocol | null,
  found: TokenAccess | undefined,
  ip: string,
): TokenAccess {
  if (!found) throw new AccessDenied('invalidtoken');
  const { t, u } = found;
  const now = deps.now();
  if (t.validUntil !== null && t.validUntil < now) throw new AccessDenied('tokenexpired');
  if (!ipRestrictionAllows(t.ipRestriction, ip)) throw new AccessDenied('tokeniprestricted', `IP ${ip || 'unknown'}`);
  if (u.deleted) throw new AccessDenied('userdeleted', `username ${u.username}`);
  if (deps.settings.flag('maintenance_enabled') && !deps.authz.has(u, 'moodle/site:maintenanceaccess')) {
    throw new AccessDenied('sitemaintenance');
  }
  if (!u.confirmed) throw new AccessDenied('usernotconfirmed', undefined, u.username);
  if (u.suspended) throw new AccessDenied('usersuspended', `username ${u.username}`);
  if (u.passwordExpired) throw new AccessDenied('passwordexpired', `username ${u.username}`);
  if (u.auth === 'nologin') throw new AccessDenied('nologin', `username ${u.username}`);
  if (protocol !== null && !deps.authz.has(u, PROTOCOL_USE[protocol])) {
    throw new AccessDenied('protocolcapability', `missing capability: ${PROTOCOL_USE[protocol]}`);
  }
  return found;
}

/** The service part of the chain, for a function (or for every function, when building a WSDL). */
export function checkService(deps: Deps, found: TokenAccess, ip: string): CallService {
  const { u: user, s } = found;
  if (!s.enabled) throw new AccessDenied('servicedisabled', `service ${s.shortname}`);
  if (s.requiredCapability && !deps.authz.has(user, s.requiredCapability)) {
    throw new AccessDenied('servicecapability', `missing capability: ${s.requiredCapability}`);
  }
  if (s.restrictedUsers) {
    const a = found.authorisation;
    if (!a) throw new AccessDenied('usernotauthorised', `service ${s.shortname}`);
    if (a.validUntil !== null && a.validUntil < deps.now()) throw new AccessDenied('authorisationexpired');
    if (!ipRestrictionAllows(a.ipRestriction, ip))
      throw new AccessDenied('authorisationiprestricted', `IP ${ip || 'unknown'}`);
  }
  return found.service;
}

/** The function part of the chain: it exists, it is in the token's service, and the service lets the user in. */
export function checkFunction(
  deps: Deps,
  found: TokenAccess,
  functionName: string,
  ip: string,
): { fn: ExternalFunction; service: CallService } {
  // webservice/lib.php load_function_info(): `if (empty($this->functionname))`, so "0" too.
  if (functionName === '' || functionName === '0') throw invalidParameter('Missing function name');
  const fn = deps.catalogue.get(functionName);
  if (!fn) throw new AccessDenied('functionnotfound', `function ${functionName}`);
  if (!found.functions.set.has(fn.name)) throw new AccessDenied('functionnotinservice', `function ${fn.name}()`);
  return { fn, service: checkService(deps, found, ip) };
}
