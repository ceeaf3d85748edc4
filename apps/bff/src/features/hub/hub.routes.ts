import {
  HUB_SITE_ACTIONS,
  hubCourseBulkSchema,
  hubCourseListQuerySchema,
  hubCourseUpdateSchema,
  hubOutboxQuerySchema,
  hubSearchQuerySchema,
  hubSettingsPatchSchema,
  hubSiteDeleteQuerySchema,
  hubSiteListQuerySchema,
  hubSiteUpdateSchema,
} from '@gatehouse/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../context';
import { HttpError } from '../../lib/http-error';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import { readHubConfig } from './hub-config';
import { courseAction, getCourseDto, listCourses, updateCourse, visitorSearch } from './hub-courses.service';
import { hubSettingsDto, saveHubSettings } from './hub-settings.service';
import { publicTokenSecret } from './hub-setup';
import { deleteSite, getSiteDto, listOutbox, listSites, siteAction, updateSiteSettings } from './hub-sites.service';

const siteActionParam = idParam.extend({ action: z.enum(HUB_SITE_ACTIONS) });
const courseActionParam = idParam.extend({ action: z.enum(['show', 'hide']) });

/**
 * Site administration > Hub: settings, Manage sites, Manage courses (local/hub:manage, which
 * site administrators hold), and the visitors' search, which needs no sign-in.
 */
export function hubRoutes(deps: Deps) {
  const manage = requireCap(deps, 'local/hub:manage');
  return (
    new Hono<AppEnv>()
      .get('/settings', manage, (c) => c.json(hubSettingsDto(deps), 200))
      .patch('/settings', manage, validate('json', hubSettingsPatchSchema), async (c) =>
        c.json(await saveHubSettings(deps, c.req.valid('json'), c.get('actor')), 200),
      )
      // ---- Manage sites
      .get('/sites', manage, validate('query', hubSiteListQuerySchema), (c) =>
        c.json(listSites(deps, c.req.valid('query')), 200),
      )
      .get('/sites/:id', manage, validate('param', idParam), (c) =>
        c.json(getSiteDto(deps, c.req.valid('param').id), 200),
      )
      .patch('/sites/:id', manage, validate('param', idParam), validate('json', hubSiteUpdateSchema), (c) =>
        c.json(updateSiteSettings(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 200),
      )
      .post('/sites/:id/:action', manage, validate('param', siteActionParam), (c) => {
        const p = c.req.valid('param');
        return c.json(siteAction(deps, p.id, p.action, c.get('actor')), 200);
      })
      .delete('/sites/:id', manage, validate('param', idParam), validate('query', hubSiteDeleteQuerySchema), (c) =>
        c.json(
          deleteSite(deps, c.req.valid('param').id, c.req.valid('query').withCourses === '1', c.get('actor')),
          200,
        ),
      )
      .get('/outbox', manage, validate('query', hubOutboxQuerySchema), (c) =>
        c.json(listOutbox(deps, c.req.valid('query')), 200),
      )
      // ---- Manage courses
      .get('/courses', manage, validate('query', hubCourseListQuerySchema), (c) =>
        c.json(listCourses(deps, c.req.valid('query')), 200),
      )
      .post('/courses/bulk', manage, validate('json', hubCourseBulkSchema), (c) => {
        const b = c.req.valid('json');
        return c.json(courseAction(deps, b.ids, b.action, c.get('actor')), 200);
      })
      .get('/courses/:id', manage, validate('param', idParam), (c) =>
        c.json(getCourseDto(deps, c.req.valid('param').id), 200),
      )
      .patch('/courses/:id', manage, validate('param', idParam), validate('json', hubCourseUpdateSchema), (c) =>
        c.json(updateCourse(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 200),
      )
      .post('/courses/:id/:action', manage, validate('param', courseActionParam), (c) => {
        const p = c.req.valid('param');
        courseAction(deps, [p.id], p.action, c.get('actor'));
        return c.json(getCourseDto(deps, p.id), 200);
      })
      .delete('/courses/:id', manage, validate('param', idParam), (c) => {
        courseAction(deps, [c.req.valid('param').id], 'delete', c.get('actor'));
        return c.json({ ok: true as const }, 200);
      })
      // ---- The hub's front page search: anyone, when the hub is public
      .get('/search', validate('query', hubSearchQuerySchema), (c) =>
        c.json(visitorSearch(deps, c.req.valid('query')), 200),
      )
  );
}

/**
 * GET /local/hub/publictoken.php: the hub's public token, which a site needs to call
 * hub_register_site. Published on purpose (like a publishable key), and only while the hub is on.
 */
export function hubPublicTokenRoutes(deps: Deps) {
  return new Hono<AppEnv>().get('/', (c) => {
    if (!readHubConfig(deps.store.db).enabled) {
      throw new HttpError(404, 'hubdisabled', 'There is no hub on this site (the hub is not enabled)');
    }
    const token = publicTokenSecret(deps);
    if (!token) {
      throw new HttpError(503, 'nopublictoken', 'The hub has no public token: disable and enable the hub again');
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ token }, 200);
  });
}
