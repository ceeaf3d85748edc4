import type { HUB_SITE_SORTS } from '@gatehouse/shared';
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
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
import { type HubSiteRow, hubOutbox, hubSites, hubStolenSecrets, tablesDialect, users } from '../../db/schema';
import { affected, contains, firstRow } from '../../db/sql';

// The sites registered with the hub (hub_sites) and the messages the hub sends their contacts
// (hub_outbox).

export type { HubSiteRow };
export type NewHubSite = typeof hubSites.$inferInsert;
export type HubOutboxRow = typeof hubOutbox.$inferSelect;
export type NewHubOutboxMessage = typeof hubOutbox.$inferInsert;

/** Keywords: every word (at most 10) must appear in one of the columns. */
export function keywordsCondition(text: string | undefined, columns: Parameters<typeof contains>[0][]): SQL[] {
  const words = (text ?? '').split(/\s+/).filter(Boolean).slice(0, 10);
  return words.map((w) => or(...columns.map((c) => contains(c, w))) as SQL);
}

export async function siteById(db: DbOrTx, id: number): Promise<HubSiteRow | undefined> {
  return (await db.select().from(hubSites).where(eq(hubSites.id, id)).limit(1)).at(0);
}

export async function sitesByIds(db: DbOrTx, ids: number[]): Promise<HubSiteRow[]> {
  return await db.select().from(hubSites).where(inArray(hubSites.id, ids));
}

/** The site with this URL, unregistered (deleted) ones included: a URL is one row. */
export async function siteByUrl(db: DbOrTx, url: string): Promise<HubSiteRow | undefined> {
  return (await db.select().from(hubSites).where(eq(hubSites.url, url)).limit(1)).at(0);
}

/** local_hub's get_site_by_url(): the registered (not deleted) site with this URL. */
export async function liveSiteByUrl(db: DbOrTx, url: string): Promise<HubSiteRow | undefined> {
  return (
    await db
      .select()
      .from(hubSites)
      .where(and(eq(hubSites.url, url), eq(hubSites.deleted, false)))
      .limit(1)
  ).at(0);
}

/** local_hub's get_site_by_secret(): the registered (not deleted) site whose secret has this SHA-256 hash. */
export async function liveSiteBySecretHash(db: DbOrTx, secretHash: string): Promise<HubSiteRow | undefined> {
  return (
    await db
      .select()
      .from(hubSites)
      .where(and(eq(hubSites.secretHash, secretHash), eq(hubSites.deleted, false)))
      .limit(1)
  ).at(0);
}

/** Unregistered sites give up their secret's hash when another registration brings it (secrets are unique). */
export async function releaseSecretOfDeletedSites(tx: DbOrTx, secretHash: string, exceptId: number): Promise<void> {
  await tx
    .update(hubSites)
    .set({ secretHash: null })
    .where(and(eq(hubSites.secretHash, secretHash), eq(hubSites.deleted, true), ne(hubSites.id, exceptId)));
}

/** Marks the site confirmed (its first call with its token), once; whether it changed anything. */
export async function markSiteConfirmed(tx: DbOrTx, id: number, now: number): Promise<boolean> {
  const r = await tx
    .update(hubSites)
    .set({ timeConfirmed: now })
    .where(and(eq(hubSites.id, id), isNull(hubSites.timeConfirmed)));
  return affected(r) > 0;
}

/** The site a hub user belongs to (each registered site has its own user). */
export async function siteOfUser(db: DbOrTx, userId: number): Promise<HubSiteRow | undefined> {
  return (await db.select().from(hubSites).where(eq(hubSites.userId, userId)).limit(1)).at(0);
}

// ---- stolen secrets (local_hub's hub_stolen_site_secrets) ---------------------------------

export async function isSecretStolen(db: DbOrTx, secretHash: string): Promise<boolean> {
  return !!(
    await db
      .select({ id: hubStolenSecrets.id })
      .from(hubStolenSecrets)
      .where(eq(hubStolenSecrets.secretHash, secretHash))
      .limit(1)
  ).at(0);
}

export async function insertStolenSecret(tx: DbOrTx, secretHash: string, siteUrl: string, now: number): Promise<void> {
  await tx
    .insert(hubStolenSecrets)
    .values({ secretHash, siteUrl, timeBlocked: now })
    .onConflictDoNothing({ target: hubStolenSecrets.secretHash });
}

/** Whether a site other than `exceptId` has this URL. */
export async function otherSiteHasUrl(db: DbOrTx, url: string, exceptId: number): Promise<boolean> {
  return !!(
    await db
      .select({ id: hubSites.id })
      .from(hubSites)
      .where(and(eq(hubSites.url, url), ne(hubSites.id, exceptId)))
      .limit(1)
  ).at(0);
}

export async function insertSite(tx: DbOrTx, values: NewHubSite): Promise<HubSiteRow> {
  return firstRow(await tx.insert(hubSites).values(values).returning());
}

export async function updateSite(tx: DbOrTx, id: number, set: Partial<NewHubSite>): Promise<void> {
  await tx.update(hubSites).set(set).where(eq(hubSites.id, id));
}

export async function deleteSiteRow(tx: DbOrTx, id: number): Promise<void> {
  await tx.delete(hubSites).where(eq(hubSites.id, id));
}

// ---- Manage sites: the list, with each site's user and published courses ------------------

/** Which sites: every field narrows the list. */
export interface SiteFilter {
  /** Keywords, each in the name, URL, description or contact. */
  search?: string;
  /** registered: pending and confirmed (not deleted); all: every site. Default: registered. */
  status?: 'registered' | 'pending' | 'confirmed' | 'unregistered' | 'all';
  trusted?: boolean;
  language?: string;
  country?: string;
}

export interface SiteOrder {
  sort: (typeof HUB_SITE_SORTS)[number];
  dir: 'asc' | 'desc';
}

export interface RowPage {
  limit: number;
  offset: number;
}

/** A site as Manage sites shows it: whether its user is protected, how many courses it published. */
export interface SiteView {
  s: HubSiteRow;
  userProtected: boolean | null;
  published: number;
  publishedVisible: number;
}

// Boolean literals in the tables' dialect (SQLite's are 0/1; PostgreSQL's columns are boolean).
const [no, yes] = tablesDialect() === 'pg' ? [sql.raw('false'), sql.raw('true')] : [sql.raw('0'), sql.raw('1')];
const published = sql<number>`(SELECT count(*) FROM hub_courses c WHERE c.site_id = ${hubSites.id} AND c.deleted = ${no})`;
const publishedVisible = sql<number>`(SELECT count(*) FROM hub_courses c WHERE c.site_id = ${hubSites.id} AND c.deleted = ${no} AND c.visible = ${yes})`;

// Each sort's key, ending with the site's id (unique), so that every row has one place in the
// list and a keyset cursor names it exactly.
const KEYS: Record<SiteOrder['sort'], KeyColumn[]> = {
  name: [{ col: hubSites.name }],
  url: [{ col: hubSites.url }],
  language: [{ col: hubSites.language }, { col: hubSites.name }],
  country: [{ col: hubSites.country }, { col: hubSites.name }],
  trusted: [{ col: hubSites.trusted }, { col: hubSites.name }],
  prioritised: [{ col: hubSites.prioritised }, { col: hubSites.name }],
  visible: [{ col: hubSites.visible }, { col: hubSites.name }],
  // drizzle compares and orders an SQL expression as it does a column.
  courses: [{ col: published as unknown as KeyColumn['col'] }],
  timeregistered: [{ col: hubSites.timeRegistered }],
  timeconfirmed: [{ col: hubSites.timeConfirmed, nullable: true }, { col: hubSites.name }],
};
const siteKey = (sort: SiteOrder['sort']): KeyColumn[] => [...KEYS[sort], { col: hubSites.id }];

/** How many values a sort's key (hence its cursor) has. */
export const siteSortKeySize = (sort: SiteOrder['sort']): number => siteKey(sort).length;

const bit = (b: boolean) => (b ? 1 : 0);

/** The values of a listed site's sort key, in the order of the sort's key columns (for its cursor). */
export function siteSortKey(sort: SiteOrder['sort'], v: SiteView): KeyValue[] {
  const s = v.s;
  switch (sort) {
    case 'name':
      return [s.name, s.id];
    case 'url':
      return [s.url, s.id];
    case 'language':
      return [s.language, s.name, s.id];
    case 'country':
      return [s.country, s.name, s.id];
    case 'trusted':
      return [bit(s.trusted), s.name, s.id];
    case 'prioritised':
      return [bit(s.prioritised), s.name, s.id];
    case 'visible':
      return [bit(s.visible), s.name, s.id];
    case 'courses':
      return [v.published, s.id];
    case 'timeregistered':
      return [s.timeRegistered, s.id];
    case 'timeconfirmed':
      return [s.timeConfirmed, s.name, s.id];
  }
}

function siteCondition(f: SiteFilter): SQL | undefined {
  const where: SQL[] = keywordsCondition(f.search, [
    hubSites.name,
    hubSites.url,
    hubSites.description,
    hubSites.contactName,
    hubSites.contactEmail,
  ]);
  switch (f.status ?? 'registered') {
    case 'registered':
      where.push(eq(hubSites.deleted, false));
      break;
    case 'pending':
      where.push(eq(hubSites.deleted, false), isNull(hubSites.timeConfirmed));
      break;
    case 'confirmed':
      where.push(eq(hubSites.deleted, false), isNotNull(hubSites.timeConfirmed));
      break;
    case 'unregistered':
      where.push(eq(hubSites.deleted, true));
      break;
    case 'all':
      break;
  }
  if (f.trusted !== undefined) where.push(eq(hubSites.trusted, f.trusted));
  if (f.language) where.push(eq(hubSites.language, f.language));
  if (f.country) where.push(eq(hubSites.country, f.country));
  return where.length ? and(...where) : undefined;
}

function siteViews(db: DbOrTx) {
  return db
    .select({
      s: hubSites,
      userProtected: users.protected,
      published: published.mapWith(Number),
      publishedVisible: publishedVisible.mapWith(Number),
    })
    .from(hubSites)
    .leftJoin(users, eq(users.id, hubSites.userId));
}

/** Where a list page starts: after / before a row's sort key (`seek`), else at page `page`. */
export interface ListPageAt {
  page: number;
  perPage: number;
  seek?: Seek;
}

/**
 * One page of a keyset-paged list. `read(where, dir, limit, offset)` reads one run of rows in the
 * list's order `dir` (its filters, the extra `where` and the ORDER BY of `key`): a page by cursor
 * reads up to perPage + 1 rows from its row on (is there a next?), a page by number skips the
 * rows before it. Going back to a start that moved (rows before went away) gives the first page.
 */
export async function keysetRows<R>(
  key: readonly KeyColumn[],
  dir: 'asc' | 'desc',
  at: ListPageAt,
  read: (extra: SQL | undefined, dir: 'asc' | 'desc', limit: number, offset?: number) => Promise<R[]>,
): Promise<{ rows: R[]; hasNext: boolean; hasPrev: boolean }> {
  const n = at.perPage;
  const fromOffset = async (page: number) => {
    const got = await read(undefined, dir, n + 1, (page - 1) * n);
    return { rows: got.slice(0, n), hasNext: got.length > n, hasPrev: page > 1 };
  };
  if (!at.seek) return await fromOffset(at.page);
  const got = await readFrom(key, at.seek, dir, n + 1, read);
  if (at.seek.from === 'after') return { rows: got.slice(0, n), hasNext: got.length > n, hasPrev: true };
  if (got.length <= n) return await fromOffset(1);
  return { rows: got.slice(1), hasNext: true, hasPrev: true };
}

/** Manage sites: one page of the sites `f` selects in `order`, and their count (at most cap + 1). */
export async function siteViewsPage(
  db: DbOrTx,
  f: SiteFilter,
  order: SiteOrder,
  at: ListPageAt,
): Promise<KeysetPage<SiteView>> {
  const cond = siteCondition(f);
  const key = siteKey(order.sort);
  const read = async (extra: SQL | undefined, dir: 'asc' | 'desc', limit: number, offset = 0) => {
    return await siteViews(db)
      .where(extra ? and(cond, extra) : cond)
      .orderBy(...keyOrder(key, dir))
      .limit(limit)
      .offset(offset);
  };
  const page = await keysetRows(key, order.dir, at, read);
  const countUpTo = countRows(db, hubSites, cond);
  return { ...page, count: countUpTo };
}

export async function siteViewById(db: DbOrTx, id: number): Promise<SiteView | undefined> {
  return (await siteViews(db).where(eq(hubSites.id, id)).limit(1)).at(0);
}

export async function countSites(db: DbOrTx, f: SiteFilter = {}): Promise<number> {
  return (await db.select({ n: count() }).from(hubSites).where(siteCondition(f)).limit(1)).at(0)?.n ?? 0;
}

/** How many sites the hub lists (visible, registered ones), as hub_get_info reports it. */
export async function countVisibleSites(db: DbOrTx): Promise<number> {
  return (
    (
      await db
        .select({ n: count() })
        .from(hubSites)
        .where(and(eq(hubSites.visible, true), eq(hubSites.deleted, false)))
        .limit(1)
    ).at(0)?.n ?? 0
  );
}

// ---- the outbox -----------------------------------------------------------------------------

export async function insertOutboxMessage(tx: DbOrTx, values: NewHubOutboxMessage): Promise<HubOutboxRow> {
  return firstRow(await tx.insert(hubOutbox).values(values).returning());
}

/** One page of messages, by time (then id). */
export async function listOutboxMessages(db: DbOrTx, dir: 'asc' | 'desc', page: RowPage): Promise<HubOutboxRow[]> {
  const by = dir === 'asc' ? asc : desc;
  return await db
    .select()
    .from(hubOutbox)
    .orderBy(by(hubOutbox.time), by(hubOutbox.id))
    .limit(page.limit)
    .offset(page.offset);
}

export async function countOutboxMessages(db: DbOrTx): Promise<number> {
  return (await db.select({ n: count() }).from(hubOutbox).limit(1)).at(0)?.n ?? 0;
}
