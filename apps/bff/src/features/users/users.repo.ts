import type { USER_STATUSES } from '@gatehouse/shared';
import { and, asc, count, desc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { roleAssignments, type UserRow, userPreferences, users } from '../../db/schema';
import { contains, searchCondition } from '../../db/sql';

// The users table (and, when a user is deleted, their role assignments). Users are never
// removed: a deleted user keeps their row, marked deleted.

export type { UserRow };
export type NewUserRow = typeof users.$inferInsert;

export async function findUser(db: DbOrTx, id: number): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

/** Usernames are stored in lower case: `username` must be too. */
export async function findUserByUsername(db: DbOrTx, username: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.username, username)).get();
}

export async function userIdByUsername(db: DbOrTx, username: string): Promise<number | undefined> {
  return db.select({ id: users.id }).from(users).where(eq(users.username, username)).get()?.id;
}

/** Which users a list shows: by status, and containing `search` in a name or the email. */
export interface UserFilter {
  status: (typeof USER_STATUSES)[number];
  search?: string;
}

const SORTS = {
  username: [users.username],
  firstname: [users.firstname, users.lastname],
  lastname: [users.lastname, users.firstname],
  email: [users.email],
  timecreated: [users.timecreated],
  lastlogin: [users.lastlogin],
} as const;

export type UserSort = keyof typeof SORTS;

function condition(db: Db, f: UserFilter): SQL | undefined {
  const where: SQL[] = [];
  if (f.status !== 'deleted' && f.status !== 'all') where.push(eq(users.deleted, false));
  if (f.status === 'deleted') where.push(eq(users.deleted, true));
  if (f.status === 'suspended') where.push(eq(users.suspended, true));
  if (f.status === 'unconfirmed') where.push(eq(users.confirmed, false));
  if (f.search) {
    const s = f.search;
    const like = or(
      contains(users.username, s),
      contains(users.firstname, s),
      contains(users.lastname, s),
      contains(users.email, s),
    ) as SQL;
    where.push(
      searchCondition(db, users.id, 'users_search', ['username', 'firstname', 'lastname', 'email'], s, like).where,
    );
  }
  return where.length ? and(...where) : undefined;
}

/**
 * The users a filter selects: a page of them in order, and how many there are. The filter's
 * condition (a search's trigram lookup) is worked out once, for both.
 */
export async function selectUsers(db: Db, f: UserFilter) {
  const where = condition(db, f);
  return {
    async page(p: { sort: UserSort; dir: 'asc' | 'desc'; limit: number; offset: number }): Promise<UserRow[]> {
      const dir = p.dir === 'desc' ? desc : asc;
      // The page's ids from the index alone, then only those rows (a deep OFFSET skips index
      // entries, not table rows).
      const pageIds = db
        .select({ id: users.id })
        .from(users)
        .where(where)
        .orderBy(...SORTS[p.sort].map((c) => dir(c)), dir(users.id))
        .limit(p.limit)
        .offset(p.offset)
        .all()
        .map((r) => r.id);
      if (!pageIds.length) return [];
      const byId = new Map(
        db
          .select()
          .from(users)
          .where(inArray(users.id, pageIds))
          .all()
          .map((u) => [u.id, u]),
      );
      return pageIds.flatMap((id) => byId.get(id) ?? []);
    },
    async count(): Promise<number> {
      return db.select({ n: count() }).from(users).where(where).get()?.n ?? 0;
    },
  };
}

export async function insertUser(tx: DbOrTx, row: NewUserRow): Promise<UserRow> {
  return tx.insert(users).values(row).returning().get();
}

export async function updateUserRow(tx: DbOrTx, id: number, set: Partial<NewUserRow>): Promise<UserRow> {
  return tx.update(users).set(set).where(eq(users.id, id)).returning().get();
}

/** A console sign-in: the last login, and the first access when there was none (Moodle's user_accesstime_log). */
export async function setLastLogin(tx: DbOrTx, id: number, time: number): Promise<void> {
  tx.update(users)
    .set({
      lastlogin: time,
      firstaccess: sql`CASE WHEN ${users.firstaccess} = 0 THEN ${time} ELSE ${users.firstaccess} END`,
    })
    .where(eq(users.id, id))
    .run();
}

/** Marks a user deleted (and suspended, as Moodle does). */
export async function markUserDeleted(tx: DbOrTx, id: number, time: number): Promise<UserRow> {
  return tx
    .update(users)
    .set({ deleted: true, suspended: true, timemodified: time })
    .where(eq(users.id, id))
    .returning()
    .get();
}

export async function deleteRoleAssignmentsOf(tx: DbOrTx, userId: number): Promise<void> {
  tx.delete(roleAssignments).where(eq(roleAssignments.userId, userId)).run();
}

/** The users, not deleted, whose id, username, email or ID number is one of `values`, in id order (for the web services). */
export async function activeUsersBy(
  db: DbOrTx,
  by: { field: 'id'; values: number[] } | { field: 'username' | 'email' | 'idnumber'; values: string[] },
): Promise<UserRow[]> {
  const match = by.field === 'id' ? inArray(users.id, by.values) : inArray(users[by.field], by.values);
  return db
    .select()
    .from(users)
    .where(and(match, eq(users.deleted, false)))
    .orderBy(users.id)
    .all();
}

// ---- preferences (Moodle's user_preferences) ---------------------------------------------------

/** A user's preferences, by name. */
export async function preferencesOf(db: DbOrTx, userId: number): Promise<{ name: string; value: string }[]> {
  return db
    .select({ name: userPreferences.name, value: userPreferences.value })
    .from(userPreferences)
    .where(eq(userPreferences.userId, userId))
    .orderBy(asc(userPreferences.name))
    .all();
}

/** Sets one preference of a user (Moodle's set_user_preference): a new value replaces the old one. */
export async function setPreference(tx: DbOrTx, userId: number, name: string, value: string): Promise<void> {
  tx.insert(userPreferences)
    .values({ userId, name, value })
    .onConflictDoUpdate({ target: [userPreferences.userId, userPreferences.name], set: { value } })
    .run();
}
