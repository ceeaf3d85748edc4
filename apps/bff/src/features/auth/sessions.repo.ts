import { and, eq, lt, ne, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { sessions, type UserRow, users } from '../../db/schema';

// The console's sessions table: one row per session, keyed by the SHA-256 of its id.

export type SessionRow = typeof sessions.$inferSelect;

/** A session with its user, or undefined. */
export async function findSessionWithUser(
  db: DbOrTx,
  hash: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const row = (
    await db
      .select()
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.idHash, hash))
      .limit(1)
  ).at(0);
  return row && { session: row.sessions, user: row.users };
}

export async function insertSession(tx: DbOrTx, row: SessionRow): Promise<void> {
  await tx.insert(sessions).values(row);
}

/** Inserts a session unless one with its hash is there already. */
export async function insertSessionIfAbsent(tx: DbOrTx, row: SessionRow): Promise<void> {
  await tx.insert(sessions).values(row).onConflictDoNothing();
}

export async function setSessionLastSeen(tx: DbOrTx, hash: string, time: number): Promise<void> {
  await tx.update(sessions).set({ lastSeenAt: time }).where(eq(sessions.idHash, hash));
}

export async function deleteSession(tx: DbOrTx, hash: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.idHash, hash));
}

/** Deletes every session of a user, except the one with `exceptHash`. */
export async function deleteSessionsOf(tx: DbOrTx, userId: number, exceptHash?: string): Promise<void> {
  await tx
    .delete(sessions)
    .where(
      exceptHash ? and(eq(sessions.userId, userId), ne(sessions.idHash, exceptHash)) : eq(sessions.userId, userId),
    );
}

/** Deletes the sessions last seen before `seenBefore` or created before `createdBefore`. */
export async function deleteSessionsOlderThan(
  tx: DbOrTx,
  { seenBefore, createdBefore }: { seenBefore: number; createdBefore: number },
): Promise<void> {
  await tx.delete(sessions).where(or(lt(sessions.lastSeenAt, seenBefore), lt(sessions.createdAt, createdBefore)));
}
