import { settingsPatchSchema } from '@gatehouse/shared';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap, requireUser } from '../auth/guards';

export function settingsRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/site:config');
  return (
    new Hono<AppEnv>()
      .get('/', guard, (c) => c.json(deps.settings.all(), 200))
      // The console's status banner, for every signed-in user: only whether the site is in
      // maintenance mode or shows developer debug messages, never the settings' values.
      .get('/status', requireUser, (c) =>
        c.json(
          {
            maintenance: deps.settings.flag('maintenance_enabled'),
            developerDebugging: deps.settings.get('debug') === 'developer',
          },
          200,
        ),
      )
      .patch('/', guard, validate('json', settingsPatchSchema), async (c) => {
        const changes = await deps.settings.apply(c.req.valid('json'), c.get('actor'));
        return c.json({ settings: deps.settings.all(), changes }, 200);
      })
  );
}
