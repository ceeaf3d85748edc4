import {
  authorisedUsersAddSchema,
  authorisedUserUpdateSchema,
  serviceCreateSchema,
  serviceFunctionsAddSchema,
  serviceUpdateSchema,
} from '@gatehouse/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { idParam, pathId, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import {
  addAuthorisedUsers,
  addServiceFunctions,
  createService,
  deleteService,
  functionSummary,
  getService,
  listAuthorisedUsers,
  listServiceFunctions,
  listServices,
  removeAuthorisedUser,
  removeServiceFunction,
  updateAuthorisedUser,
  updateService,
} from './services.service';

const userParam = idParam.extend({ userId: pathId('Invalid user id') });
const fnParam = idParam.extend({ name: z.string().min(1).max(200) });

export function serviceRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/site:config');
  return new Hono<AppEnv>()
    .get('/functions', guard, (c) => c.json(deps.catalogue.all.map(functionSummary), 200))
    .get('/', guard, async (c) => c.json(await listServices(deps), 200))
    .post('/', guard, validate('json', serviceCreateSchema), async (c) =>
      c.json(await createService(deps, c.req.valid('json'), c.get('actor')), 201),
    )
    .get('/:id', guard, validate('param', idParam), async (c) =>
      c.json(await getService(deps, c.req.valid('param').id), 200),
    )
    .patch('/:id', guard, validate('param', idParam), validate('json', serviceUpdateSchema), async (c) =>
      c.json(await updateService(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 200),
    )
    .delete('/:id', guard, validate('param', idParam), async (c) =>
      c.json(await deleteService(deps, c.req.valid('param').id, c.get('actor')), 200),
    )
    .get('/:id/functions', guard, validate('param', idParam), async (c) =>
      c.json(await listServiceFunctions(deps, c.req.valid('param').id), 200),
    )
    .post('/:id/functions', guard, validate('param', idParam), validate('json', serviceFunctionsAddSchema), async (c) =>
      c.json(
        await addServiceFunctions(deps, c.req.valid('param').id, c.req.valid('json').functions, c.get('actor')),
        201,
      ),
    )
    .delete('/:id/functions/:name', guard, validate('param', fnParam), async (c) => {
      const p = c.req.valid('param');
      await removeServiceFunction(deps, p.id, p.name, c.get('actor'));
      return c.json({ ok: true as const }, 200);
    })
    .get('/:id/users', guard, validate('param', idParam), async (c) =>
      c.json(await listAuthorisedUsers(deps, c.req.valid('param').id), 200),
    )
    .post('/:id/users', guard, validate('param', idParam), validate('json', authorisedUsersAddSchema), async (c) => {
      await addAuthorisedUsers(deps, c.req.valid('param').id, c.req.valid('json').userIds, c.get('actor'));
      return c.json({ ok: true as const }, 201);
    })
    .patch(
      '/:id/users/:userId',
      guard,
      validate('param', userParam),
      validate('json', authorisedUserUpdateSchema),
      async (c) => {
        const p = c.req.valid('param');
        await updateAuthorisedUser(deps, p.id, p.userId, c.req.valid('json'), c.get('actor'));
        return c.json((await listAuthorisedUsers(deps, p.id)).find((a) => a.user.id === p.userId) ?? null, 200);
      },
    )
    .delete('/:id/users/:userId', guard, validate('param', userParam), async (c) => {
      const p = c.req.valid('param');
      return c.json(await removeAuthorisedUser(deps, p.id, p.userId, c.get('actor')), 200);
    });
}
