import { Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import { overview } from './overview.service';

export function overviewRoutes(deps: Deps) {
  return new Hono<AppEnv>().get('/', requireCap(deps, 'moodle/site:config'), async (c) =>
    c.json(await overview(deps), 200),
  );
}
