import { and, asc, desc, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { messages, users } from '../../db/schema';
import { aliasOf, firstRow } from '../../db/sql';

// Private messages between users (core_message). Gatehouse stores conversations only: no
// notifications.

type MessageRow = typeof messages.$inferSelect;
type NewMessageRow = typeof messages.$inferInsert;

/** Inserts a message; its id. */
export async function insertMessage(tx: DbOrTx, row: NewMessageRow): Promise<number> {
  return firstRow(await tx.insert(messages).values(row).returning({ id: messages.id })).id;
}

/** Which messages a list shows: read or unread ones, to and from a user (undefined: anyone). */
export interface MessageFilter {
  read: boolean;
  to?: number;
  from?: number;
  newestFirst: boolean;
  /** At most this many (0: no limit), after skipping `offset`. */
  limit: number;
  offset: number;
}

type Names = { firstname: string; lastname: string };

/** The messages a filter selects, in time order, with the names of their sender and receiver. */
export async function listMessages(db: DbOrTx, f: MessageFilter): Promise<{ m: MessageRow; from: Names; to: Names }[]> {
  const where: SQL[] = [f.read ? isNotNull(messages.timeread) : isNull(messages.timeread)];
  if (f.to !== undefined) where.push(eq(messages.userIdTo, f.to));
  if (f.from !== undefined) where.push(eq(messages.userIdFrom, f.from));
  const from = aliasOf(users, 'ufrom');
  const to = aliasOf(users, 'uto');
  const dir = f.newestFirst ? desc : asc;
  let q = db
    .select({
      m: messages,
      from: { firstname: from.firstname, lastname: from.lastname },
      to: { firstname: to.firstname, lastname: to.lastname },
    })
    .from(messages)
    .innerJoin(from, eq(from.id, messages.userIdFrom))
    .innerJoin(to, eq(to.id, messages.userIdTo))
    .where(and(...where))
    .orderBy(dir(messages.timecreated), dir(messages.id))
    .$dynamic();
  // SQLite needs a LIMIT before an OFFSET: "no limit" is the largest one.
  if (f.limit > 0 || f.offset > 0) q = q.limit(f.limit > 0 ? f.limit : Number.MAX_SAFE_INTEGER);
  if (f.offset > 0) q = q.offset(f.offset);
  return await q;
}
