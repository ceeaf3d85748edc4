import type { USER_STATUSES } from '@gatehouse/shared';
import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import {
  countUpTo as countRows,
  type KeyColumn,
  type KeysetPage,
  type KeyValue,
  keyOrder,
  readFrom,
  type Seek,
} from '../../db/keyset';
import { roleAssignments, type UserRow, userPreferences, users } from '../../db/schema';
import { contains, firstRow, isShortSearch, prefixSearch, searchCondition } from '../../db/sql';

// The users table (and, when a user is deleted, their role assignments). Users are never
// removed: a deleted user keeps their row, marked deleted.

export type { UserRow };
export type NewUserRow = typeof users.$inferInsert;

export async function findUser(db: DbOrTx, id: number): Promise<UserRow | undefined> {
  return (await db.select().from(users).where(eq(users.id, id)).limit(1)).at(0);
}

/** Usernames are stored in lower case: `username` must be too. */
export async function findUserByUsername(db: DbOrTx, username: string): Promise<UserRow | undefined> {
  return (await db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);
}

export async function userIdByUsername(db: DbOrTx, username: string): Promise<number | undefined> {
  return (await db.select({ id: users.id }).from(users).where(eq(users.username, username)).limit(1)).at(0)?.id;
}

/** Which users a list shows: by status, and containing `search` in a name or the email (1–2 characters: starting with it). */
interface UserFilter {
  status: (typeof USER_STATUSES)[number];
  search?: string;
}

// Each sort's key, ending with the user's id (unique), so a keyset cursor names one row.
const KEYS = {
  username: [{ col: users.username }],
  firstname: [{ col: users.firstname }, { col: users.lastname }],
  lastname: [{ col: users.lastname }, { col: users.firstname }],
  email: [{ col: users.email }],
  timecreated: [{ col: users.timecreated }],
  lastlogin: [{ col: users.lastlogin, nullable: true }],
} as const satisfies Record<string, KeyColumn[]>;

export type UserSort = keyof typeof KEYS;

const keyOf = (sort: UserSort): KeyColumn[] => [...KEYS[sort], { col: users.id }];

/** The values of a listed user's sort key, in the order of the sort's key columns (for its cursor). */
export function userSortKey(sort: UserSort, u: UserRow): KeyValue[] {
  switch (sort) {
    case 'username':
      return [u.username, u.id];
    case 'firstname':
      return [u.firstname, u.lastname, u.id];
    case 'lastname':
      return [u.lastname, u.firstname, u.id];
    case 'email':
      return [u.email, u.id];
    case 'timecreated':
      return [u.timecreated, u.id];
    case 'lastlogin':
      return [u.lastlogin, u.id];
  }
}

/** How many values a sort's key (hence its cursor) has. */
export function userSortKeySize(sort: UserSort): number {
  return keyOf(sort).length;
}

/**
 * The filter's conditions: for the page, and for its count (the same rows; a short search counts
 * from its prefix indexes where the page walks the list's order, see prefixSearch).
 */
async function condition(db: Db, f: UserFilter): Promise<{ page: SQL | undefined; count: SQL | undefined }> {
  const where: SQL[] = [];
  if (f.status !== 'deleted' && f.status !== 'all') where.push(eq(users.deleted, false));
  if (f.status === 'deleted') where.push(eq(users.deleted, true));
  if (f.status === 'suspended') where.push(eq(users.suspended, true));
  if (f.status === 'unconfirmed') where.push(eq(users.confirmed, false));
  const columns = [users.username, users.firstname, users.lastname, users.email];
  if (f.search && isShortSearch(f.search)) {
    // 1–2 characters: a name or the email starts with them.
    const s = await prefixSearch(db, users, users.id, columns, f.search);
    return { page: and(...where, s.where), count: and(...where, s.indexed) };
  }
  if (f.search) {
    const s = f.search;
    const like = or(...columns.map((c) => contains(c, s))) as SQL;
    where.push(
      (await searchCondition(db, users.id, 'users_search', ['username', 'firstname', 'lastname', 'email'], s, like))
        .where,
    );
  }
  const all = where.length ? and(...where) : undefined;
  return { page: all, count: all };
}

export interface UserPageQuery extends UserFilter {
  sort: UserSort;
  dir: 'asc' | 'desc';
  perPage: number;
  /** Offset paging, when there is no `seek`. */
  page: number;
  seek?: Seek;
}

/**
 * One page of the users a filter selects, in order: with `seek` the page starts at a row's sort
 * key (as cheap deep in the list as at its start, each run an index range: the sort indexes lead
 * with `deleted`), without it at `page` (offset). The page's ids come from the index alone, then
 * only those rows are read. `count(cap)` counts with the same conditions, at most cap + 1 rows.
 * The filter's condition (a search's trigram lookup) is worked out once, for both.
 */
export async function userPage(db: Db, q: UserPageQuery): Promise<KeysetPage<UserRow>> {
  const { page: cond, count: counted } = await condition(db, q);
  const key = keyOf(q.sort);
  const read = async (extra: SQL | undefined, dir: 'asc' | 'desc', limit: number, offset = 0) => {
    return (
      await db
        .select({ id: users.id })
        .from(users)
        .where(extra ? and(cond, extra) : cond)
        .orderBy(...keyOrder(key, dir))
        .limit(limit)
        .offset(offset)
    ).map((r) => r.id);
  };
  const n = q.perPage;
  const fromOffset = async (page: number) => {
    const got = await read(undefined, q.dir, n + 1, (page - 1) * n);
    return { ids: got.slice(0, n), hasNext: got.length > n, hasPrev: page > 1 };
  };
  let at: { ids: number[]; hasNext: boolean; hasPrev: boolean };
  if (!q.seek) at = await fromOffset(q.page);
  else {
    const got = await readFrom(key, q.seek, q.dir, n + 1, read);
    if (q.seek.from === 'after') at = { ids: got.slice(0, n), hasNext: got.length > n, hasPrev: true };
    // Back at the start (rows before went away meanwhile): the first page, full.
    else if (got.length <= n) at = await fromOffset(1);
    else at = { ids: got.slice(1), hasNext: true, hasPrev: true };
  }
  const byId = new Map(
    (at.ids.length ? await db.select().from(users).where(inArray(users.id, at.ids)) : []).map((u) => [u.id, u]),
  );
  const rows = at.ids.flatMap((id) => byId.get(id) ?? []);
  // A first page that is not full holds every row the filter selects: no count to run.
  const whole = !at.hasNext && !at.hasPrev;
  const countUpTo = whole ? async (cap: number) => Math.min(at.ids.length, cap + 1) : countRows(db, users, counted);
  return { rows, hasNext: at.hasNext, hasPrev: at.hasPrev, count: countUpTo };
}

/** The users with these ids (any order; missing ids are left out). */
export async function findUsersByIds(db: DbOrTx, ids: readonly number[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  return await db
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]));
}

export async function insertUser(tx: DbOrTx, row: NewUserRow): Promise<UserRow> {
  return firstRow(await tx.insert(users).values(row).returning());
}

export async function updateUserRow(tx: DbOrTx, id: number, set: Partial<NewUserRow>): Promise<UserRow> {
  return firstRow(await tx.update(users).set(set).where(eq(users.id, id)).returning());
}

/** A console sign-in: the last login, and the first access when there was none (Moodle's user_accesstime_log). */
export async function setLastLogin(tx: DbOrTx, id: number, time: number): Promise<void> {
  await tx
    .update(users)
    .set({
      lastlogin: time,
      firstaccess: sql`CASE WHEN ${users.firstaccess} = 0 THEN ${time} ELSE ${users.firstaccess} END`,
    })
    .where(eq(users.id, id));
}

/** Marks a user deleted (and suspended, as Moodle does). */
export async function markUserDeleted(tx: DbOrTx, id: number, time: number): Promise<UserRow> {
  return firstRow(
    await tx
      .update(users)
      .set({ deleted: true, suspended: true, timemodified: time })
      .where(eq(users.id, id))
      .returning(),
  );
}

export async function deleteRoleAssignmentsOf(tx: DbOrTx, userId: number): Promise<void> {
  await tx.delete(roleAssignments).where(eq(roleAssignments.userId, userId));
}

/** The users, not deleted, whose id, username, email or ID number is one of `values`, in id order (for the web services). */
export async function activeUsersBy(
  db: DbOrTx,
  by: { field: 'id'; values: number[] } | { field: 'username' | 'email' | 'idnumber'; values: string[] },
): Promise<UserRow[]> {
  const match = by.field === 'id' ? inArray(users.id, by.values) : inArray(users[by.field], by.values);
  return await db
    .select()
    .from(users)
    .where(and(match, eq(users.deleted, false)))
    .orderBy(users.id);
}

// ---- preferences (Moodle's user_preferences) ---------------------------------------------------

/** A user's preferences, by name. */
export async function preferencesOf(db: DbOrTx, userId: number): Promise<{ name: string; value: string }[]> {
  return await db
    .select({ name: userPreferences.name, value: userPreferences.value })
    .from(userPreferences)
    .where(eq(userPreferences.userId, userId))
    .orderBy(asc(userPreferences.name));
}

/** Sets one preference of a user (Moodle's set_user_preference): a new value replaces the old one. */
export async function setPreference(tx: DbOrTx, userId: number, name: string, value: string): Promise<void> {
  await tx
    .insert(userPreferences)
    .values({ userId, name, value })
    .onConflictDoUpdate({ target: [userPreferences.userId, userPreferences.name], set: { value } });
}
