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
    .get('/', guard, (c) => c.json(listServices(deps), 200))
    .post('/', guard, validate('json', serviceCreateSchema), (c) =>
      c.json(createService(deps, c.req.valid('json'), c.get('actor')), 201),
    )
    .get('/:id', guard, validate('param', idParam), (c) => c.json(getService(deps, c.req.valid('param').id), 200))
    .patch('/:id', guard, validate('param', idParam), validate('json', serviceUpdateSchema), (c) =>
      c.json(updateService(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor')), 200),
    )
    .delete('/:id', guard, validate('param', idParam), (c) =>
      c.json(deleteService(deps, c.req.valid('param').id, c.get('actor')), 200),
    )
    .get('/:id/functions', guard, validate('param', idParam), (c) =>
      c.json(listServiceFunctions(deps, c.req.valid('param').id), 200),
    )
    .post('/:id/functions', guard, validate('param', idParam), validate('json', serviceFunctionsAddSchema), (c) =>
      c.json(addServiceFunctions(deps, c.req.valid('param').id, c.req.valid('json').functions, c.get('actor')), 201),
    )
    .delete('/:id/functions/:name', guard, validate('param', fnParam), (c) => {
      const p = c.req.valid('param');
      removeServiceFunction(deps, p.id, p.name, c.get('actor'));
      return c.json({ ok: true as const }, 200);
    })
    .get('/:id/users', guard, validate('param', idParam), (c) =>
      c.json(listAuthorisedUsers(deps, c.req.valid('param').id), 200),
    )
    .post('/:id/users', guard, validate('param', idParam), validate('json', authorisedUsersAddSchema), (c) => {
      addAuthorisedUsers(deps, c.req.valid('param').id, c.req.valid('json').userIds, c.get('actor'));
      return c.json({ ok: true as const }, 201);
    })
    .patch(
      '/:id/users/:userId',
      guard,
      validate('param', userParam),
      validate('json', authorisedUserUpdateSchema),
      (c) => {
        const p = c.req.valid('param');
        updateAuthorisedUser(deps, p.id, p.userId, c.req.valid('json'), c.get('actor'));
        return c.json(listAuthorisedUsers(deps, p.id).find((a) => a.user.id === p.userId) ?? null, 200);
      },
    )
    .delete('/:id/users/:userId', guard, validate('param', userParam), (c) => {
      const p = c.req.valid('param');
      return c.json(removeAuthorisedUser(deps, p.id, p.userId, c.get('actor')), 200);
    });
}
