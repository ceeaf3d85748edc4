import { auditQuerySchema } from '@gatehouse/shared';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import { validate } from '../../lib/validate';
import type { AppEnv } from '../../types';
import { requireCap } from '../auth/guards';
import { auditActions, auditCsv, listAudit } from './audit.service';

export function auditRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/site:viewreports');
  return new Hono<AppEnv>()
    .get('/', guard, validate('query', auditQuerySchema), async (c) =>
      c.json(await listAudit(deps.store.db, c.req.valid('query')), 200),
    )
    .get('/actions', guard, async (c) => c.json(await auditActions(deps.store.db), 200))
    .get('/export', guard, validate('query', auditQuerySchema), (c) => {
      const day = new Date(deps.now() * 1000).toISOString().slice(0, 10);
      return c.body(auditCsv(deps.store.db, c.req.valid('query')), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="audit-log-${day}.csv"`,
        'cache-control': 'no-store',
      });
    });
}
