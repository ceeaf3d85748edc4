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
    .get('/', requireCap(deps, 'moodle/role:review'), (c) => c.json(listRoles(deps), 200))
    .post('/', manage, validate('json', roleCreateSchema), (c) =>
      c.json(createRole(deps, c.req.valid('json'), c.get('actor'), c.get('user')), 201),
    )
    .get('/:id', requireCap(deps, 'moodle/role:review'), validate('param', idParam), (c) =>
      c.json(getRole(deps, c.req.valid('param').id), 200),
    )
    .patch('/:id', manage, validate('param', idParam), validate('json', roleUpdateSchema), (c) =>
      c.json(updateRole(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor'), c.get('user')), 200),
    )
    .delete('/:id', manage, validate('param', idParam), (c) => {
      deleteRole(deps, c.req.valid('param').id, c.get('actor'), c.get('user'));
      return c.json({ ok: true as const }, 200);
    })
    .get('/:id/assignments', assign, validate('param', idParam), (c) =>
      c.json(listAssignments(deps, c.req.valid('param').id), 200),
    )
    .post('/:id/assignments', assign, validate('param', idParam), validate('json', roleAssignSchema), (c) => {
      assignRole(deps, c.req.valid('param').id, c.req.valid('json').userId, c.get('actor'), c.get('user'));
      return c.json({ ok: true as const }, 201);
    })
    .delete('/:id/assignments/:userId', assign, validate('param', assignParam), (c) => {
      const p = c.req.valid('param');
      unassignRole(deps, p.id, p.userId, c.get('actor'), c.get('user'));
      return c.json({ ok: true as const }, 200);
    });
}
