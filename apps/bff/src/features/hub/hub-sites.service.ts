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
  LIST_COUNT_CAP,
  type ListPageDto,
} from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, type WriteScope, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { conflict, DomainError, notFound } from '../../lib/errors';
import { decodeCursor, encodeCursor } from '../../lib/list-cursor';
import { endUserSessionsIn } from '../auth/sessions';
import { deleteTokensOf } from '../tokens/tokens-of';
import { deleteRoleAssignmentsOf, markUserDeleted } from '../users/users.repo';
import { hubUrl, readHubConfig } from './hub-config';
import { countCoursesOfSite, deleteCoursesOfSite } from './hub-courses.repo';
import {
  countOutboxMessages,
  deleteSiteRow,
  type HubSiteRow,
  insertOutboxMessage,
  insertStolenSecret,
  listOutboxMessages,
  otherSiteHasUrl,
  type SiteView,
  siteById,
  siteSortKey,
  siteSortKeySize,
  sitesByIds,
  siteViewById,
  siteViewsPage,
  updateSite,
} from './hub-sites.repo';
import { deleteSiteCourseFilesIn, releaseHubContent } from './local-hub-files';

// The registered site a hub user belongs to, for the hub's web-service functions.
export { siteOfUser } from './hub-sites.repo';

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

/** The daily maximum that applies to a site: its own, or the hub's default. */
export async function effectiveMaxPerDay(db: DbOrTx, site: Pick<HubSiteRow, 'maxCoursesPerDay'>): Promise<number> {
  return site.maxCoursesPerDay ?? (await readHubConfig(db)).maxCoursesPerDay;
}

/**
 * Takes away what a site used to reach the hub, in the caller's write: its user is deleted
 * (soft, as the console deletes users: the row stays, marked deleted, without roles or
 * sessions) and its tokens go. Returns how many tokens went.
 */
async function removeSiteAccessIn(tx: DbOrTx, w: WriteScope, site: HubSiteRow, now: number): Promise<number> {
  if (site.userId === null) return 0;
  await markUserDeleted(tx, site.userId, now);
  await endUserSessionsIn(tx, site.userId);
  await deleteRoleAssignmentsOf(tx, site.userId);
  w.invalidate({ kind: 'user', id: site.userId }, { kind: 'roles' });
  return deleteTokensOf(tx, w, { userId: site.userId });
}

/**
 * local_hub's unregister_site(), in the caller's write: the site stays, marked deleted, not
 * visible, not trusted, not prioritised, with its courses; its user and token go (see
 * removeSiteAccessIn). Returns how many tokens went.
 */
export async function unregisterSiteIn(tx: DbOrTx, w: WriteScope, site: HubSiteRow, now: number): Promise<number> {
  const tokens = await removeSiteAccessIn(tx, w, site, now);
  await updateSite(tx, site.id, {
    deleted: true,
    visible: false,
    trusted: false,
    prioritised: false,
    timeModified: now,
  });
  return tokens;
}

// ---- the console: Manage sites ---------------------------------------------------------------

function toDto(row: SiteView, defaultMax: number): HubSiteDto {
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
      enrolments: s.statEnrolments,
      posts: s.statPosts,
      questions: s.statQuestions,
      resources: s.statResources,
      participantNumberAverage: s.statParticipantAverage,
      moduleNumberAverage: s.statModuleAverage,
      badges: s.statBadges,
      issuedBadges: s.statIssuedBadges,
      published: row.published,
      publishedVisible: row.publishedVisible,
    },
    moodleRelease: s.moodleRelease,
    moodleVersion: s.moodleVersion,
    timeRegistered: s.timeRegistered,
    timeModified: s.timeModified,
    status: s.deleted ? 'unregistered' : s.timeConfirmed === null ? 'pending' : 'confirmed',
    timeConfirmed: s.timeConfirmed,
    hasSecret: s.secretHash !== null,
    contactPhone: s.contactPhone,
    contactable: s.contactable,
    emailAlert: s.emailAlert,
    imageUrl: s.imageUrl,
    privacy: s.privacy,
    street: s.street,
    regionCode: s.regionCode,
    geolocation: s.geolocation,
    ip: s.ip,
  };
}

/**
 * Manage sites: the sites the filters select, sorted and paged in the database, by keyset with
 * `cursor` (the `next` and `prev` of the page before), else by page number. The total is counted
 * up to LIST_COUNT_CAP ("10 000+") and cached per filter until the database changes.
 */
export async function listSites(deps: Deps, input: HubSiteListQuery): Promise<ListPageDto<HubSiteDto>> {
  const q = hubSiteListQuerySchema.parse(input);
  const { db } = deps.store;
  const what = `hub-sites.${q.sort}.${q.dir}`;
  const seek = q.cursor ? decodeCursor(q.cursor, what, siteSortKeySize(q.sort)) : undefined;
  const filter = {
    search: q.search,
    trusted: q.trusted ? q.trusted === 'yes' : undefined,
    language: q.language,
    country: q.country,
    status: q.status,
  };
  const page = await siteViewsPage(db, filter, q, { page: q.page, perPage: q.perPage, seek });
  const key = JSON.stringify(['hub-sites', q.search, q.trusted, q.language, q.country, q.status]);
  const [counted, hub] = await Promise.all([
    deps.counts.getAsync(key, () => page.count(LIST_COUNT_CAP)),
    readHubConfig(db),
  ]);
  const first = page.rows[0];
  const last = page.rows.at(-1);
  return {
    items: page.rows.map((r) => toDto(r, hub.maxCoursesPerDay)),
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
    next: page.hasNext && last ? encodeCursor(what, 'after', siteSortKey(q.sort, last)) : null,
    prev: page.hasPrev && first ? encodeCursor(what, 'before', siteSortKey(q.sort, first)) : null,
    page: q.page,
    perPage: q.perPage,
  };
}

export async function getSiteDto(deps: Deps, id: number): Promise<HubSiteDto> {
  const row = await siteViewById(deps.store.db, id);
  if (!row) throw notFound('Site');
  return toDto(row, (await readHubConfig(deps.store.db)).maxCoursesPerDay);
}

async function loadSite(db: DbOrTx, id: number): Promise<HubSiteRow> {
  const s = await siteById(db, id);
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

export async function siteAction(
  deps: Deps,
  id: number,
  action: HubSiteAction,
  actor: WriteActor,
): Promise<HubSiteDto> {
  const s = await loadSite(deps.store.db, id);
  const set = ACTIONS[action](s);
  const changed = Object.entries(set).filter(([k, v]) => s[k as keyof HubSiteRow] !== v);
  if (changed.length) {
    await withWrite(deps, async (tx, w) => {
      await updateSite(tx, id, { ...set, timeModified: deps.now() });
      w.audit(actor, {
        action: `hub.site.${action}`,
        targetType: 'hubsite',
        targetId: id,
        summary: `${ACTION_WORDS[action]} the hub site ${s.name} (${s.url})`,
        details: Object.fromEntries(changed),
      });
      w.invalidate({ kind: 'hub' });
    });
  }
  return getSiteDto(deps, id);
}

export async function updateSiteSettings(
  deps: Deps,
  id: number,
  input: HubSiteUpdate,
  actor: WriteActor,
): Promise<HubSiteDto> {
  const patch = hubSiteUpdateSchema.parse(input);
  const s = await loadSite(deps.store.db, id);
  const set: Partial<HubSiteRow> = { ...patch };
  if (patch.url !== undefined) {
    const url = normaliseSiteUrl(patch.url);
    if (!url) throw new DomainError('invalid', 'url: An http:// or https:// address', { url: 'Invalid address' });
    if (await otherSiteHasUrl(deps.store.db, url, id)) {
      throw conflict('Another registered site has this URL', { url: 'Another registered site has this URL' });
    }
    set.url = url;
  }
  const changed = Object.fromEntries(Object.entries(set).filter(([k, v]) => s[k as keyof HubSiteRow] !== v));
  if (!Object.keys(changed).length) return getSiteDto(deps, id);
  await withWrite(deps, async (tx, w) => {
    await updateSite(tx, id, { ...changed, timeModified: deps.now() });
    w.audit(actor, {
      action: 'hub.site.update',
      targetType: 'hubsite',
      targetId: id,
      summary: `Updated the hub site ${s.name}: ${Object.keys(changed).join(', ')}`,
      details: { changed },
    });
    w.invalidate({ kind: 'hub' });
  });
  return getSiteDto(deps, id);
}

/**
 * The page of the site's administration that resets its registration with this hub, as local_hub's
 * delete_site() writes it: plain concatenation, the hub URL not encoded (Moodle's
 * admin/registration/index.php reads huburl and unregistration; force is local_hub's).
 */
const unregisterPageLink = (siteUrl: string, hubUrl: string) =>
  `${siteUrl}/admin/registration/index.php?huburl=${hubUrl}&force=1&unregistration=1`;

/** The message the hub sends a site's contact when the administrator removes the site. */
async function siteRemovedMessage(
  deps: Deps,
  db: DbOrTx,
  site: HubSiteRow,
  courses: { count: number; deleted: boolean },
) {
  const hub = await readHubConfig(db);
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
    "The site's registration and its access key to the hub were cancelled: it can no longer publish courses there.",
    // local_hub's emailmessagesitedeleted, with the link its delete_site() builds.
    `If you want to register again on this hub, you must first reset your registration on your server. Go to ${unregisterPageLink(site.url, url)}.`,
    '',
    signature,
  ].join('\n');
  return { subject, body };
}

/**
 * Deletes one site in the caller's write: with its courses when asked (otherwise they stay,
 * without a site, for the administrator to handle); its user and token go; the message to the
 * site's contact is written to the outbox; audited.
 */
async function deleteSiteIn(
  deps: Deps,
  tx: DbOrTx,
  w: WriteScope,
  s: HubSiteRow,
  withCourses: boolean,
  actor: WriteActor,
  now: number,
) {
  const courseCount = await countCoursesOfSite(tx, s.id);
  // The courses' backups and screenshots go with them, in this write (their content once it commits).
  const fileHashes = withCourses ? await deleteSiteCourseFilesIn(tx, s.id) : [];
  if (withCourses) await deleteCoursesOfSite(tx, s.id);
  const tokensDeleted = await removeSiteAccessIn(tx, w, s, now);
  await deleteSiteRow(tx, s.id);
  const msg = await siteRemovedMessage(deps, tx, s, { count: courseCount, deleted: withCourses });
  const message = await insertOutboxMessage(tx, {
    time: now,
    kind: 'siteremoved',
    siteId: s.id,
    siteName: s.name,
    siteUrl: s.url,
    toName: s.contactName,
    toEmail: s.contactEmail,
    ...msg,
  });
  w.audit(actor, {
    action: 'hub.site.delete',
    targetType: 'hubsite',
    targetId: s.id,
    summary: `Deleted the hub site ${s.name} (${s.url}) ${withCourses ? `and its ${courseCount} course(s)` : `keeping its ${courseCount} course(s)`}; message to ${s.contactEmail || 'no address'} written to the outbox`,
    details: { withCourses, courses: courseCount, files: fileHashes.length, tokensDeleted, outboxId: message.id },
  });
  w.invalidate({ kind: 'hub' });
  return {
    coursesDeleted: withCourses ? courseCount : 0,
    coursesKept: withCourses ? 0 : courseCount,
    message: message as HubOutboxMessageDto,
    fileHashes,
  };
}

/**
 * Manage sites > Mark the secret stolen (local_hub's marksecretstolen()): a registration with
 * the site's secret is refused from now on (siteregistration.php shows the stolen-secret page).
 */
export async function markSecretStolen(deps: Deps, id: number, actor: WriteActor): Promise<HubSiteDto> {
  await withWrite(deps, async (tx, w) => {
    const s = await loadSite(tx, id);
    if (s.secretHash === null) {
      throw new DomainError(
        'invalid',
        'This site did not register with a secret (siteregistration.php): there is none to mark stolen',
      );
    }
    await insertStolenSecret(tx, s.secretHash, s.url, deps.now());
    w.audit(actor, {
      action: 'hub.site.secretstolen',
      targetType: 'hubsite',
      targetId: id,
      summary: `Marked the secret of the hub site ${s.name} (${s.url}) stolen: registrations with it are refused`,
    });
    w.invalidate({ kind: 'hub' });
  });
  return getSiteDto(deps, id);
}

/** Manage sites > Delete: one site (see deleteSiteIn). */
export async function deleteSite(deps: Deps, id: number, withCourses: boolean, actor: WriteActor) {
  const { fileHashes, ...out } = await withWrite(deps, async (tx, w) => {
    const s = await loadSite(tx, id);
    return deleteSiteIn(deps, tx, w, s, withCourses, actor, deps.now());
  });
  await releaseHubContent(deps, fileHashes);
  return out;
}

/**
 * Manage sites > With selected sites > Delete: each site as Delete does it, all in one
 * write, so either every site goes or none does (an unknown id: 404, nothing deleted).
 */
export async function deleteSites(deps: Deps, input: HubSiteBulk, actor: WriteActor): Promise<HubSiteBulkDeleteDto> {
  const { ids, withCourses } = hubSiteBulkSchema.parse(input);
  const now = deps.now();
  const fileHashes: (string | null)[] = [];
  const out = await withWrite(deps, async (tx, w) => {
    const byId = new Map((await sitesByIds(tx, ids)).map((s) => [s.id, s]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) {
      throw new DomainError('notfound', `No such site: ${missing.join(', ')}. Nothing was deleted.`);
    }
    const out: HubSiteBulkDeleteDto = { deleted: 0, coursesDeleted: 0, coursesKept: 0, messages: [] };
    for (const id of ids) {
      const r = await deleteSiteIn(deps, tx, w, byId.get(id) as HubSiteRow, withCourses, actor, now);
      out.deleted++;
      out.coursesDeleted += r.coursesDeleted;
      out.coursesKept += r.coursesKept;
      out.messages.push(r.message);
      fileHashes.push(...r.fileHashes);
    }
    return out;
  });
  await releaseHubContent(deps, fileHashes);
  return out;
}

export async function listOutbox(deps: Deps, input: unknown) {
  const q = hubOutboxQuerySchema.parse(input);
  const { db } = deps.store;
  const [items, total] = await Promise.all([
    listOutboxMessages(db, q.dir, { limit: q.perPage, offset: (q.page - 1) * q.perPage }),
    countOutboxMessages(db),
  ]);
  return { items: items as HubOutboxMessageDto[], total, page: q.page, perPage: q.perPage };
}
