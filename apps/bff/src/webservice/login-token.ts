import { ipRestrictionAllows } from '@gatehouse/shared';
import { type Context, Hono } from 'hono';
import type { Deps } from '../deps';
import { MOBILE_SERVICE } from '../features/services/builtin';
import { findAuthorisation, findServiceByShortname } from '../features/services/services.repo';
import { issueLoginToken } from '../features/tokens/tokens.service';
import { findUserByUsername, type UserRow } from '../features/users/users.repo';
import { checkPassword } from '../lib/password';
import type { AppEnv } from '../types';
import { ParamsError, rawRequest, readParams } from './params';

/**
 * Logins that each mint a token would pile them up: keep this many per user and service (the
 * ones used most recently). Moodle hands back the user's existing token instead; Gatehouse
 * stores only hashes, so it cannot, and each login issues a new one.
 */
export const MAX_LOGIN_TOKENS = 20;

/**
 * JSON as PHP's json_encode writes it by default: "/" as "\/" and every character outside
 * ASCII as a \u escape (lowercase hex, UTF-16 units), so the bytes are Moodle's.
 */
export function phpJson(value: unknown): string {
  return JSON.stringify(value).replace(/[/\u0080-\uffff]/g, (ch) =>
    ch === '/' ? '\\/' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * An error as Moodle's AJAX scripts answer it (lib/outputrenderers.php, core_renderer_ajax::
 * fatal_error, through lib/setuplib.php's default_exception_handler and get_exception_info):
 * {"error", "errorcode", "stacktrace", "debuginfo", "reproductionlink"}, the last three null
 * unless debugging is at developer level. There debuginfo is the exception's with
 * "\nError code: <errorcode>" appended (get_exception_info) and reproductionlink the site's
 * address; the stack trace stays null (no stack trace leaves the server).
 */
function loginErrorBody(deps: Deps, errorcode: string, message: string): string {
  const developer = deps.settings.get('debug') === 'developer';
  return phpJson({
    error: message,
    errorcode,
    stacktrace: null,
    // No refusal here carries debug information of its own: what Moodle appends is all there is.
    debuginfo: developer ? `\nError code: ${errorcode}` : null,
    reproductionlink: developer ? `${deps.env.wwwroot}/` : null,
  });
}

function loginJson(c: Context<AppEnv>, body: string, status: 200 | 404 | 429) {
  return c.body(body, status, { 'Content-Type': 'application/json; charset=utf-8' });
}

/** A script under /login/ that does not exist: a 404 in login/token.php's error shape. */
export function loginNotFound(deps: Deps, c: Context<AppEnv>): Response {
  return loginJson(c, loginErrorBody(deps, 'filenotfound', 'Sorry, the requested file could not be found'), 404);
}

/** PHP's (int) of a request parameter (optional_param(…, PARAM_INT)): "1", " 2", "1e3" are not 0; "abc" is. */
function phpInt(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value) || 0;
  if (typeof value !== 'string') return 0;
  const m = /^[ \t\n\r\v\f]*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(value);
  return m ? Math.trunc(Number(m[1])) || 0 : 0;
}

class LoginError extends Error {
  constructor(
    readonly errorcode: string,
    message: string,
    readonly status: 200 | 429 = 200,
  ) {
    super(message);
  }
}

/**
 * POST /login/token.php: Moodle's token endpoint. Same parameters, the same checks in the same
 * order, the same answers ({"token", "privatetoken"}, {"appsitecheck": "ok"} or Moodle's error
 * shape, loginErrorBody), and HTTP 200 for refusals as Moodle does, except 429 when failed
 * logins are rate limited.
 */
export function loginTokenRoutes(deps: Deps) {
  const { db } = deps.store;
  return new Hono<AppEnv>().all('/', async (c) => {
    try {
      if (c.req.method !== 'POST' && c.req.method !== 'GET') throw new LoginError('invalidrequest', 'Use POST');
      const params = await readParams(rawRequest(c), { maxDepth: 2 });
      if (!deps.settings.flag('enablewebservices')) {
        throw new LoginError('enablewsdescription', 'Web services must be enabled in Advanced features.');
      }
      // The mobile app's site check: the site is there and its web services are on. Nothing else.
      if (phpInt(params.appsitecheck) !== 0) return loginJson(c, '{"appsitecheck":"ok"}', 200);
      const str = (k: string) => (typeof params[k] === 'string' ? (params[k] as string) : '');
      // As Moodle's required_param() cleans them (fix_utf8: NUL bytes are deleted), which also
      // keeps U+0000 away from the database (PostgreSQL's text refuses it) and the login limits.
      const username = str('username').replaceAll('\0', '').trim().toLowerCase();
      const password = str('password').replaceAll('\0', '');
      const serviceName = str('service');
      if (!username || !password || !serviceName) {
        throw new LoginError('missingparam', 'A required parameter (username, password or service) was missing');
      }
      if (!/^[a-zA-Z0-9_-]+$/.test(serviceName))
        throw new LoginError('invalidparameter', 'Invalid parameter value detected');
      const ip = c.get('actor').ip;
      // The console's failed-login limits (one set for both logins), checked before the slow hash.
      const gate = await deps.limits.login.begin(username, ip);
      if (!gate.ok) {
        c.header('Retry-After', String(gate.retryAfter));
        throw new LoginError(
          'toomanyattempts',
          `Too many failed logins. Try again in ${Math.ceil(gate.retryAfter / 60)} minute(s).`,
          429,
        );
      }
      // Credentials: unknown, deleted, suspended, nologin and web-service-auth accounts all fail
      // alike (the last use tokens an administrator made), after the same hash check.
      let user: UserRow | undefined;
      let ok = false;
      try {
        user = await findUserByUsername(db, username);
        const usable = user && !user.deleted && !user.suspended && user.auth === 'manual';
        ok = await checkPassword(usable ? user?.passwordHash : undefined, password);
      } catch (err) {
        await gate.attempt.failed();
        throw err;
      }
      if (!user || !ok) {
        await gate.attempt.failed();
        throw new LoginError('invalidlogin', 'Invalid login, please try again');
      }
      // The right password: not a failure. The address is known-good when the account may log in.
      await gate.attempt.succeeded({ trusted: !user.isGuest && user.confirmed && !user.passwordExpired });
      if (deps.settings.flag('maintenance_enabled') && !deps.authz.has(user, 'moodle/site:maintenanceaccess')) {
        throw new LoginError('sitemaintenance', 'The site is undergoing maintenance and is currently not available');
      }
      if (user.isGuest) throw new LoginError('noguest', 'Guest users cannot get a web service token');
      if (!user.confirmed) throw new LoginError('usernotconfirmed', `Could not confirm ${user.username}`);
      if (user.passwordExpired)
        throw new LoginError('passwordisexpired', 'Your password has expired. Please change it now.');
      const service = await findServiceByShortname(db, serviceName);
      if (!service?.enabled || service.protected) {
        throw new LoginError(
          'servicenotavailable',
          "Web service is not available (it doesn't exist or might be disabled)",
        );
      }
      if (service.requiredCapability && !deps.authz.has(user, service.requiredCapability)) {
        throw new LoginError('missingrequiredcapability', `The capability ${service.requiredCapability} is required.`);
      }
      if (service.restrictedUsers) {
        const a = await findAuthorisation(db, service.id, user.id);
        if (!a) {
          throw new LoginError(
            'usernotallowed',
            `The user is not allowed for this service. First you need to allow this user on the ${service.shortname}'s allowed users administration page.`,
          );
        }
        if (a.validUntil !== null && a.validUntil < deps.now())
          throw new LoginError('invalidtimedtoken', 'Invalid token - token expired');
        if (!ipRestrictionAllows(a.ipRestriction, ip))
          throw new LoginError('invalidiptoken', 'Invalid token - your IP is not supported');
      }
      const mayCreate =
        (service.shortname === MOBILE_SERVICE && deps.authz.has(user, 'moodle/webservice:createmobiletoken')) ||
        (!user.siteAdmin && deps.authz.has(user, 'moodle/webservice:createtoken'));
      if (!mayCreate) {
        throw new LoginError(
          'cannotcreatetoken',
          `No permission to create web service token for the service ${service.shortname}.`,
        );
      }
      const secret = await issueLoginToken(deps, { user, service, ip }, MAX_LOGIN_TOKENS);
      return loginJson(c, phpJson({ token: secret, privatetoken: null }), 200);
    } catch (err) {
      if (err instanceof LoginError) return loginJson(c, loginErrorBody(deps, err.errorcode, err.message), err.status);
      if (err instanceof ParamsError) return loginJson(c, loginErrorBody(deps, 'invalidparameter', err.message), 200);
      throw err;
    }
  });
}
