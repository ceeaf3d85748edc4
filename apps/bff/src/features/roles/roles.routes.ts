import { CAPABILITIES, roleAssignSchema, roleCreateSchema, roleUpdateSchema } from '@gatehouse/shared';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { idParam, pathId, validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import {
  assignRole,
  createRole,
  deleteRole,
  getRole,
  listAssignments,
  listRoles,
  unassignRole,
  updateRole,
} from './roles.service';

const assignParam = idParam.extend({ userId: pathId('Invalid user id') });

export function roleRoutes(deps: Deps) {
  const manage = requireCap(deps, 'moodle/role:manage');
  const assign = requireCap(deps, 'moodle/role:assign');
  return new Hono<AppEnv>()
    .get('/capabilities', requireCap(deps, 'moodle/role:review'), (c) => c.json(CAPABILITIES, 200))
    .get('/', requireCap(deps, 'moodle/role:review'), async (c) => c.json(await listRoles(deps), 200))
    .post('/', manage, validate('json', roleCreateSchema), async (c) =>
      c.json(await createRole(deps, c.req.valid('json'), c.get('actor'), c.get('user')), 201),
    )
    .get('/:id', requireCap(deps, 'moodle/role:review'), validate('param', idParam), async (c) =>
      c.json(await getRole(deps, c.req.valid('param').id), 200),
    )
    .patch('/:id', manage, validate('param', idParam), validate('json', roleUpdateSchema), async (c) =>
      c.json(await updateRole(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor'), c.get('user')), 200),
    )
    .delete('/:id', manage, validate('param', idParam), async (c) => {
      await deleteRole(deps, c.req.valid('param').id, c.get('actor'), c.get('user'));
      return c.json({ ok: true as const }, 200);
    })
    .get('/:id/assignments', assign, validate('param', idParam), async (c) =>
      c.json(await listAssignments(deps, c.req.valid('param').id), 200),
    )
    .post('/:id/assignments', assign, validate('param', idParam), validate('json', roleAssignSchema), async (c) => {
      await assignRole(deps, c.req.valid('param').id, c.req.valid('json').userId, c.get('actor'), c.get('user'));
      return c.json({ ok: true as const }, 201);
    })
    .delete('/:id/assignments/:userId', assign, validate('param', assignParam), async (c) => {
      const p = c.req.valid('param');
      await unassignRole(deps, p.id, p.userId, c.get('actor'), c.get('user'));
      return c.json({ ok: true as const }, 200);
    });
}
