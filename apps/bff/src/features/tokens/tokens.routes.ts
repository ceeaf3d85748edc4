import { tokenCreateSchema, tokenListQuerySchema } from '@gatehouse/shared';
import { asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { externalServices } from '../../db/schema';
import type { Deps } from '../../deps';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap, requireUser } from '../auth/guards';
import { ensureOwnKeys, listOwnKeys, resetOwnKey } from './security-keys';
import { createAdminToken, deleteToken, getTokenDto, listTokens } from './tokens.service';

/** Manage tokens (administrators and holders of moodle/webservice:managealltokens). */
export function tokenRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/webservice:managealltokens');
  return new Hono<AppEnv>()
    .get('/', guard, validate('query', tokenListQuerySchema), (c) =>
      c.json(listTokens(deps, c.req.valid('query')), 200),
    )
    .get('/services', guard, (c) =>
      c.json(
        deps.store.db
          .select({
            id: externalServices.id,
            name: externalServices.name,
            shortname: externalServices.shortname,
            enabled: externalServices.enabled,
            restrictedUsers: externalServices.restrictedUsers,
          })
          .from(externalServices)
          .where(eq(externalServices.protected, false))
          .orderBy(asc(externalServices.name))
          .all(),
        200,
      ),
    )
    .post('/', guard, validate('json', tokenCreateSchema), (c) =>
      c.json(
        createAdminToken(deps, c.req.valid('json'), c.get('actor'), !!c.get('user')?.siteAdmin, c.get('user')),
        201,
      ),
    )
    .get('/:id', guard, validate('param', idParam), (c) => c.json(getTokenDto(deps, c.req.valid('param').id), 200))
    .delete('/:id', guard, validate('param', idParam), (c) => {
      deleteToken(deps, c.req.valid('param').id, c.get('actor'), { by: c.get('user') });
      return c.json({ ok: true as const }, 200);
    });
}

/** Preferences > Security keys: every signed-in user, their own keys only. */
export function securityKeyRoutes(deps: Deps) {
  const page = (
    c: { get: (k: 'user') => AppEnv['Variables']['user'] },
    created: { id: number; secret: string; service: string }[],
  ) => ({
    keys: listOwnKeys(deps, c.get('user')!),
    documentationEnabled: deps.settings.flag('enablewsdocumentation'),
    created,
  });
  return new Hono<AppEnv>()
    .use(requireUser)
    .get('/', (c) => c.json(page(c, []), 200))
    .post('/ensure', (c) => c.json(page(c, ensureOwnKeys(deps, c.get('user')!, c.get('actor'))), 200))
    .post('/:id/reset', validate('param', idParam), (c) =>
      c.json(resetOwnKey(deps, c.get('user')!, c.req.valid('param').id, c.get('actor')), 200),
    );
}
