import { and, asc, count, desc, eq, gte, lte, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { auditLog } from '../../db/schema';
import { contains, startsWith } from '../../db/sql';

// Reading the audit log. Its rows are written in one place, db/write.ts (withWrite's `w.audit`).

export type AuditRow = typeof auditLog.$inferSelect;

/** Which entries: every field narrows the list (all of them together). */
export interface AuditFilter {
  /** The actor's username, exactly. */
  actor?: string;
  /** The action, or its prefix (`user.` for every user action), literally. */
  action?: string;
  /** From this time on (inclusive, Unix seconds). */
  from?: number;
  /** Up to this time (inclusive, Unix seconds). */
  to?: number;
  /** Text in the summary or the target id, literally. */
  search?: string;
}

export interface AuditPage {
  dir: 'asc' | 'desc';
  /** From 1. */
  page: number;
  perPage: number;
}

function where(f: AuditFilter): SQL | undefined {
  const conds: SQL[] = [];
  if (f.actor) conds.push(eq(auditLog.actorUsername, f.actor));
  if (f.action) conds.push(startsWith(auditLog.action, f.action));
  if (f.from !== undefined) conds.push(gte(auditLog.time, f.from));
  if (f.to !== undefined) conds.push(lte(auditLog.time, f.to));
  if (f.search) conds.push(or(contains(auditLog.summary, f.search), contains(auditLog.targetId, f.search)) as SQL);
  return conds.length ? and(...conds) : undefined;
}

/** One page of the entries `filter` selects, by time (then by id, for entries of the same second). */
export async function listAuditEntries(db: DbOrTx, filter: AuditFilter, page: AuditPage): Promise<AuditRow[]> {
  const order = page.dir === 'asc' ? [asc(auditLog.time), asc(auditLog.id)] : [desc(auditLog.time), desc(auditLog.id)];
  return db
    .select()
    .from(auditLog)
    .where(where(filter))
    .orderBy(...order)
    .limit(page.perPage)
    .offset((page.page - 1) * page.perPage)
    .all();
}

/** How many entries `filter` selects. */
export async function countAuditEntries(db: DbOrTx, filter: AuditFilter): Promise<number> {
  return db.select({ n: count() }).from(auditLog).where(where(filter)).get()?.n ?? 0;
}

/** The actions the log holds, each once, sorted. */
export async function listAuditActions(db: DbOrTx): Promise<string[]> {
  const rows = db.selectDistinct({ action: auditLog.action }).from(auditLog).orderBy(asc(auditLog.action)).all();
  return rows.map((r) => r.action);
}
