import { and, asc, count, desc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  countUpTo as countRows,
  type KeyColumn,
  type KeysetPage,
  type KeyValue,
  keyOrder,
  readFrom,
  type Seek,
} from '../../db/keyset';
import { externalServices, externalTokens, type TokenRow, tablesDialect, type UserRow, users } from '../../db/schema';
import {
  aliasOf,
  contains,
  containsByIndex,
  firstRow,
  isShortSearch,
  prefixSearch,
  rawAll,
  searchCondition,
  unindexedEq,
  unindexedIn,
} from '../../db/sql';
import type { ServiceRow } from '../services/services.repo';

// The tokens' table (external_tokens). Reads take the database, writes the transaction of the
// caller's withWrite; the rules (who may hold a token, what it may do) are in tokens.service.ts.

export type { TokenRow, UserRow };

type TokenInsert = typeof externalTokens.$inferInsert;

/** A token with its owner, its service and (when known) the user who made it. */
export interface TokenWithParties {
  t: TokenRow;
  u: UserRow;
  s: ServiceRow;
  c: UserRow | null;
}

/**
 * A Manage tokens row: the token, and of its owner and creator only what the list shows and its
 * statuses need. A page joins 25 tokens to two users each: their whole rows (39 columns, biography
 * and address included) were three quarters of the values PostgreSQL sent and drizzle mapped.
 */
export interface TokenListRow {
  t: TokenRow;
  u: TokenListUser;
  s: ServiceRow;
  c: Pick<UserRow, 'id' | 'username'> | null;
}

export type TokenListUser = Pick<
  UserRow,
  | 'id'
  | 'username'
  | 'firstname'
  | 'lastname'
  | 'auth'
  | 'suspended'
  | 'confirmed'
  | 'passwordExpired'
  | 'siteAdmin'
  | 'deleted'
  | 'isGuest'
>;

/** Manage tokens' filters, sort and page, as validated. */
export interface TokenPageQuery {
  page: number;
  perPage: number;
  sort: string;
  dir: 'asc' | 'desc';
  name?: string;
  user?: string;
  serviceId?: number;
  validUntilBefore?: number;
  validUntilAfter?: number;
  /** Only tokens with a Valid until in [expiresFrom, expiresTo] (both inclusive, tokens without expiry left out). */
  expiresFrom?: number;
  expiresTo?: number;
  /** Keyset paging: start after or before this row's sort key (see `tokenSortKey`); else `page` (offset). */
  seek?: Seek;
}

const creators = aliasOf(users, 'creators');

/** A search's condition: `indexed`, when there is one, the same rows from the prefix indexes (prefixSearch). */
type Search = { where: SQL; indexed?: SQL; selective: boolean };

// Each sort's key, ending with the token's id (unique). The user's and service's ids keep one
// user's (one service's) tokens together, which lets the database walk users (services) in order
// rather than sort every token.
const KEYS: Record<string, KeyColumn[]> = {
  name: [{ col: externalTokens.name }],
  user: [{ col: users.lastname }, { col: users.firstname }, { col: users.id }],
  service: [{ col: externalServices.name }, { col: externalServices.id }],
  validuntil: [{ col: externalTokens.validUntil, nullable: true }],
  lastaccess: [{ col: externalTokens.lastAccess, nullable: true }],
  timecreated: [{ col: externalTokens.timecreated }],
};
const keyOf = (sort: string): KeyColumn[] => [...(KEYS[sort] ?? KEYS.timecreated ?? []), { col: externalTokens.id }];

/** The values of a listed token's sort key, in the order of the sort's key columns (for its cursor). */
export function tokenSortKey(sort: string, r: TokenListRow): KeyValue[] {
  switch (sort) {
    case 'name':
      return [r.t.name, r.t.id];
    case 'user':
      return [r.u.lastname, r.u.firstname, r.u.id, r.t.id];
    case 'service':
      return [r.s.name, r.s.id, r.t.id];
    case 'validuntil':
      return [r.t.validUntil, r.t.id];
    case 'lastaccess':
      return [r.t.lastAccess, r.t.id];
    default:
      return [r.t.timecreated, r.t.id];
  }
}

/** How many values a sort's key (hence its cursor) has. */
export function tokenSortKeySize(sort: string): number {
  return keyOf(sort).length;
}

function baseQuery(db: DbOrTx) {
  return db
    .select({ t: externalTokens, u: users, s: externalServices, c: creators })
    .from(externalTokens)
    .innerJoin(users, eq(users.id, externalTokens.userId))
    .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId))
    .leftJoin(creators, eq(creators.id, externalTokens.creatorId));
}

/** The page's join: TokenListRow's columns (built per call: the tables are the store's dialect's). */
function listQuery(db: DbOrTx) {
  const u = users;
  return db
    .select({
      t: externalTokens,
      u: {
        id: u.id,
        username: u.username,
        firstname: u.firstname,
        lastname: u.lastname,
        auth: u.auth,
        suspended: u.suspended,
        confirmed: u.confirmed,
        passwordExpired: u.passwordExpired,
        siteAdmin: u.siteAdmin,
        deleted: u.deleted,
        isGuest: u.isGuest,
      },
      s: externalServices,
      c: { id: creators.id, username: creators.username },
    })
    .from(externalTokens)
    .innerJoin(users, eq(users.id, externalTokens.userId))
    .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId))
    .leftJoin(creators, eq(creators.id, externalTokens.creatorId));
}

/**
 * One page of Manage tokens (every token but the hidden ones), filtered and sorted. Name and user
 * searches use the trigram indexes (1–2 characters: "starts with", from the prefix indexes); the page's ids come from index-only queries and only those
 * rows are joined. With `seek` the page starts at a row's sort key (as cheap deep in the list as
 * at its start); without, at `page` (offset). `count(cap)` counts with the same conditions, at
 * most cap + 1 rows: the caller caches it per filter.
 */
export async function tokenPage(db: DbOrTx, q: TokenPageQuery): Promise<KeysetPage<TokenListRow>> {
  // A 1–2 character name or user search is "starts with" (prefixSearch), longer ones "contains".
  const name: Search | undefined = q.name
    ? isShortSearch(q.name)
      ? await prefixSearch(db, externalTokens, externalTokens.id, [externalTokens.name], q.name)
      : await searchCondition(
          db,
          externalTokens.id,
          'external_tokens_search',
          ['name'],
          q.name,
          await containsByIndex(db, externalTokens, externalTokens.name, q.name),
        )
    : undefined;
  const userColumns = [users.username, users.firstname, users.lastname];
  const user: Search | undefined = q.user
    ? isShortSearch(q.user)
      ? await prefixSearch(db, users, users.id, userColumns, q.user)
      : await searchCondition(
          db,
          users.id,
          'users_search',
          ['username', 'firstname', 'lastname'],
          q.user,
          or(...userColumns.map((c) => contains(c, q.user as string))) as SQL,
        )
    : undefined;
  // The page's conditions, and the count's: the same rows, but a short name search counts from
  // its prefix index where the page walks the list's order (see prefixSearch).
  const where: SQL[] = [];
  const counted: SQL[] = [];
  const both = (c: SQL) => {
    where.push(c);
    counted.push(c);
  };
  // A selective search drives the query with its matching ids: `+hidden` keeps the planner from
  // walking an index that leads with `hidden` (every row) instead.
  both(
    name?.selective || user?.selective ? unindexedEq(externalTokens.hidden, false) : eq(externalTokens.hidden, false),
  );
  if (name) {
    where.push(name.where);
    counted.push(name.indexed ?? name.where);
  }
  if (user) {
    // The matching users' ids (a short search's from its prefix indexes).
    const ids = db
      .select({ id: users.id })
      .from(users)
      .where(user.indexed ?? user.where);
    // Many matching users: walk the list's order and check each token's user (`+` keeps the
    // planner off the user index, which would fetch and sort every token of every match).
    both(user.selective ? inArray(externalTokens.userId, ids) : unindexedIn(externalTokens.userId, ids));
  }
  if (q.serviceId) both(eq(externalTokens.serviceId, q.serviceId));
  if (q.validUntilBefore !== undefined) both(lte(externalTokens.validUntil, q.validUntilBefore));
  if (q.validUntilAfter !== undefined) {
    both(or(isNull(externalTokens.validUntil), gte(externalTokens.validUntil, q.validUntilAfter)) as SQL);
  }
  if (q.expiresFrom !== undefined) both(gte(externalTokens.validUntil, q.expiresFrom));
  if (q.expiresTo !== undefined) both(lte(externalTokens.validUntil, q.expiresTo));
  const cond = and(...where);
  const key = keyOf(q.sort);
  const read = async (extra: SQL | undefined, dir: 'asc' | 'desc', limit: number, offset = 0) => {
    const where = extra ? and(cond, extra) : cond;
    if (q.sort === 'service' && tablesDialect() === 'pg') return await byServiceLateral(db, where, dir, limit, offset);
    let ids = db.select({ id: externalTokens.id }).from(externalTokens).$dynamic();
    if (q.sort === 'user') ids = ids.innerJoin(users, eq(users.id, externalTokens.userId));
    if (q.sort === 'service') ids = ids.innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId));
    return (
      await ids
        .where(where)
        .orderBy(...keyOrder(key, dir))
        .limit(limit)
        .offset(offset)
    ).map((r) => r.id);
  };
  const n = q.perPage;
  let pageIds: number[];
  let hasNext: boolean;
  let hasPrev: boolean;
  const fromOffset = async (page: number) => {
    const got = await read(undefined, q.dir, n + 1, (page - 1) * n);
    return { ids: got.slice(0, n), hasNext: got.length > n, hasPrev: page > 1 };
  };
  if (!q.seek) {
    ({ ids: pageIds, hasNext, hasPrev } = await fromOffset(q.page));
  } else if (q.seek.from === 'after') {
    const got = await readFrom(key, q.seek, q.dir, n + 1, read);
    pageIds = got.slice(0, n);
    hasNext = got.length > n;
    hasPrev = true;
  } else {
    const got = await readFrom(key, q.seek, q.dir, n + 1, read);
    // Back at the start (rows before went away meanwhile): the first page, full.
    if (got.length <= n) ({ ids: pageIds, hasNext, hasPrev } = await fromOffset(1));
    else {
      pageIds = got.slice(1);
      hasNext = true;
      hasPrev = true;
    }
  }
  const byId = new Map(
    (pageIds.length ? await listQuery(db).where(inArray(externalTokens.id, pageIds)) : []).map((r) => [r.t.id, r]),
  );
  const rows = pageIds.flatMap((id) => {
    const r = byId.get(id);
    return r ? [r] : [];
  });
  // A first page that is not full holds every row the filters select: no count to run (a
  // selective search's count would repeat the page's index lookup).
  const whole = !hasNext && !hasPrev;
  const countUpTo = whole
    ? async (cap: number) => Math.min(pageIds.length, cap + 1)
    : countRows(db, externalTokens, and(...counted));
  return { rows, hasNext, hasPrev, count: countUpTo };
}

/**
 * PostgreSQL, sorted by service: the ids of the tokens `where` selects in the order (service
 * name, service id, token id), `dir`. Its planner does not carry a service's tokens' id order
 * through a join (it sorts every token of the service: ~400 ms for a million), so this reads
 * the services in order and, for each one, its first `offset + limit` tokens in id order from
 * external_tokens_service_idx (service_id, hidden, id), then orders those few. `where` may name
 * the service's columns (the seek conditions): inside the LATERAL subquery they are the outer
 * row's. SQLite walks that order from its own index (its entries end with the rowid).
 */
async function byServiceLateral(
  db: DbOrTx,
  where: SQL | undefined,
  dir: 'asc' | 'desc',
  limit: number,
  offset: number,
): Promise<number[]> {
  const d = sql.raw(dir === 'desc' ? 'DESC' : 'ASC');
  const s = externalServices;
  const inner = sql`SELECT ${externalTokens.id} AS id FROM ${externalTokens}
    WHERE ${externalTokens.serviceId} = ${s.id}${where ? sql` AND ${where}` : sql``}
    ORDER BY ${externalTokens.id} ${d} LIMIT ${limit + offset}`;
  const rows = await rawAll<{ id: number }>(
    db,
    sql`SELECT t.id FROM ${s} CROSS JOIN LATERAL (${inner}) t
      ORDER BY ${s.name} ${d}, ${s.id} ${d}, t.id ${d} LIMIT ${limit} OFFSET ${offset}`,
  );
  return rows.map((r) => Number(r.id));
}

/** A token with its owner, service and creator (hidden ones too: the caller decides). */
export async function findTokenWithParties(db: DbOrTx, id: number): Promise<TokenWithParties | undefined> {
  return (await baseQuery(db).where(eq(externalTokens.id, id)).limit(1)).at(0);
}

export async function findToken(db: DbOrTx, id: number): Promise<TokenRow | undefined> {
  return (await db.select().from(externalTokens).where(eq(externalTokens.id, id)).limit(1)).at(0);
}

/** The ids of a user's own visible tokens (their security keys), oldest first. */
export async function visibleTokenIdsOf(db: DbOrTx, userId: number): Promise<number[]> {
  return (
    await db
      .select({ id: externalTokens.id })
      .from(externalTokens)
      .where(and(eq(externalTokens.userId, userId), eq(externalTokens.hidden, false)))
      .orderBy(asc(externalTokens.id))
  ).map((r) => r.id);
}

/** The services a user holds a visible token for. */
export async function serviceIdsWithVisibleTokensOf(db: DbOrTx, userId: number): Promise<Set<number>> {
  return new Set(
    (
      await db
        .select({ serviceId: externalTokens.serviceId })
        .from(externalTokens)
        .where(and(eq(externalTokens.userId, userId), eq(externalTokens.hidden, false)))
    ).map((r) => r.serviceId),
  );
}

/** A user's tokens of one origin for one service: id, last access and creation time, newest first. */
export async function tokenUsesOf(
  db: DbOrTx,
  userId: number,
  serviceId: number,
  origin: TokenRow['origin'],
): Promise<{ id: number; lastAccess: number | null; timecreated: number }[]> {
  return await db
    .select({ id: externalTokens.id, lastAccess: externalTokens.lastAccess, timecreated: externalTokens.timecreated })
    .from(externalTokens)
    .where(
      and(
        eq(externalTokens.userId, userId),
        eq(externalTokens.serviceId, serviceId),
        eq(externalTokens.origin, origin),
      ),
    )
    .orderBy(desc(externalTokens.id));
}

/** Visible tokens per service id. */
export async function countVisibleTokensByService(db: DbOrTx): Promise<Map<number, number>> {
  return new Map(
    (
      await db
        .select({ serviceId: externalTokens.serviceId, n: count() })
        .from(externalTokens)
        .where(eq(externalTokens.hidden, false))
        .groupBy(externalTokens.serviceId)
    ).map((r) => [r.serviceId, r.n]),
  );
}

export async function insertToken(tx: DbOrTx, values: TokenInsert): Promise<number> {
  return firstRow(await tx.insert(externalTokens).values(values).returning({ id: externalTokens.id })).id;
}

export async function updateToken(tx: DbOrTx, id: number, set: Partial<TokenInsert>): Promise<void> {
  await tx.update(externalTokens).set(set).where(eq(externalTokens.id, id));
}

/** Deletes tokens by id; returns the hashes of those that were there. */
export async function deleteTokensById(tx: DbOrTx, ids: readonly number[]): Promise<string[]> {
  if (!ids.length) return [];
  return (
    await tx
      .delete(externalTokens)
      .where(inArray(externalTokens.id, [...ids]))
      .returning({ hash: externalTokens.tokenHash })
  ).map((r) => r.hash);
}

/** Deletes the tokens of a user, a service, or a user on a service; returns their hashes. */
export async function deleteTokensWhere(tx: DbOrTx, where: { serviceId?: number; userId?: number }): Promise<string[]> {
  const conds: SQL[] = [];
  if (where.serviceId !== undefined) conds.push(eq(externalTokens.serviceId, where.serviceId));
  if (where.userId !== undefined) conds.push(eq(externalTokens.userId, where.userId));
  if (!conds.length) throw new Error('deleteTokensWhere needs a user or a service');
  return (
    await tx
      .delete(externalTokens)
      .where(and(...conds))
      .returning({ hash: externalTokens.tokenHash })
  ).map((r) => r.hash);
}

/** The account with this id, for the token rules (owner, creator). */
export async function findUser(db: DbOrTx, id: number): Promise<UserRow | undefined> {
  return (await db.select().from(users).where(eq(users.id, id)).limit(1)).at(0);
}

/** Which tokens a bulk revoke names: by id, or by user and/or service (visible ones only). */
export interface TokenSelection {
  ids?: readonly number[];
  userId?: number;
  serviceId?: number;
}

function visibleWhere(sel: TokenSelection): SQL {
  const conds: SQL[] = [eq(externalTokens.hidden, false)];
  if (sel.ids !== undefined) conds.push(inArray(externalTokens.id, [...sel.ids]));
  if (sel.userId !== undefined) conds.push(eq(externalTokens.userId, sel.userId));
  if (sel.serviceId !== undefined) conds.push(eq(externalTokens.serviceId, sel.serviceId));
  if (conds.length === 1) throw new Error('A token selection needs ids, a user or a service');
  return and(...conds) as SQL;
}

/** The tokens with these ids (hidden ones too: the caller decides), id, owner and visibility. */
export async function tokensByIds(
  db: DbOrTx,
  ids: readonly number[],
): Promise<{ id: number; userId: number; hidden: boolean }[]> {
  if (!ids.length) return [];
  return await db
    .select({ id: externalTokens.id, userId: externalTokens.userId, hidden: externalTokens.hidden })
    .from(externalTokens)
    .where(inArray(externalTokens.id, [...ids]));
}

/** How many visible tokens a selection names. */
export async function countVisibleTokens(db: DbOrTx, sel: TokenSelection): Promise<number> {
  return (await db.select({ n: count() }).from(externalTokens).where(visibleWhere(sel)).limit(1)).at(0)?.n ?? 0;
}

/** The owners of the visible tokens a selection names. */
export async function ownersOfVisibleTokens(db: DbOrTx, sel: TokenSelection): Promise<UserRow[]> {
  const ids = db.selectDistinct({ id: externalTokens.userId }).from(externalTokens).where(visibleWhere(sel));
  return await db.select().from(users).where(inArray(users.id, ids));
}

/** Deletes the visible tokens a selection names; returns their hashes. */
export async function deleteVisibleTokens(tx: DbOrTx, sel: TokenSelection): Promise<string[]> {
  return (await tx.delete(externalTokens).where(visibleWhere(sel)).returning({ hash: externalTokens.tokenHash })).map(
    (r) => r.hash,
  );
}
