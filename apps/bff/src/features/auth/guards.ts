import { CSRF_HEADER } from '@gatehouse/shared';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Deps } from '../../deps';
import { DomainError, forbidden } from '../../lib/errors';
import type { AppEnv, SignedInEnv, UserRow } from '../../types';
import { cookieName, resolveSession } from './sessions';

export const SITE_MAINTENANCE = 'The site is undergoing maintenance and is currently not available';
/** What a session may still do during maintenance without maintenance access: leave, or sign in as someone else. */
const MAINTENANCE_OPEN = /^\/api\/auth\/(login|logout|expired-password)$/;

/**
 * Loads the session user (if any) and records who acts, for the audit log. During maintenance
 * the session of a user without moodle/site:maintenanceaccess is refused (kept for later).
 */
export function sessionMiddleware(deps: Deps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const id = getCookie(c, cookieName(deps.env.cookieSecure));
    const found = id ? await resolveSession(deps, id) : undefined;
    const ip = c.get('actor')?.ip ?? '';
    c.set('user', found?.user);
    c.set('sessionHash', found?.hash);
    c.set('actor', { id: found?.user.id ?? null, username: found?.user.username ?? 'anonymous', ip });
    if (
      found &&
      deps.settings.flag('maintenance_enabled') &&
      !deps.authz.has(found.user, 'moodle/site:maintenanceaccess') &&
      !(c.req.method === 'POST' && MAINTENANCE_OPEN.test(c.req.path))
    ) {
      throw new DomainError('sitemaintenance', SITE_MAINTENANCE);
    }
    await next();
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for the cookie-authenticated console API: every state-changing request must carry
 * the custom header (a cross-site form cannot set it, and a cross-site fetch with it needs a CORS
 * preflight that is never granted), and must not come from another site by Fetch Metadata or
 * Origin. Origin is compared with the public URL (GATEHOUSE_WWWROOT), never with the Host header,
 * which the client chooses.
 */
export function csrfGuard(origins: Set<string>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      if (site && site !== 'same-origin' && site !== 'none') {
        throw new DomainError('csrf', 'Cross-site request refused');
      }
      const origin = c.req.header('origin');
      if (origin !== undefined && !origins.has(origin)) {
        throw new DomainError(
          'csrf',
          `Cross-site request refused: the page's origin ${origin.slice(0, 200)} is not this site's address (GATEHOUSE_WWWROOT)`,
        );
      }
      if (c.req.header(CSRF_HEADER) !== '1') {
        throw new DomainError('csrf', `Missing the ${CSRF_HEADER} header: request refused`);
      }
    }
    await next();
  });
}

/**
 * Route guard: a signed-in user. Routes behind it read `c.get('user')` as a `UserRow` (the env
 * type below narrows it), so no handler needs a non-null assertion.
 */
export const requireUser = createMiddleware<SignedInEnv>(async (c, next) => {
  if (!(c.get('user') as UserRow | undefined)) throw new DomainError('unauthenticated', 'You are not signed in');
  await next();
});

/** Route guard: the signed-in user must hold the capability (site admins hold all). */
export function requireCap(deps: Deps, capability: string) {
  return createMiddleware<SignedInEnv>(async (c, next) => {
    const user = c.get('user') as UserRow | undefined;
    if (!user) throw new DomainError('unauthenticated', 'You are not signed in');
    if (!deps.authz.has(user, capability)) {
      throw forbidden(`You need the capability ${capability} to do this`);
    }
    await next();
  });
}
