import {
  HUB_SITE_ACTIONS,
  hubCourseBulkSchema,
  hubCourseListQuerySchema,
  hubCourseUpdateSchema,
  hubOutboxQuerySchema,
  hubSearchQuerySchema,
  hubSettingsPatchSchema,
  hubSiteBulkSchema,
  hubSiteDeleteQuerySchema,
  hubSiteListQuerySchema,
  hubSiteUpdateSchema,
} from '@gatehouse/shared';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import { verifyPassword } from '../../lib/password';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { MoodleException } from '../../webservice/exceptions';
import { requireCap } from '../auth/guards';
import { hubPasswordHash, readHubConfig } from './hub-config';
import { type ConsoleHubFile, consoleBackup, consoleScreenshot, deleteCourseFile, streamOf } from './hub-course-files';
import { courseAction, getCourseDto, listCourses, updateCourse, visitorSearch } from './hub-courses.service';
import { addressRetryAfter, countAddressAttempt } from './hub-limits';
import { hubSettingsDto, saveHubSettings } from './hub-settings.service';
import { publicTokenSecret } from './hub-setup';
import {
  deleteSite,
  deleteSites,
  getSiteDto,
  listOutbox,
  listSites,
  markSecretStolen,
  siteAction,
  updateSiteSettings,
} from './hub-sites.service';

const siteActionParam = idParam.extend({ action: z.enum(HUB_SITE_ACTIONS) });
const courseActionParam = idParam.extend({ action: z.enum(['show', 'hide']) });
const screenshotParam = idParam.extend({
  number: z.coerce
    .number({ message: 'A screenshot number, 1 to 10' })
    .int()
    .min(1)
    .max(10, 'A screenshot number, 1 to 10'),
});
const screenshotQuery = z.object({ size: z.enum(['thumbnail', 'original']).default('thumbnail') });

/**
 * A course's file as Manage courses shows it: never cached without asking (an administrator may
 * delete it, or the site replace it), revalidated by its content hash; sandboxed, never sniffed.
 */
function sendCourseFile(ifNoneMatch: string | undefined, deps: Deps, f: ConsoleHubFile): Response {
  const h = new Headers({
    'Content-Type': f.mimetype,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cache-Control': 'private, no-cache',
    ETag: `"${f.hash}${f.kind === 'image' ? '-150' : ''}"`,
  });
  if (ifNoneMatch === h.get('ETag')) return new Response(null, { status: 304, headers: h });
  if (f.kind === 'image') {
    h.set('Content-Disposition', 'inline; filename="thumbnail"');
    h.set('Content-Length', String(f.body.length));
    return new Response(new Uint8Array(f.body), { status: 200, headers: h });
  }
  h.set('Content-Disposition', `${f.attachment ? 'attachment' : 'inline'}; filename="${f.filename}"`);
  h.set('Content-Length', String(f.size));
  return new Response(f.size === 0 ? '' : streamOf(deps, f.hash), { status: 200, headers: h });
}

/**
 * Site administration > Hub: settings, Manage sites, Manage courses (local/hub:manage, which
 * site administrators hold), and the visitors' search, which needs no sign-in.
 */
export function hubRoutes(deps: Deps) {
  const manage = requireCap(deps, 'local/hub:manage');
  return (
    new Hono<AppEnv>()
      .get('/settings', manage, async (c) => c.json(await hubSettingsDto(deps), 200))
      .patch('/settings', manage, validate('json', hubSettingsPatchSchema), async (c) =>
        c.json(await saveHubSettings(deps, c.req.valid('json'), c.get('actor')), 200),
      )
      // ---- Manage sites
      .get('/sites', manage, validate('query', hubSiteListQuerySchema), async (c) =>
        c.json(await listSites(deps, c.req.valid('query')), 200),
      )
      .post('/sites/bulk', manage, validate('json', hubSiteBulkSchema), async (c) =>
        c.json(await deleteSites(deps, c.req.valid('json'), c.get('actor')), 200),
      )
      .get('/sites/:id', manage, validate('param', idParam), async (c) =>
        c.json(await getSiteDto(deps, c.req.valid('param').id), 200),
      )
      .patch('/sites/:id', manage, validate('param', idParam), validate('json', hubSiteUpdateSchema), async (c) =>
        c.json(await updateSiteSettings(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 200),
      )
      .post('/sites/:id/secret-stolen', manage, validate('param', idParam), async (c) =>
        c.json(await markSecretStolen(deps, c.req.valid('param').id, c.get('actor')), 200),
      )
      .post('/sites/:id/:action', manage, validate('param', siteActionParam), async (c) => {
        const p = c.req.valid('param');
        return c.json(await siteAction(deps, p.id, p.action, c.get('actor')), 200);
      })
      .delete(
        '/sites/:id',
        manage,
        validate('param', idParam),
        validate('query', hubSiteDeleteQuerySchema),
        async (c) =>
          c.json(
            await deleteSite(deps, c.req.valid('param').id, c.req.valid('query').withCourses === '1', c.get('actor')),
            200,
          ),
      )
      .get('/outbox', manage, validate('query', hubOutboxQuerySchema), async (c) =>
        c.json(await listOutbox(deps, c.req.valid('query')), 200),
      )
      // ---- Manage courses
      .get('/courses', manage, validate('query', hubCourseListQuerySchema), async (c) =>
        c.json(await listCourses(deps, c.req.valid('query')), 200),
      )
      .post('/courses/bulk', manage, validate('json', hubCourseBulkSchema), async (c) => {
        const b = c.req.valid('json');
        return c.json(await courseAction(deps, b.ids, b.action, c.get('actor')), 200);
      })
      .get('/courses/:id', manage, validate('param', idParam), async (c) =>
        c.json(await getCourseDto(deps, c.req.valid('param').id), 200),
      )
      .patch('/courses/:id', manage, validate('param', idParam), validate('json', hubCourseUpdateSchema), async (c) =>
        c.json(await updateCourse(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 200),
      )
      // A course's screenshots and backup (upload.php stores them), hidden courses too.
      .get(
        '/courses/:id/screenshots/:number',
        manage,
        validate('param', screenshotParam),
        validate('query', screenshotQuery),
        async (c) => {
          const p = c.req.valid('param');
          return sendCourseFile(
            c.req.header('if-none-match'),
            deps,
            await consoleScreenshot(deps, p.id, p.number, c.req.valid('query').size),
          );
        },
      )
      .delete('/courses/:id/screenshots/:number', manage, validate('param', screenshotParam), async (c) => {
        const p = c.req.valid('param');
        await deleteCourseFile(deps, p.id, { screenshot: p.number }, c.get('actor'));
        return c.json(await getCourseDto(deps, p.id), 200);
      })
      .delete('/courses/:id/screenshots', manage, validate('param', idParam), async (c) => {
        const { id } = c.req.valid('param');
        await deleteCourseFile(deps, id, { screenshot: 'all' }, c.get('actor'));
        return c.json(await getCourseDto(deps, id), 200);
      })
      .get('/courses/:id/backup', manage, validate('param', idParam), async (c) =>
        sendCourseFile(c.req.header('if-none-match'), deps, await consoleBackup(deps, c.req.valid('param').id)),
      )
      .delete('/courses/:id/backup', manage, validate('param', idParam), async (c) => {
        const { id } = c.req.valid('param');
        await deleteCourseFile(deps, id, { backup: true }, c.get('actor'));
        return c.json(await getCourseDto(deps, id), 200);
      })
      .post('/courses/:id/:action', manage, validate('param', courseActionParam), async (c) => {
        const p = c.req.valid('param');
        await courseAction(deps, [p.id], p.action, c.get('actor'));
        return c.json(await getCourseDto(deps, p.id), 200);
      })
      .delete('/courses/:id', manage, validate('param', idParam), async (c) => {
        await courseAction(deps, [c.req.valid('param').id], 'delete', c.get('actor'));
        return c.json({ ok: true as const }, 200);
      })
      // ---- The hub's front page search: anyone, when the hub is public
      .get('/search', validate('query', hubSearchQuerySchema), async (c) =>
        c.json(await visitorSearch(deps, c.req.valid('query')), 200),
      )
  );
}

/** The password a site sends to publictoken.php: a form field or a JSON member. */
async function postedPassword(c: Context<AppEnv>): Promise<string> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  try {
    if (type === 'application/json') {
      const body = (await c.req.json()) as { password?: unknown } | null;
      return typeof body?.password === 'string' ? body.password : '';
    }
    if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
      const body = await c.req.parseBody();
      return typeof body.password === 'string' ? body.password : '';
    }
  } catch {
    throw new DomainError('invalid', 'Send the hub password as a form field or JSON member "password"');
  }
  return '';
}

/**
 * /local/hub/publictoken.php: the hub's public token, which a site needs to call
 * hub_register_site and, on a public hub, hub_get_info and hub_get_courses. A public hub
 * publishes it (like a publishable key) to anyone: GET. A private hub publishes no public token:
 * GET is refused, and only a site that has the hub password gets it (POST password=…), to
 * register with; its public service refuses everything else (see the hub functions). Password
 * tries are limited per address, as registrations are.
 */
export function hubPublicTokenRoutes(deps: Deps) {
  const answer = async (c: Context<AppEnv>) => {
    const token = await publicTokenSecret(deps);
    if (!token) {
      throw new DomainError('nopublictoken', 'The hub has no public token: disable and enable the hub again');
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ token }, 200);
  };
  const hubOn = async () => {
    const hub = await readHubConfig(deps.store.db);
    if (!hub.enabled) {
      throw new DomainError('hubdisabled', 'There is no hub on this site (the hub is not enabled)');
    }
    return hub;
  };
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      if ((await hubOn()).privacy === 'private') {
        throw new DomainError(
          'hubprivate',
          'This hub is private: it publishes no public token. A site that has the hub password sends it (POST password=…) to get the token it registers with.',
        );
      }
      return answer(c);
    })
    .post(
      '/',
      bodyLimit({
        maxSize: 4096,
        onError: () => {
          throw new DomainError('toolarge', 'The request body is too large');
        },
      }),
      async (c) => {
        if ((await hubOn()).privacy !== 'private') return answer(c);
        const ip = c.get('actor').ip;
        const password = await postedPassword(c);
        try {
          await countAddressAttempt(deps, ip);
        } catch (e) {
          if (!(e instanceof MoodleException)) throw e;
          c.header('Retry-After', String(await addressRetryAfter(deps, ip)));
          throw new DomainError('toomanyattempts', 'Too many attempts from your address: try again later');
        }
        const hash = await hubPasswordHash(deps.store.db);
        if (!password || password.length > 200 || !hash || !(await verifyPassword(hash, password))) {
          throw new DomainError('wronghubpassword', 'Wrong hub password');
        }
        return answer(c);
      },
    );
}
