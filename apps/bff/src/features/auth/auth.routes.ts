import { loginSchema, type MeDto, passwordSchema } from '@gatehouse/shared';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Deps } from '../../deps';
import { badRequest, DomainError } from '../../lib/errors';
import { requestLog } from '../../lib/log';
import { checkPassword } from '../../lib/password';
import { validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import type { UserRow } from '../users/users.repo';
import { findUserByUsername, updateUser } from '../users/users.service';
import { recordFailedLogin, signIn, signOut } from './auth.service';
import { requireUser, SITE_MAINTENANCE } from './guards';
import { cookieName } from './sessions';

function meOf(deps: Deps, user: NonNullable<AppEnv['Variables']['user']>): MeDto {
  return {
    id: user.id,
    username: user.username,
    fullname: `${user.firstname} ${user.lastname}`.trim(),
    siteAdmin: user.siteAdmin,
    capabilities: deps.authz.capabilitiesOf(user),
  };
}

const INVALID = 'Invalid login, please try again';

/** The login form again, with the new password for an expired one (the SPA builds it the same way). */
const expiredPasswordSchema = loginSchema.extend({ newPassword: passwordSchema }).strict();

/**
 * Why an account may not sign in to the console whatever its password. Each is answered exactly
 * as a wrong password is (as /login/token.php answers them): none is a state the user can act on,
 * and telling it would confirm the password.
 */
function refusedState(user: UserRow): string | undefined {
  if (user.deleted) return 'deleted';
  if (user.isGuest) return 'guest account';
  if (user.suspended) return 'suspended';
  if (user.auth !== 'manual') return `auth ${user.auth}`;
  if (!user.confirmed) return 'not confirmed';
  return undefined;
}

/**
 * Checks a console login's credentials under the failed-login limits and returns the user when
 * the password is right and the account may sign in (its password may have expired: the caller
 * decides). Every other outcome throws: 429 over a limit (with Retry-After), 401 invalidlogin for
 * a wrong password, an unknown user or a refused account alike, 503 during maintenance for a user
 * without maintenance access.
 */
async function verifyLogin(deps: Deps, c: Context<AppEnv>, username: string, password: string): Promise<UserRow> {
  const uname = username.toLowerCase();
  const ip = c.get('actor').ip;
  const gate = await deps.limits.login.begin(uname, ip);
  if (!gate.ok) {
    c.header('Retry-After', String(gate.retryAfter));
    throw new DomainError(
      'toomanyattempts',
      `Too many failed logins. Try again in ${Math.ceil(gate.retryAfter / 60)} minute(s).`,
    );
  }
  let user: UserRow | undefined;
  let refusal: string | undefined;
  let ok = false;
  try {
    user = await findUserByUsername(deps, uname);
    refusal = user && refusedState(user);
    // Unknown and refused accounts are checked against a dummy hash: the same time either way.
    ok = await checkPassword(user && !refusal ? user.passwordHash : undefined, password);
  } catch (err) {
    await gate.attempt.failed();
    throw err;
  }
  if (!user || !ok || refusal) {
    // A refused account counts as a failure too, or the limits would tell its right password.
    await gate.attempt.failed();
    // Skipped (and logged) on a full disk, where every login would otherwise answer 500.
    await recordFailedLogin(
      deps,
      requestLog(c, deps.log),
      { id: null, username: uname, ip },
      { targetId: user?.id, summary: `Failed login for "${uname}"${refusal ? ` (${refusal})` : ''}` },
    );
    throw new DomainError('invalidlogin', INVALID);
  }
  await gate.attempt.succeeded({ trusted: true });
  if (deps.settings.flag('maintenance_enabled') && !deps.authz.has(user, 'moodle/site:maintenanceaccess')) {
    throw new DomainError('sitemaintenance', SITE_MAINTENANCE);
  }
  return user;
}

export function authRoutes(deps: Deps) {
  const name = cookieName(deps.env.cookieSecure);
  return new Hono<AppEnv>()
    .post('/login', validate('json', loginSchema), async (c) => {
      const { username, password } = c.req.valid('json');
      const ip = c.get('actor').ip;
      const user = await verifyLogin(deps, c, username, password);
      // The one state the user can act on: they choose a new password (POST /expired-password).
      if (user.passwordExpired) {
        throw new DomainError('passwordexpired', 'Your password has expired. Choose a new one to sign in.');
      }
      // A new id at every login (no fixation): any session the browser presented is ended.
      // On a full disk only the session is needed (signIn holds it in memory when the database
      // refuses it); the other writes are skipped and logged.
      const id = await signIn(
        deps,
        requestLog(c, deps.log),
        user,
        { ip, userAgent: c.req.header('user-agent') ?? '' },
        getCookie(c, name),
      );
      setCookie(c, name, id, {
        httpOnly: true,
        secure: deps.env.cookieSecure,
        sameSite: 'Strict',
        path: '/',
        maxAge: deps.env.GATEHOUSE_SESSION_MAX_HOURS * 3600,
      });
      return c.json(meOf(deps, user), 200);
    })
    .post('/expired-password', validate('json', expiredPasswordSchema), async (c) => {
      // An expired password is changed with the current one, as Moodle asks at login; then the
      // user signs in with the new one.
      const { username, password, newPassword } = c.req.valid('json');
      const user = await verifyLogin(deps, c, username, password);
      if (!user.passwordExpired) {
        throw new DomainError('passwordnotexpired', 'Your password has not expired: sign in with it');
      }
      if (newPassword === password) {
        const msg = 'Choose a password different from the current one';
        throw badRequest(msg, { newPassword: msg });
      }
      await updateUser(
        deps,
        user.id,
        { password: newPassword, passwordExpired: false },
        { id: user.id, username: user.username, ip: c.get('actor').ip },
        { actorIsAdmin: user.siteAdmin },
      );
      return c.json({ ok: true as const }, 200);
    })
    .post('/logout', async (c) => {
      // On a full disk the session still ends (in memory, when it was held); the audit row is skipped.
      await signOut(deps, requestLog(c, deps.log), c.get('actor'), {
        hash: c.get('sessionHash'),
        user: c.get('user'),
      });
      deleteCookie(c, name, { path: '/', secure: deps.env.cookieSecure });
      return c.json({ ok: true as const }, 200);
    })
    .get('/me', requireUser, (c) => c.json(meOf(deps, c.get('user')), 200));
}
