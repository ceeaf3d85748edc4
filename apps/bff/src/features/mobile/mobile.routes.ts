import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import { mobileState, setMobile } from './mobile.service';

export const mobileToggleSchema = z
  .object({ enabled: z.boolean({ message: 'enabled must be true or false' }) })
  .strict();

export function mobileRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/site:config');
  return new Hono<AppEnv>()
    .get('/', guard, async (c) => c.json(await mobileState(deps), 200))
    .post('/', guard, validate('json', mobileToggleSchema), async (c) =>
      c.json(await setMobile(deps, c.req.valid('json').enabled, c.get('actor')), 200),
    );
}
