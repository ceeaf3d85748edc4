import { usageQuerySchema } from '@gatehouse/shared';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import { serviceUsage, siteUsage, tokenUsage } from './usage.service';

/**
 * Web-service usage for the charts, authorised as the pages that show them: the token page
 * (Manage tokens), the service edit page and the Overview (site configuration).
 */
export function usageRoutes(deps: Deps) {
  const tokens = requireCap(deps, 'moodle/webservice:managealltokens');
  const site = requireCap(deps, 'moodle/site:config');
  return new Hono<AppEnv>()
    .get('/tokens/:id/usage', tokens, validate('param', idParam), validate('query', usageQuerySchema), async (c) =>
      c.json(await tokenUsage(deps, c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .get('/services/:id/usage', site, validate('param', idParam), validate('query', usageQuerySchema), async (c) =>
      c.json(await serviceUsage(deps, c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .get('/usage', site, validate('query', usageQuerySchema), async (c) =>
      c.json(await siteUsage(deps, c.req.valid('query')), 200),
    );
}
