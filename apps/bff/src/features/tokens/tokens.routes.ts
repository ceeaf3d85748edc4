import { tokenCreateSchema, tokenListQuerySchema, tokenRevokeSchema, tokenUpdateSchema } from '@gatehouse/shared';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { notFound } from '../../lib/errors';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv, UserRow } from '../../types';
import { explainTokenAccess } from '../../webservice/call';
import { requireCap, requireUser } from '../auth/guards';
import { ensureOwnKeys, listOwnKeys, resetOwnKey } from './security-keys';
import {
  createAdminToken,
  deleteToken,
  getTokenDto,
  listTokens,
  regenerateToken,
  revokeTokens,
  tokenServices,
  updateTokenSettings,
} from './tokens.service';

/** Manage tokens (administrators and holders of moodle/webservice:managealltokens). */
export function tokenRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/webservice:managealltokens');
  return new Hono<AppEnv>()
    .get('/', guard, validate('query', tokenListQuerySchema), async (c) =>
      c.json(await listTokens(deps, c.req.valid('query')), 200),
    )
    .get('/services', guard, async (c) => c.json(await tokenServices(deps), 200))
    .post('/', guard, validate('json', tokenCreateSchema), async (c) =>
      c.json(
        await createAdminToken(deps, c.req.valid('json'), c.get('actor'), !!c.get('user')?.siteAdmin, c.get('user')),
        201,
      ),
    )
    .post('/revoke', guard, validate('json', tokenRevokeSchema), async (c) =>
      c.json(await revokeTokens(deps, c.req.valid('json'), c.get('actor'), c.get('user')), 200),
    )
    .get('/:id', guard, validate('param', idParam), async (c) =>
      c.json(await getTokenDto(deps, c.req.valid('param').id), 200),
    )
    .get('/:id/access', guard, validate('param', idParam), async (c) => {
      const token = await getTokenDto(deps, c.req.valid('param').id);
      const access = await explainTokenAccess(deps, token.id, token.user.id);
      if (!access) throw notFound('Token');
      return c.json(access, 200);
    })
    .patch('/:id', guard, validate('param', idParam), validate('json', tokenUpdateSchema), async (c) =>
      c.json(
        await updateTokenSettings(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor'), c.get('user')),
        200,
      ),
    )
    .post('/:id/regenerate', guard, validate('param', idParam), async (c) =>
      c.json(await regenerateToken(deps, c.req.valid('param').id, c.get('actor'), c.get('user')), 200),
    )
    .delete('/:id', guard, validate('param', idParam), async (c) => {
      await deleteToken(deps, c.req.valid('param').id, c.get('actor'), { by: c.get('user') });
      return c.json({ ok: true as const }, 200);
    });
}

/** Preferences > Security keys: every signed-in user, their own keys only. */
export function securityKeyRoutes(deps: Deps) {
  const page = async (user: UserRow, created: { id: number; secret: string; service: string }[]) => ({
    keys: await listOwnKeys(deps, user),
    documentationEnabled: deps.settings.flag('enablewsdocumentation'),
    created,
  });
  return new Hono<AppEnv>()
    .use(requireUser)
    .get('/', async (c) => c.json(await page(c.get('user'), []), 200))
    .post('/ensure', async (c) =>
      c.json(await page(c.get('user'), await ensureOwnKeys(deps, c.get('user'), c.get('actor'))), 200),
    )
    .post('/:id/reset', validate('param', idParam), async (c) =>
      c.json(await resetOwnKey(deps, c.get('user'), c.req.valid('param').id, c.get('actor')), 200),
    );
}
