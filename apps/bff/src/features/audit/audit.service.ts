import type { AuditEntryDto, AuditQuery, ListPageDto } from '@gatehouse/shared';
import { auditQuerySchema, LIST_COUNT_CAP } from '@gatehouse/shared';
import type { Db } from '../../db/client';
import { csvRow } from '../../lib/csv';
import { decodeCursor, encodeCursor } from '../../lib/list-cursor';
import {
  AUDIT_KEY_SIZE,
  type AuditFilter,
  type AuditRow,
  auditEntriesInChunks,
  auditEntriesPage,
  listAuditActions,
  type NamesToResolve,
  resolveNames,
} from './audit.repo';

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

const NAMED_TARGETS = ['user', 'service', 'token', 'role', 'hubsite', 'hubcourse'] as const;
type NamedTarget = (typeof NAMED_TARGETS)[number];
const isNamed = (t: string): t is NamedTarget => (NAMED_TARGETS as readonly string[]).includes(t);
const numericId = (v: string | null) => (v !== null && /^\d{1,15}$/.test(v) ? Number(v) : undefined);

/** The entries with their actor's and target's names as they are now (one query per kind of target). */
async function withNames(db: Db, rows: AuditRow[]): Promise<AuditEntryDto[]> {
  const ids: NamesToResolve = { user: [], service: [], token: [], role: [], hubsite: [], hubcourse: [] };
  for (const r of rows) {
    if (r.actorId !== null) ids.user.push(r.actorId);
    const id = numericId(r.targetId);
    if (id !== undefined && isNamed(r.targetType)) ids[r.targetType].push(id);
  }
  const names = await resolveNames(db, ids);
  return rows.map((r) => {
    const id = numericId(r.targetId);
    return {
      ...r,
      details: JSON.parse(r.details) as Record<string, unknown>,
      actorName: r.actorId === null ? null : (names.user.get(r.actorId) ?? null),
      targetName: id !== undefined && isNamed(r.targetType) ? (names[r.targetType].get(id) ?? null) : null,
    };
  });
}

function filterOf(q: ReturnType<typeof auditQuerySchema.parse>): AuditFilter {
  // Usernames are stored in lower case.
  return { actor: q.actor?.toLowerCase(), action: q.action, search: q.search, from: q.from, to: q.to };
}

/**
 * Site administration > Reports > Audit log: one page of entries (keyset paged with `cursor`,
 * else by page number), with the total counted up to LIST_COUNT_CAP.
 */
export async function listAudit(db: Db, input: AuditQuery): Promise<ListPageDto<AuditEntryDto>> {
  const q = auditQuerySchema.parse(input);
  const what = `audit.${q.dir}`;
  const seek = q.cursor ? decodeCursor(q.cursor, what, AUDIT_KEY_SIZE) : undefined;
  const page = await auditEntriesPage(db, filterOf(q), { dir: q.dir, page: q.page, perPage: q.perPage, seek });
  const counted = await page.count(LIST_COUNT_CAP);
  const first = page.rows[0];
  const last = page.rows.at(-1);
  return {
    items: await withNames(db, page.rows),
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
    next: page.hasNext && last ? encodeCursor(what, 'after', [last.time, last.id]) : null,
    prev: page.hasPrev && first ? encodeCursor(what, 'before', [first.time, first.id]) : null,
    page: q.page,
    perPage: q.perPage,
  };
}

/** The actions the log holds, for the filter's choices. */
export function auditActions(db: Db): Promise<string[]> {
  return listAuditActions(db);
}

const CSV_HEADER = [
  'Time (UTC)',
  'Username',
  'User',
  'Action',
  'Target type',
  'Target id',
  'Target',
  'Summary',
  'IP address',
  'Details',
];
const CSV_CHUNK = 500;

/**
 * The entries the filters select (all of them, not a page) as CSV, read and written 500 at a
 * time as the client takes them, so a long log never sits in memory. A UTF-8 byte order mark
 * first, for spreadsheets that would otherwise read the names as another encoding.
 */
export function auditCsv(db: Db, input: AuditQuery): ReadableStream<Uint8Array> {
  const q = auditQuerySchema.parse(input);
  const chunks = auditEntriesInChunks(db, filterOf(q), q.dir, CSV_CHUNK);
  const enc = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(enc.encode(`\uFEFF${csvRow(CSV_HEADER)}`));
        return;
      }
      const next = await chunks.next();
      if (next.done) {
        controller.close();
        return;
      }
      let text = '';
      for (const e of await withNames(db, next.value)) {
        text += csvRow([
          new Date(e.time * 1000).toISOString(),
          e.actorUsername,
          e.actorName,
          e.action,
          e.targetType,
          e.targetId,
          e.targetName,
          e.summary,
          e.ip,
          Object.keys(e.details).length ? JSON.stringify(e.details) : '',
        ]);
      }
      controller.enqueue(enc.encode(text));
    },
    cancel() {
      void chunks.return(undefined);
    },
  });
}
