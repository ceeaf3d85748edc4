import { userBulkSuspendSchema, userCreateSchema, userListQuerySchema, userUpdateSchema } from '@gatehouse/shared';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import { bulkSuspendUsers, createUser, deleteUser, getUser, listUsers, toUserDto, updateUser } from './users.service';

export function userRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .get('/', requireCap(deps, 'moodle/user:viewdetails'), validate('query', userListQuerySchema), async (c) =>
      c.json(await listUsers(deps, c.req.valid('query')), 200),
    )
    .post('/', requireCap(deps, 'moodle/user:create'), validate('json', userCreateSchema), async (c) => {
      const user = await createUser(deps, c.req.valid('json'), c.get('actor'), !!c.get('user')?.siteAdmin);
      return c.json(toUserDto(user), 201);
    })
    .post('/suspend', requireCap(deps, 'moodle/user:update'), validate('json', userBulkSuspendSchema), async (c) =>
      c.json(await bulkSuspendUsers(deps, c.req.valid('json'), c.get('actor'), c.get('user')), 200),
    )
    .get('/:id', requireCap(deps, 'moodle/user:viewdetails'), validate('param', idParam), async (c) =>
      c.json(toUserDto(await getUser(deps, c.req.valid('param').id)), 200),
    )
    .patch(
      '/:id',
      requireCap(deps, 'moodle/user:update'),
      validate('param', idParam),
      validate('json', userUpdateSchema),
      async (c) => {
        const user = await updateUser(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor'), {
          actorIsAdmin: !!c.get('user')?.siteAdmin,
          sessionHash: c.get('sessionHash'),
          by: c.get('user'),
        });
        return c.json(toUserDto(user), 200);
      },
    )
    .delete('/:id', requireCap(deps, 'moodle/user:delete'), validate('param', idParam), async (c) =>
      c.json(toUserDto(await deleteUser(deps, c.req.valid('param').id, c.get('actor'), c.get('user'))), 200),
    )
    .get('/:id/capabilities', requireCap(deps, 'moodle/role:review'), validate('param', idParam), async (c) => {
      const user = await getUser(deps, c.req.valid('param').id);
      return c.json(
        {
          user: toUserDto(user),
          roles: deps.authz.rolesOf(user).map((r) => ({ id: r.id, name: r.name, shortname: r.shortname })),
          checks: deps.authz.checkAll(user),
        },
        200,
      );
    });
}
