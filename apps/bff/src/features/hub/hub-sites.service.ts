import { domainToASCII } from 'node:url';
import {
  type HubOutboxMessageDto,
  type HubSiteAction,
  type HubSiteBulk,
  type HubSiteBulkDeleteDto,
  type HubSiteDto,
  type HubSiteListQuery,
  type HubSiteUpdate,
  hubOutboxQuerySchema,
  hubSiteBulkSchema,
  hubSiteListQuerySchema,
  hubSiteUpdateSchema,
} from '@gatehouse/shared';
import { and, asc, count, desc, eq, inArray, ne, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client';
import { type HubSiteRow, hubCourses, hubOutbox, hubSites, roleAssignments, users } from '../../db/schema';
import type { Deps } from '../../deps';
import { conflict, HttpError, notFound } from '../../lib/http-error';
import { contains } from '../../lib/sql';
import { type Actor, writeAudit } from '../audit/audit.service';
import { endUserSessions } from '../auth/sessions';
import { deleteTokensOf } from '../tokens/tokens-of';
import { hubUrl, readHubConfig } from './hub-config';

/**
 * A site address in one form, so that every spelling of one site is the same site:
 * "HTTPS://X.Example.:443/index.php", "https://x.example/" and "https://x.example" are all
 * "https://x.example". Scheme and host in lower case, an international host name in its
 * punycode (xn--) form, no trailing dot on the host, no default port (:80 for http, :443 for
 * https), no trailing /index.php, no trailing slashes, no query or fragment. Undefined when it
 * is not an http(s) address of a host (with no user name or password in it).
 */
export function normaliseSiteUrl(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.username || u.password) return undefined;
  // URL already lower-cases the scheme and host, writes IDN hosts in punycode and drops the
  // scheme's default port; domainToASCII makes sure of the punycode form once the dots are off.
  const bare = u.hostname.replace(/\.+$/, '');
  if (!bare) return undefined;
  const host = bare.startsWith('[') ? bare : domainToASCII(bare);
  if (!host) return undefined;
  const defaultPort = u.protocol === 'http:' ? '80' : '443';
  const port = u.port && u.port !== defaultPort ? `:${u.port}` : '';
  let path = u.pathname;
  for (let prev = ''; prev !== path; ) {
    prev = path;
    path = path.replace(/\/+$/, '').replace(/\/index\.php$/i, '');
  }
  return `${u.protocol}//${host}${port}${path}`;
}

export function siteOfUser(db: DbOrTx, userId: number): HubSiteRow | undefined {
  return db.select().from(hubSites).where(eq(hubSites.userId, userId)).get();
}

export function siteByUrl(db: DbOrTx, url: string): HubSiteRow | undefined {
  return db.select().from(hubSites).where(eq(hubSites.url, url)).get();
}

/** The daily maximum that applies to a site: its own, or the hub's default. */
export function effectiveMaxPerDay(db: DbOrTx, site: Pick<HubSiteRow, 'maxCoursesPerDay'>): number {
  return site.maxCoursesPerDay ?? readHubConfig(db).maxCoursesPerDay;
}

/**
 * Takes away what a site used to reach the hub: its user is deleted (soft, as the console
 * deletes users: the row stays, marked deleted, without roles) and its tokens go.
 */
export function removeSiteAccess(tx: Tx, site: HubSiteRow, now: number): number {
  if (site.userId === null) return 0;
  tx.update(users).set({ deleted: true, suspended: true, timemodified: now }).where(eq(users.id, site.userId)).run();
  endUserSessions(tx, site.userId);
  tx.delete(roleAssignments).where(eq(roleAssignments.userId, site.userId)).run();
  return deleteTokensOf(tx, { userId: site.userId });
}

// ---- the console: Manage sites ---------------------------------------------------------------

const published = sql<number>`(SELECT count(*) FROM hub_courses c WHERE c.site_id = ${hubSites.id})`;
const publishedVisible = sql<number>`(SELECT count(*) FROM hub_courses c WHERE c.site_id = ${hubSites.id} AND c.visible = 1)`;

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
} as const;

function siteQuery(db: DbOrTx) {
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

type SiteQueryRow = Awaited<ReturnType<ReturnType<typeof siteQuery>['all']>>[number];

function toDto(row: SiteQueryRow, defaultMax: number): HubSiteDto {
  const s = row.s;
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    description: s.description,
    contactName: s.contactName,
    contactEmail: s.contactEmail,
    language: s.language,
    country: s.country,
    trusted: s.trusted,
    prioritised: s.prioritised,
    visible: s.visible,
    maxCoursesPerDay: s.maxCoursesPerDay,
    effectiveMaxCoursesPerDay: s.maxCoursesPerDay ?? defaultMax,
    protected: !!row.userProtected,
    userId: s.userId,
    statistics: {
      courses: s.statCourses,
      users: s.statUsers,
      published: row.published,
      publishedVisible: row.publishedVisible,
    },
    moodleRelease: s.moodleRelease,
    timeRegistered: s.timeRegistered,
    timeModified: s.timeModified,
  };
}

/** Keywords: every word must appear in one of the fields. */
export function keywordsCondition(text: string | undefined, fields: Parameters<typeof contains>[0][]): SQL[] {
  const words = (text ?? '').split(/\s+/).filter(Boolean).slice(0, 10);
  return words.map((w) => or(...fields.map((f) => contains(f, w))) as SQL);
}

export function listSites(deps: Deps, input: HubSiteListQuery) {
  const q = hubSiteListQuerySchema.parse(input);
  const { db } = deps.store;
  const where: SQL[] = keywordsCondition(q.search, [
    hubSites.name,
    hubSites.url,
    hubSites.description,
    hubSites.contactName,
    hubSites.contactEmail,
  ]);
  if (q.trusted) where.push(eq(hubSites.trusted, q.trusted === 'yes'));
  if (q.language) where.push(eq(hubSites.language, q.language));
  if (q.country) where.push(eq(hubSites.country, q.country));
  const cond = where.length ? and(...where) : undefined;
  const dir = q.dir === 'desc' ? desc : asc;
  const rows = siteQuery(db)
    .where(cond)
    .orderBy(...SORTS[q.sort].map((c) => dir(c)), dir(hubSites.id))
    .limit(q.perPage)
    .offset((q.page - 1) * q.perPage)
    .all();
  const total = db.select({ n: count() }).from(hubSites).where(cond).get()?.n ?? 0;
  const defaultMax = readHubConfig(db).maxCoursesPerDay;
  return { items: rows.map((r) => toDto(r, defaultMax)), total, page: q.page, perPage: q.perPage };
}

export function getSiteDto(deps: Deps, id: number): HubSiteDto {
  const row = siteQuery(deps.store.db).where(eq(hubSites.id, id)).get();
  if (!row) throw notFound('Site');
  return toDto(row, readHubConfig(deps.store.db).maxCoursesPerDay);
}

function loadSite(deps: Deps, id: number): HubSiteRow {
  const s = deps.store.db.select().from(hubSites).where(eq(hubSites.id, id)).get();
  if (!s) throw notFound('Site');
  return s;
}

const ACTIONS: Record<HubSiteAction, (s: HubSiteRow) => Partial<HubSiteRow>> = {
  // A prioritised site is always trusted.
  prioritise: () => ({ prioritised: true, trusted: true }),
  unprioritise: () => ({ prioritised: false }),
  trust: () => ({ trusted: true }),
  // No longer trusted: no longer prioritised either.
  untrust: () => ({ trusted: false, prioritised: false }),
  show: () => ({ visible: true }),
  hide: () => ({ visible: false }),
};

const ACTION_WORDS: Record<HubSiteAction, string> = {
  prioritise: 'Prioritised',
  unprioritise: 'Unprioritised',
  trust: 'Trusted',
  untrust: 'Untrusted',
  show: 'Made visible',
  hide: 'Hid',
};

export function siteAction(deps: Deps, id: number, action: HubSiteAction, actor: Actor): HubSiteDto {
  const s = loadSite(deps, id);
  const set = ACTIONS[action](s);
  const changed = Object.entries(set).filter(([k, v]) => s[k as keyof HubSiteRow] !== v);
  if (changed.length) {
    deps.store.db.transaction((tx) => {
      tx.update(hubSites)
        .set({ ...set, timeModified: deps.now() })
        .where(eq(hubSites.id, id))
        .run();
      writeAudit(
        tx,
        actor,
        {
          action: `hub.site.${action}`,
          targetType: 'hubsite',
          targetId: id,
          summary: `${ACTION_WORDS[action]} the hub site ${s.name} (${s.url})`,
          details: Object.fromEntries(changed),
        },
        deps.now(),
      );
    });
  }
  return getSiteDto(deps, id);
}

export function updateSiteSettings(deps: Deps, id: number, input: HubSiteUpdate, actor: Actor): HubSiteDto {
  const patch = hubSiteUpdateSchema.parse(input);
  const s = loadSite(deps, id);
  const set: Partial<HubSiteRow> = { ...patch };
  if (patch.url !== undefined) {
    const url = normaliseSiteUrl(patch.url);
    if (!url) throw new HttpError(400, 'invalid', 'url: An http:// or https:// address', { url: 'Invalid address' });
    const other = deps.store.db
      .select({ id: hubSites.id })
      .from(hubSites)
      .where(and(eq(hubSites.url, url), ne(hubSites.id, id)))
      .get();
    if (other) throw conflict('Another registered site has this URL', { url: 'Another registered site has this URL' });
    set.url = url;
  }
  const changed = Object.fromEntries(Object.entries(set).filter(([k, v]) => s[k as keyof HubSiteRow] !== v));
  if (!Object.keys(changed).length) return getSiteDto(deps, id);
  deps.store.db.transaction((tx) => {
    tx.update(hubSites)
      .set({ ...changed, timeModified: deps.now() })
      .where(eq(hubSites.id, id))
      .run();
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.site.update',
        targetType: 'hubsite',
        targetId: id,
        summary: `Updated the hub site ${s.name}: ${Object.keys(changed).join(', ')}`,
        details: { changed },
      },
      deps.now(),
    );
  });
  return getSiteDto(deps, id);
}

/** The message the hub sends a site's contact when the administrator removes the site. */
function siteRemovedMessage(deps: Deps, db: DbOrTx, site: HubSiteRow, courses: { count: number; deleted: boolean }) {
  const hub = readHubConfig(db);
  const url = hubUrl(deps.env);
  const subject = `Your site "${site.name}" was removed from the hub "${hub.name}"`;
  const coursesLine =
    courses.count === 0
      ? 'The site had no courses published on the hub.'
      : courses.deleted
        ? `The ${courses.count} course(s) it published on the hub were removed too.`
        : `The ${courses.count} course(s) it published on the hub were kept; the hub administrator decides what becomes of them.`;
  const signature = hub.contactName
    ? `${hub.contactName}${hub.contactEmail ? ` <${hub.contactEmail}>` : ''}, administrator of ${hub.name}`
    : `The administrator of ${hub.name}`;
  const body = [
    `Dear ${site.contactName || 'site administrator'},`,
    '',
    `Your site "${site.name}" (${site.url}) has been removed from the hub "${hub.name}" (${url}) by the hub administrator.`,
    coursesLine,
    "The site's registration and its access key to the hub were cancelled: it can no longer publish courses there. To publish again, register the site with the hub again.",
    '',
    signature,
  ].join('\n');
  return { subject, body };
}

/**
 * Deletes one site in the caller's transaction: with its courses when asked (otherwise they
 * stay, without a site, for the administrator to handle); its user and token go; the message to
 * the site's contact is written to the outbox; audited.
 */
function deleteSiteIn(deps: Deps, tx: Tx, s: HubSiteRow, withCourses: boolean, actor: Actor, now: number) {
  const courseCount = tx.select({ n: count() }).from(hubCourses).where(eq(hubCourses.siteId, s.id)).get()?.n ?? 0;
  if (withCourses) tx.delete(hubCourses).where(eq(hubCourses.siteId, s.id)).run();
  const tokensDeleted = removeSiteAccess(tx, s, now);
  tx.delete(hubSites).where(eq(hubSites.id, s.id)).run();
  const msg = siteRemovedMessage(deps, tx, s, { count: courseCount, deleted: withCourses });
  const message = tx
    .insert(hubOutbox)
    .values({
      time: now,
      kind: 'siteremoved',
      siteId: s.id,
      siteName: s.name,
      siteUrl: s.url,
      toName: s.contactName,
      toEmail: s.contactEmail,
      ...msg,
    })
    .returning()
    .get();
  writeAudit(
    tx,
    actor,
    {
      action: 'hub.site.delete',
      targetType: 'hubsite',
      targetId: s.id,
      summary: `Deleted the hub site ${s.name} (${s.url}) ${withCourses ? `and its ${courseCount} course(s)` : `keeping its ${courseCount} course(s)`}; message to ${s.contactEmail || 'no address'} written to the outbox`,
      details: { withCourses, courses: courseCount, tokensDeleted, outboxId: message.id },
    },
    now,
  );
  return {
    coursesDeleted: withCourses ? courseCount : 0,
    coursesKept: withCourses ? 0 : courseCount,
    message: message as HubOutboxMessageDto,
  };
}

/** Manage sites > Delete: one site (see deleteSiteIn). */
export function deleteSite(deps: Deps, id: number, withCourses: boolean, actor: Actor) {
  const s = loadSite(deps, id);
  const result = deps.store.db.transaction((tx) => deleteSiteIn(deps, tx, s, withCourses, actor, deps.now()));
  deps.gen.bump();
  return result;
}

/**
 * Manage sites > With selected sites > Delete: each site as Delete does it, all in one
 * transaction, so either every site goes or none does (an unknown id: 404, nothing deleted).
 */
export function deleteSites(deps: Deps, input: HubSiteBulk, actor: Actor): HubSiteBulkDeleteDto {
  const { ids, withCourses } = hubSiteBulkSchema.parse(input);
  const now = deps.now();
  const result = deps.store.db.transaction((tx) => {
    const found = tx.select().from(hubSites).where(inArray(hubSites.id, ids)).all();
    const byId = new Map(found.map((s) => [s.id, s]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) {
      throw new HttpError(404, 'notfound', `No such site: ${missing.join(', ')}. Nothing was deleted.`);
    }
    const out: HubSiteBulkDeleteDto = { deleted: 0, coursesDeleted: 0, coursesKept: 0, messages: [] };
    for (const id of ids) {
      const r = deleteSiteIn(deps, tx, byId.get(id) as HubSiteRow, withCourses, actor, now);
      out.deleted++;
      out.coursesDeleted += r.coursesDeleted;
      out.coursesKept += r.coursesKept;
      out.messages.push(r.message);
    }
    return out;
  });
  deps.gen.bump();
  return result;
}

export function listOutbox(deps: Deps, input: unknown) {
  const q = hubOutboxQuerySchema.parse(input);
  const { db } = deps.store;
  const dir = q.dir === 'asc' ? asc : desc;
  const items: HubOutboxMessageDto[] = db
    .select()
    .from(hubOutbox)
    .orderBy(dir(hubOutbox.time), dir(hubOutbox.id))
    .limit(q.perPage)
    .offset((q.page - 1) * q.perPage)
    .all();
  const total = db.select({ n: count() }).from(hubOutbox).get()?.n ?? 0;
  return { items, total, page: q.page, perPage: q.perPage };
}
