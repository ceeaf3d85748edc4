import type { AuditEntryDto, AuditQuery } from '@gatehouse/shared';
import { auditQuerySchema } from '@gatehouse/shared';
import type { Db } from '../../db/client';
import { countAuditEntries, listAuditActions, listAuditEntries } from './audit.repo';

// The audit log. Writes add their rows with withWrite's `w.audit(actor, event)` (db/write.ts);
// this feature reads it.

/** Who did something: a console user, or the command-line tool, or the system itself. */
export interface Actor {
  id: number | null;
  username: string;
  ip: string;
}

export const CLI_ACTOR: Actor = { id: null, username: 'cli', ip: '' };
export const SYSTEM_ACTOR: Actor = { id: null, username: 'system', ip: '' };

/** Site administration > Reports > Audit log: one page of entries, with the total. */
export async function listAudit(db: Db, input: AuditQuery) {
  const q = auditQuerySchema.parse(input);
  // Usernames are stored in lower case.
  const filter = { ...q, actor: q.actor?.toLowerCase() };
  const [rows, total] = await Promise.all([listAuditEntries(db, filter, q), countAuditEntries(db, filter)]);
  const items: AuditEntryDto[] = rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  return { items, total, page: q.page, perPage: q.perPage };
}

/** The actions the log holds, for the filter's choices. */
export function auditActions(db: Db): Promise<string[]> {
  return listAuditActions(db);
}
