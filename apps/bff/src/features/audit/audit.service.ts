import type { AuditEntryDto, AuditQuery } from '@gatehouse/shared';
import { auditQuerySchema } from '@gatehouse/shared';
import { and, asc, count, desc, eq, gte, lte, or, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { auditLog } from '../../db/schema';
import { contains, startsWith } from '../../lib/sql';

/** Who did something: a console user, or the command-line tool, or the system itself. */
export interface Actor {
  id: number | null;
  username: string;
  ip: string;
}

export const CLI_ACTOR: Actor = { id: null, username: 'cli', ip: '' };
export const SYSTEM_ACTOR: Actor = { id: null, username: 'system', ip: '' };

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | number | null;
  summary: string;
  details?: Record<string, unknown>;
}

export function writeAudit(db: DbOrTx, actor: Actor, event: AuditEvent, now = Math.floor(Date.now() / 1000)): void {
  db.insert(auditLog)
    .values({
      time: now,
      actorId: actor.id,
      actorUsername: actor.username,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId == null ? null : String(event.targetId),
      summary: event.summary,
      details: JSON.stringify(event.details ?? {}),
      ip: actor.ip,
    })
    .run();
}

export function listAudit(db: Db, input: AuditQuery) {
  const q = auditQuerySchema.parse(input);
  const where: SQL[] = [];
  if (q.actor) where.push(eq(auditLog.actorUsername, q.actor.toLowerCase()));
  if (q.action) where.push(startsWith(auditLog.action, q.action));
  if (q.from !== undefined) where.push(gte(auditLog.time, q.from));
  if (q.to !== undefined) where.push(lte(auditLog.time, q.to));
  if (q.search) {
    where.push(or(contains(auditLog.summary, q.search), contains(auditLog.targetId, q.search)) as SQL);
  }
  const cond = where.length ? and(...where) : undefined;
  const order = q.dir === 'asc' ? [asc(auditLog.time), asc(auditLog.id)] : [desc(auditLog.time), desc(auditLog.id)];
  const rows = db
    .select()
    .from(auditLog)
    .where(cond)
    .orderBy(...order)
    .limit(q.perPage)
    .offset((q.page - 1) * q.perPage)
    .all();
  const total = db.select({ n: count() }).from(auditLog).where(cond).get()?.n ?? 0;
  const items: AuditEntryDto[] = rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  return { items, total, page: q.page, perPage: q.perPage };
}

export function auditActions(db: Db): string[] {
  return db
    .selectDistinct({ action: auditLog.action })
    .from(auditLog)
    .orderBy(asc(auditLog.action))
    .all()
    .map((r) => r.action);
}
