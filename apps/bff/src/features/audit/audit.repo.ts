import { and, asc, desc, eq, gte, inArray, lte, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { countUpTo as countRows, type KeyColumn, type KeysetPage, readFrom, type Seek } from '../../db/keyset';
import { auditLog, externalServices, externalTokens, hubCourses, hubSites, roles, users } from '../../db/schema';
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
  /** From 1 (offset paging, when there is no `seek`). */
  page: number;
  perPage: number;
  /** Keyset paging: start after or before this entry's [time, id]. */
  seek?: Seek;
}

/** The log's order: by time, then by id for entries of the same second. */
const KEY: KeyColumn[] = [{ col: auditLog.time }, { col: auditLog.id }];
export const AUDIT_KEY_SIZE = KEY.length;

function where(f: AuditFilter): SQL | undefined {
  const conds: SQL[] = [];
  if (f.actor) conds.push(eq(auditLog.actorUsername, f.actor));
  if (f.action) conds.push(startsWith(auditLog.action, f.action));
  if (f.from !== undefined) conds.push(gte(auditLog.time, f.from));
  if (f.to !== undefined) conds.push(lte(auditLog.time, f.to));
  if (f.search) conds.push(or(contains(auditLog.summary, f.search), contains(auditLog.targetId, f.search)) as SQL);
  return conds.length ? and(...conds) : undefined;
}

function readRun(db: DbOrTx, cond: SQL | undefined) {
  return async (extra: SQL | undefined, dir: 'asc' | 'desc', limit: number, offset = 0): Promise<AuditRow[]> => {
    const order = dir === 'asc' ? asc : desc;
    return await db
      .select()
      .from(auditLog)
      .where(extra ? and(cond, extra) : cond)
      .orderBy(...KEY.map((k) => order(k.col)))
      .limit(limit)
      .offset(offset);
  };
}

/** One page of the entries `filter` selects, by keyset (`page.seek`) or by page number. */
export async function auditEntriesPage(
  db: DbOrTx,
  filter: AuditFilter,
  page: AuditPage,
): Promise<KeysetPage<AuditRow>> {
  const cond = where(filter);
  const read = readRun(db, cond);
  const n = page.perPage;
  const fromOffset = async (p: number) => {
    const got = await read(undefined, page.dir, n + 1, (p - 1) * n);
    return { rows: got.slice(0, n), hasNext: got.length > n, hasPrev: p > 1 };
  };
  let res: { rows: AuditRow[]; hasNext: boolean; hasPrev: boolean };
  if (!page.seek) res = await fromOffset(page.page);
  else {
    const got = await readFrom(KEY, page.seek, page.dir, n + 1, read);
    if (page.seek.from === 'after') res = { rows: got.slice(0, n), hasNext: got.length > n, hasPrev: true };
    else if (got.length <= n) res = await fromOffset(1);
    else res = { rows: got.slice(1), hasNext: true, hasPrev: true };
  }
  const countUpTo = countRows(db, auditLog, cond);
  return { ...res, count: countUpTo };
}

/** Every entry `filter` selects, in `dir` order, `chunk` rows at a time (for the CSV export). */
export async function* auditEntriesInChunks(
  db: DbOrTx,
  filter: AuditFilter,
  dir: 'asc' | 'desc',
  chunk: number,
): AsyncGenerator<AuditRow[]> {
  const read = readRun(db, where(filter));
  let rows = await read(undefined, dir, chunk);
  while (rows.length) {
    yield rows;
    const last = rows.at(-1) as AuditRow;
    if (rows.length < chunk) return;
    rows = await readFrom(KEY, { from: 'after', values: [last.time, last.id] }, dir, chunk, read);
  }
}

/** The actions the log holds, each once, sorted. */
export async function listAuditActions(db: DbOrTx): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).orderBy(asc(auditLog.action));
  return rows.map((r) => r.action);
}

/** Names, now, of the users (full name), services, tokens, roles, hub sites and hub courses with these ids. */
export interface NamesToResolve {
  user: number[];
  service: number[];
  token: number[];
  role: number[];
  hubsite: number[];
  hubcourse: number[];
}

export type ResolvedNames = { [K in keyof NamesToResolve]: Map<number, string> };

export async function resolveNames(db: DbOrTx, ids: NamesToResolve): Promise<ResolvedNames> {
  const by = <T extends { id: number; name: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r.name]));
  const some = async <T>(list: number[], f: (list: number[]) => Promise<T[]>): Promise<T[]> =>
    list.length ? f(list) : [];
  return {
    user: new Map(
      (
        await some(
          ids.user,
          async (l) =>
            await db
              .select({ id: users.id, firstname: users.firstname, lastname: users.lastname, username: users.username })
              .from(users)
              .where(inArray(users.id, l)),
        )
      ).map((u) => [u.id, `${u.firstname} ${u.lastname}`.trim() || u.username]),
    ),
    service: by(
      await some(
        ids.service,
        async (l) =>
          await db
            .select({ id: externalServices.id, name: externalServices.name })
            .from(externalServices)
            .where(inArray(externalServices.id, l)),
      ),
    ),
    token: by(
      await some(
        ids.token,
        async (l) =>
          await db
            .select({ id: externalTokens.id, name: externalTokens.name })
            .from(externalTokens)
            .where(inArray(externalTokens.id, l)),
      ),
    ),
    role: by(
      await some(
        ids.role,
        async (l) => await db.select({ id: roles.id, name: roles.name }).from(roles).where(inArray(roles.id, l)),
      ),
    ),
    hubsite: by(
      await some(
        ids.hubsite,
        async (l) =>
          await db.select({ id: hubSites.id, name: hubSites.name }).from(hubSites).where(inArray(hubSites.id, l)),
      ),
    ),
    hubcourse: by(
      await some(
        ids.hubcourse,
        async (l) =>
          await db
            .select({ id: hubCourses.id, name: hubCourses.fullname })
            .from(hubCourses)
            .where(inArray(hubCourses.id, l)),
      ),
    ),
  };
}
