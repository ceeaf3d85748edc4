import type { HUB_SITE_SORTS } from '@gatehouse/shared';
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { type HubSiteRow, hubOutbox, hubSites, hubStolenSecrets, users } from '../../db/schema';
import { contains } from '../../db/sql';

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
  return db.select().from(hubSites).where(eq(hubSites.id, id)).get();
}

export async function sitesByIds(db: DbOrTx, ids: number[]): Promise<HubSiteRow[]> {
  return db.select().from(hubSites).where(inArray(hubSites.id, ids)).all();
}

/** The site with this URL, unregistered (deleted) ones included: a URL is one row. */
export async function siteByUrl(db: DbOrTx, url: string): Promise<HubSiteRow | undefined> {
  return db.select().from(hubSites).where(eq(hubSites.url, url)).get();
}

/** local_hub's get_site_by_url(): the registered (not deleted) site with this URL. */
export async function liveSiteByUrl(db: DbOrTx, url: string): Promise<HubSiteRow | undefined> {
  return db
    .select()
    .from(hubSites)
    .where(and(eq(hubSites.url, url), eq(hubSites.deleted, false)))
    .get();
}

/** local_hub's get_site_by_secret(): the registered (not deleted) site whose secret has this SHA-256 hash. */
export async function liveSiteBySecretHash(db: DbOrTx, secretHash: string): Promise<HubSiteRow | undefined> {
  return db
    .select()
    .from(hubSites)
    .where(and(eq(hubSites.secretHash, secretHash), eq(hubSites.deleted, false)))
    .get();
}

/** Unregistered sites give up their secret's hash when another registration brings it (secrets are unique). */
export async function releaseSecretOfDeletedSites(tx: DbOrTx, secretHash: string, exceptId: number): Promise<void> {
  tx.update(hubSites)
    .set({ secretHash: null })
    .where(and(eq(hubSites.secretHash, secretHash), eq(hubSites.deleted, true), ne(hubSites.id, exceptId)))
    .run();
}

/** Marks the site confirmed (its first call with its token), once; whether it changed anything. */
export async function markSiteConfirmed(tx: DbOrTx, id: number, now: number): Promise<boolean> {
  const r = tx
    .update(hubSites)
    .set({ timeConfirmed: now })
    .where(and(eq(hubSites.id, id), isNull(hubSites.timeConfirmed)))
    .run();
  return r.changes > 0;
}

/** The site a hub user belongs to (each registered site has its own user). */
export async function siteOfUser(db: DbOrTx, userId: number): Promise<HubSiteRow | undefined> {
  return db.select().from(hubSites).where(eq(hubSites.userId, userId)).get();
}

// ---- stolen secrets (local_hub's hub_stolen_site_secrets) ---------------------------------

export async function isSecretStolen(db: DbOrTx, secretHash: string): Promise<boolean> {
  return !!db
    .select({ id: hubStolenSecrets.id })
    .from(hubStolenSecrets)
    .where(eq(hubStolenSecrets.secretHash, secretHash))
    .get();
}

export async function insertStolenSecret(tx: DbOrTx, secretHash: string, siteUrl: string, now: number): Promise<void> {
  tx.insert(hubStolenSecrets)
    .values({ secretHash, siteUrl, timeBlocked: now })
    .onConflictDoNothing({ target: hubStolenSecrets.secretHash })
    .run();
}

/** Whether a site other than `exceptId` has this URL. */
export async function otherSiteHasUrl(db: DbOrTx, url: string, exceptId: number): Promise<boolean> {
  return !!db
    .select({ id: hubSites.id })
    .from(hubSites)
    .where(and(eq(hubSites.url, url), ne(hubSites.id, exceptId)))
    .get();
}

export async function insertSite(tx: DbOrTx, values: NewHubSite): Promise<HubSiteRow> {
  return tx.insert(hubSites).values(values).returning().get();
}

export async function updateSite(tx: DbOrTx, id: number, set: Partial<NewHubSite>): Promise<void> {
  tx.update(hubSites).set(set).where(eq(hubSites.id, id)).run();
}

export async function deleteSiteRow(tx: DbOrTx, id: number): Promise<void> {
  tx.delete(hubSites).where(eq(hubSites.id, id)).run();
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

const published = sql<number>`(SELECT count(*) FROM hub_courses c WHERE c.site_id = ${hubSites.id} AND c.deleted = 0)`;
const publishedVisible = sql<number>`(SELECT count(*) FROM hub_courses c WHERE c.site_id = ${hubSites.id} AND c.deleted = 0 AND c.visible = 1)`;

const SORTS = {
  name: [hubSites.name],
  url: [hubSites.url],
  language: [hubSites.language, hubSites.name],
  country: [hubSites.country, hubSites.name],
  trusted: [hubSites.trusted, hubSites.name],
  prioritised: [hubSites.prioritised, hubSites.name],
  visible: [hubSites.visible, hubSites.name],
  courses: [published],
  timeregistered: [hubSites.timeRegistered],
  timeconfirmed: [hubSites.timeConfirmed, hubSites.name],
} as const satisfies Record<SiteOrder['sort'], unknown>;

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

export async function listSiteViews(db: DbOrTx, f: SiteFilter, order: SiteOrder, page: RowPage): Promise<SiteView[]> {
  const dir = order.dir === 'desc' ? desc : asc;
  return siteViews(db)
    .where(siteCondition(f))
    .orderBy(...SORTS[order.sort].map((c) => dir(c)), dir(hubSites.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}

export async function siteViewById(db: DbOrTx, id: number): Promise<SiteView | undefined> {
  return siteViews(db).where(eq(hubSites.id, id)).get();
}

export async function countSites(db: DbOrTx, f: SiteFilter = {}): Promise<number> {
  return db.select({ n: count() }).from(hubSites).where(siteCondition(f)).get()?.n ?? 0;
}

/** How many sites the hub lists (visible, registered ones), as hub_get_info reports it. */
export async function countVisibleSites(db: DbOrTx): Promise<number> {
  return (
    db
      .select({ n: count() })
      .from(hubSites)
      .where(and(eq(hubSites.visible, true), eq(hubSites.deleted, false)))
      .get()?.n ?? 0
  );
}

// ---- the outbox -----------------------------------------------------------------------------

export async function insertOutboxMessage(tx: DbOrTx, values: NewHubOutboxMessage): Promise<HubOutboxRow> {
  return tx.insert(hubOutbox).values(values).returning().get();
}

/** One page of messages, by time (then id). */
export async function listOutboxMessages(db: DbOrTx, dir: 'asc' | 'desc', page: RowPage): Promise<HubOutboxRow[]> {
  const by = dir === 'asc' ? asc : desc;
  return db
    .select()
    .from(hubOutbox)
    .orderBy(by(hubOutbox.time), by(hubOutbox.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}

export async function countOutboxMessages(db: DbOrTx): Promise<number> {
  return db.select({ n: count() }).from(hubOutbox).get()?.n ?? 0;
}
