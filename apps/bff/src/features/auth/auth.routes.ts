import { loginSchema, type MeDto } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Deps } from '../../context';
import { users } from '../../db/schema';
import { HttpError } from '../../lib/http-error';
import { checkPassword } from '../../lib/password';
import { validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { writeAudit } from '../audit/audit.service';
import { requireUser } from './guards';
import { cookieName, createSession, endSession, sessionHash } from './sessions';

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

export function authRoutes(deps: Deps) {
  const { db } = deps.store;
  const name = cookieName(deps.env.cookieSecure);
  return new Hono<AppEnv>()
    .post('/login', validate('json', loginSchema), async (c) => {
      const { username, password } = c.req.valid('json');
      const uname = username.toLowerCase();
      const ip = c.get('actor').ip;
      const wait = Math.max(deps.limits.loginByUser.retryAfter(uname), deps.limits.loginByIp.retryAfter(ip));
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new HttpError(
          429,
          'toomanyattempts',
          `Too many failed logins. Try again in ${Math.ceil(wait / 60)} minute(s).`,
        );
      }
      // Counted before the (slow) password check, so parallel guesses cannot slip past the limit;
      // taken back when the password is right.
      deps.limits.loginByUser.fail(uname);
      deps.limits.loginByIp.fail(ip);
      const user = db.select().from(users).where(eq(users.username, uname)).get();
      const ok = await checkPassword(user && !user.deleted ? user.passwordHash : undefined, password);
      if (!user || !ok) {
        writeAudit(
          db,
          { id: null, username: uname, ip },
          {
            action: 'auth.login_failed',
            targetType: 'user',
            targetId: user?.id,
            summary: `Failed login for "${uname}"`,
          },
        );
        throw new HttpError(401, 'invalidlogin', INVALID);
      }
      if (user.isGuest) throw new HttpError(403, 'noguest', 'The guest account cannot sign in to the console');
      if (user.suspended) throw new HttpError(403, 'suspended', 'Your account is suspended');
      if (user.auth === 'nologin') throw new HttpError(403, 'nologin', 'This account may not sign in');
      if (user.auth === 'webservice') {
        throw new HttpError(
          403,
          'webserviceauth',
          'This account uses web services authentication and cannot sign in to the console',
        );
      }
      if (!user.confirmed) throw new HttpError(403, 'usernotconfirmed', 'Your account has not been confirmed yet');
      if (user.passwordExpired) {
        throw new HttpError(
          403,
          'passwordexpired',
          'Your password has expired. Ask an administrator to set a new one.',
        );
      }
      deps.limits.loginByUser.reset(uname);
      deps.limits.loginByIp.undo(ip);
      // A new id at every login (no fixation): any session the browser presented is ended.
      const old = getCookie(c, name);
      if (old) endSession(db, sessionHash(old));
      const id = createSession(deps, user.id, { ip, userAgent: c.req.header('user-agent') ?? '' });
      db.update(users).set({ lastlogin: deps.now() }).where(eq(users.id, user.id)).run();
      writeAudit(
        db,
        { id: user.id, username: user.username, ip },
        { action: 'auth.login', targetType: 'user', targetId: user.id, summary: `${user.username} signed in` },
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
    .post('/logout', async (c) => {
      const hash = c.get('sessionHash');
      const user = c.get('user');
      if (hash) endSession(db, hash);
      if (user)
        writeAudit(db, c.get('actor'), {
          action: 'auth.logout',
          targetType: 'user',
          targetId: user.id,
          summary: `${user.username} signed out`,
        });
      deleteCookie(c, name, { path: '/', secure: deps.env.cookieSecure });
      return c.json({ ok: true as const }, 200);
    })
    .get('/me', requireUser, (c) => c.json(meOf(deps, c.get('user')!), 200));
}
