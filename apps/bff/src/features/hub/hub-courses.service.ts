import {
  HUB_AUDIENCES,
  HUB_EDUCATIONAL_LEVELS,
  HUB_LICENCES,
  type HubCourseBulk,
  type HubCourseDto,
  type HubCourseListQuery,
  type HubCourseUpdate,
  type HubSearchResultDto,
  hubCourseListQuerySchema,
  hubCourseUpdateSchema,
  hubLanguageSchema,
  hubSearchQuerySchema,
} from '@gatehouse/shared';
import { and, asc, count, desc, eq, gt, gte, inArray, lte, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { type HubCourseRow, type HubSiteRow, hubCourses, hubSites } from '../../db/schema';
import type { Deps } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import { invalidParameter, moodleError } from '../../webservice/exceptions';
import { type Actor, writeAudit } from '../audit/audit.service';
import { readHubConfig } from './hub-config';
import { effectiveMaxPerDay, keywordsCondition } from './hub-sites.service';

const DAY = 86_400;

const KEYWORD_FIELDS = [
  hubCourses.fullname,
  hubCourses.shortname,
  hubCourses.description,
  hubCourses.creatorName,
  hubCourses.publisherName,
  hubCourses.contributorNames,
  hubCourses.coverage,
  hubCourses.subject,
];

// ---- publishing (hub_register_courses, hub_unregister_courses) --------------------------------

/** A course as a site publishes it: Moodle's hub course fields. */
export interface CourseInput {
  sitecourseid: number;
  fullname: string;
  shortname: string;
  description: string;
  language: string;
  publishername: string;
  publisheremail: string;
  contributornames: string;
  coverage: string;
  creatorname: string;
  licenceshortname: string;
  subject: string;
  audience: string;
  educationallevel: string;
  creatornotes: string;
  creatornotesformat: number;
  demourl?: string;
  courseurl?: string;
  enrollable: boolean;
}

function oneOf<T extends string>(list: readonly T[], v: string, path: string): T {
  if (!(list as readonly string[]).includes(v)) throw invalidParameter(`${path}: one of ${list.join(', ')}`);
  return v as T;
}

function cleanCourse(c: CourseInput, i: number) {
  const at = (k: string) => `courses => ${i} => ${k}`;
  const fullname = c.fullname.trim();
  const shortname = c.shortname.trim();
  if (!fullname || fullname.length > 255) throw invalidParameter(`${at('fullname')}: 1 to 255 characters`);
  if (!shortname || shortname.length > 255) throw invalidParameter(`${at('shortname')}: 1 to 255 characters`);
  const language = hubLanguageSchema.safeParse(c.language);
  if (!language.success) throw invalidParameter(`${at('language')}: a language code such as en or pt_br`);
  if (c.subject.length > 100) throw invalidParameter(`${at('subject')}: at most 100 characters`);
  const courseUrl = (c.courseurl ?? '').trim();
  if (c.enrollable && !courseUrl) throw invalidParameter(`${at('courseurl')}: an enrollable course needs its URL`);
  return {
    siteCourseId: c.sitecourseid,
    fullname,
    shortname,
    description: c.description.trim(),
    language: language.data,
    publisherName: c.publishername.trim(),
    publisherEmail: c.publisheremail.trim(),
    contributorNames: c.contributornames.trim(),
    coverage: c.coverage.trim(),
    creatorName: c.creatorname.trim(),
    licence: oneOf(HUB_LICENCES, c.licenceshortname, at('licenceshortname')),
    subject: c.subject,
    audience: oneOf(HUB_AUDIENCES, c.audience, at('audience')),
    educationalLevel: oneOf(HUB_EDUCATIONAL_LEVELS, c.educationallevel, at('educationallevel')),
    creatorNotes: c.creatornotes,
    creatorNotesFormat: c.creatornotesformat,
    courseUrl,
    demoUrl: (c.demourl ?? '').trim(),
    enrollable: c.enrollable,
  };
}

/**
 * hub_register_courses: all the courses of the call, or none. A course of a trusted (or
 * prioritised) site is visible at once; the others wait, hidden, for the administrator. An
 * enrollable course published again (same course id on the site) is updated in place; each new
 * publication counts towards the site's maximum per day (its own, or the hub's default), over
 * the last 24 hours.
 */
export function publishCourses(deps: Deps, site: HubSiteRow, list: CourseInput[], actor: Actor): number[] {
  const cleaned = list.map(cleanCourse);
  const now = deps.now();
  const visible = site.trusted || site.prioritised;
  return deps.store.db.transaction((tx) => {
    const max = effectiveMaxPerDay(tx, site);
    const recent =
      tx
        .select({ n: count() })
        .from(hubCourses)
        .where(and(eq(hubCourses.siteId, site.id), gt(hubCourses.timePublished, now - DAY)))
        .get()?.n ?? 0;
    let added = 0;
    const ids: number[] = [];
    for (const c of cleaned) {
      const existing = c.enrollable
        ? tx
            .select()
            .from(hubCourses)
            .where(
              and(
                eq(hubCourses.siteId, site.id),
                eq(hubCourses.siteCourseId, c.siteCourseId),
                eq(hubCourses.enrollable, true),
              ),
            )
            .get()
        : undefined;
      if (existing) {
        // Changed content from a site that is not trusted goes back to review.
        tx.update(hubCourses)
          .set({ ...c, visible, timeModified: now })
          .where(eq(hubCourses.id, existing.id))
          .run();
        ids.push(existing.id);
        continue;
      }
      if (recent + added + 1 > max) {
        throw moodleError(
          'maxcoursesperday',
          `You cannot publish more than ${max} course(s) a day on this hub. Try again tomorrow.`,
          `${recent} course(s) published in the last 24 hours`,
        );
      }
      const row = tx
        .insert(hubCourses)
        .values({ ...c, siteId: site.id, visible, timePublished: now, timeModified: now })
        .returning({ id: hubCourses.id })
        .get();
      added++;
      ids.push(row.id);
    }
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.course.publish',
        targetType: 'hubsite',
        targetId: site.id,
        summary: `The site ${site.name} published ${cleaned.length} course(s) (web service): ${cleaned
          .map((c) => c.fullname)
          .join(', ')}${visible ? '' : ' (hidden until the administrator makes them visible)'}`,
        details: { ids, visible },
      },
      now,
    );
    return ids;
  });
}

/** hub_unregister_courses: only the calling site's own courses; all of them, or none. */
export function unpublishCourses(deps: Deps, site: HubSiteRow, ids: number[], actor: Actor): void {
  const unique = [...new Set(ids)];
  if (!unique.length) return;
  deps.store.db.transaction((tx) => {
    const own = new Set(
      tx
        .select({ id: hubCourses.id })
        .from(hubCourses)
        .where(and(eq(hubCourses.siteId, site.id), inArray(hubCourses.id, unique)))
        .all()
        .map((r) => r.id),
    );
    const foreign = unique.filter((id) => !own.has(id));
    if (foreign.length) {
      throw moodleError(
        'coursenotfound',
        'These courses are not published on this hub by your site',
        `course id(s) ${foreign.join(', ')}`,
      );
    }
    tx.delete(hubCourses).where(inArray(hubCourses.id, unique)).run();
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.course.unpublish',
        targetType: 'hubsite',
        targetId: site.id,
        summary: `The site ${site.name} removed ${unique.length} course(s) from the hub (web service)`,
        details: { ids: unique },
      },
      deps.now(),
    );
  });
}

// ---- searching -------------------------------------------------------------------------------

export interface CourseSearch {
  search?: string;
  /** Restrict to one site's courses, hidden ones included (a site asking for its own). */
  ownSiteId?: number;
  ids?: number[];
  sitecourseids?: number[];
  language?: string;
  subject?: string;
  audience?: string;
  educationallevel?: string;
  licenceshortname?: string;
  coverage?: string;
  /** undefined: both kinds. */
  enrollable?: boolean;
}

/** The search conditions: visible courses of visible sites, unless a site asks for its own. */
function searchConditions(s: CourseSearch): SQL[] {
  const where: SQL[] = keywordsCondition(s.search, KEYWORD_FIELDS);
  if (s.ownSiteId !== undefined) where.push(eq(hubCourses.siteId, s.ownSiteId));
  else where.push(eq(hubCourses.visible, true), eq(hubSites.visible, true));
  if (s.ids?.length) where.push(inArray(hubCourses.id, s.ids));
  if (s.sitecourseids?.length) where.push(inArray(hubCourses.siteCourseId, s.sitecourseids));
  if (s.language) where.push(eq(hubCourses.language, s.language));
  if (s.subject) where.push(eq(hubCourses.subject, s.subject));
  if (s.audience) where.push(eq(hubCourses.audience, s.audience));
  if (s.educationallevel) where.push(eq(hubCourses.educationalLevel, s.educationallevel));
  if (s.licenceshortname) where.push(eq(hubCourses.licence, s.licenceshortname));
  if (s.coverage) where.push(eq(hubCourses.coverage, s.coverage));
  if (s.enrollable !== undefined) where.push(eq(hubCourses.enrollable, s.enrollable));
  return where;
}

/** Prioritised sites' courses first, then the most recently changed. */
const SEARCH_ORDER = [desc(hubSites.prioritised), desc(hubCourses.timeModified), desc(hubCourses.id)];

export function searchCourses(db: DbOrTx, s: CourseSearch, limit: { from: number; num: number }) {
  const cond = and(...searchConditions(s));
  const rows = db
    .select({ c: hubCourses, s: hubSites })
    .from(hubCourses)
    .innerJoin(hubSites, eq(hubSites.id, hubCourses.siteId))
    .where(cond)
    .orderBy(...SEARCH_ORDER)
    .limit(limit.num)
    .offset(limit.from)
    .all();
  const total =
    db.select({ n: count() }).from(hubCourses).innerJoin(hubSites, eq(hubSites.id, hubCourses.siteId)).where(cond).get()
      ?.n ?? 0;
  return { rows, total };
}

/** The visitors' search of the hub's front page. */
export function visitorSearch(deps: Deps, input: unknown): HubSearchResultDto {
  const q = hubSearchQuerySchema.parse(input);
  const hub = readHubConfig(deps.store.db);
  if (!hub.enabled || hub.privacy === 'private') {
    throw new HttpError(
      404,
      'hubnotpublic',
      hub.enabled
        ? 'This hub is private: its courses cannot be searched here'
        : 'There is no hub on this site (the hub is not enabled)',
    );
  }
  const { rows, total } = searchCourses(
    deps.store.db,
    { search: q.q },
    { from: (q.page - 1) * q.perPage, num: q.perPage },
  );
  return {
    hub: { name: hub.name, description: hub.description, language: hub.language },
    items: rows.map(({ c, s }) => ({
      id: c.id,
      fullname: c.fullname,
      shortname: c.shortname,
      description: c.description,
      language: c.language,
      subject: c.subject,
      audience: c.audience,
      educationalLevel: c.educationalLevel,
      licence: c.licence,
      creatorName: c.creatorName,
      publisherName: c.publisherName,
      enrollable: c.enrollable,
      courseUrl: c.courseUrl,
      demoUrl: c.demoUrl,
      timeModified: c.timeModified,
      site: { name: s.name, url: s.url, prioritised: s.prioritised },
    })),
    total,
    page: q.page,
    perPage: q.perPage,
  };
}

// ---- the console: Manage courses -------------------------------------------------------------

function toDto(c: HubCourseRow, s: HubSiteRow | null): HubCourseDto {
  return {
    id: c.id,
    site: s
      ? { id: s.id, name: s.name, url: s.url, trusted: s.trusted, prioritised: s.prioritised, visible: s.visible }
      : null,
    siteCourseId: c.siteCourseId,
    fullname: c.fullname,
    shortname: c.shortname,
    description: c.description,
    language: c.language,
    publisherName: c.publisherName,
    publisherEmail: c.publisherEmail,
    contributorNames: c.contributorNames,
    coverage: c.coverage,
    creatorName: c.creatorName,
    licence: c.licence,
    subject: c.subject,
    audience: c.audience,
    educationalLevel: c.educationalLevel,
    creatorNotes: c.creatorNotes,
    creatorNotesFormat: c.creatorNotesFormat,
    courseUrl: c.courseUrl,
    demoUrl: c.demoUrl,
    enrollable: c.enrollable,
    downloadable: !c.enrollable,
    visible: c.visible,
    timePublished: c.timePublished,
    timeModified: c.timeModified,
  };
}

const SORTS = {
  fullname: [hubCourses.fullname],
  site: [hubSites.name, hubCourses.fullname],
  language: [hubCourses.language, hubCourses.fullname],
  visible: [hubCourses.visible, hubCourses.fullname],
  timepublished: [hubCourses.timePublished],
  timemodified: [hubCourses.timeModified],
} as const;

export function listCourses(deps: Deps, input: HubCourseListQuery) {
  const q = hubCourseListQuerySchema.parse(input);
  const { db } = deps.store;
  const where: SQL[] = keywordsCondition(q.search, KEYWORD_FIELDS);
  if (q.siteId) where.push(eq(hubCourses.siteId, q.siteId));
  if (q.visibility !== 'all') where.push(eq(hubCourses.visible, q.visibility === 'visible'));
  if (q.language) where.push(eq(hubCourses.language, q.language));
  if (q.subject) where.push(eq(hubCourses.subject, q.subject));
  if (q.audience) where.push(eq(hubCourses.audience, q.audience));
  if (q.educationalLevel) where.push(eq(hubCourses.educationalLevel, q.educationalLevel));
  if (q.licence) where.push(eq(hubCourses.licence, q.licence));
  if (q.type) where.push(eq(hubCourses.enrollable, q.type === 'enrollable'));
  if (q.modifiedFrom !== undefined) where.push(gte(hubCourses.timeModified, q.modifiedFrom));
  if (q.modifiedTo !== undefined) where.push(lte(hubCourses.timeModified, q.modifiedTo));
  const cond = where.length ? and(...where) : undefined;
  const dir = q.dir === 'desc' ? desc : asc;
  const rows = db
    .select({ c: hubCourses, s: hubSites })
    .from(hubCourses)
    .leftJoin(hubSites, eq(hubSites.id, hubCourses.siteId))
    .where(cond)
    .orderBy(...SORTS[q.sort].map((c) => dir(c)), dir(hubCourses.id))
    .limit(q.perPage)
    .offset((q.page - 1) * q.perPage)
    .all();
  const total = db.select({ n: count() }).from(hubCourses).where(cond).get()?.n ?? 0;
  return { items: rows.map((r) => toDto(r.c, r.s)), total, page: q.page, perPage: q.perPage };
}

export function getCourseDto(deps: Deps, id: number): HubCourseDto {
  const r = deps.store.db
    .select({ c: hubCourses, s: hubSites })
    .from(hubCourses)
    .leftJoin(hubSites, eq(hubSites.id, hubCourses.siteId))
    .where(eq(hubCourses.id, id))
    .get();
  if (!r) throw notFound('Course');
  return toDto(r.c, r.s);
}

function loadCourse(deps: Deps, id: number): HubCourseRow {
  const c = deps.store.db.select().from(hubCourses).where(eq(hubCourses.id, id)).get();
  if (!c) throw notFound('Course');
  return c;
}

export function updateCourse(deps: Deps, id: number, input: HubCourseUpdate, actor: Actor): HubCourseDto {
  const patch = hubCourseUpdateSchema.parse(input);
  const c = loadCourse(deps, id);
  const next = { ...c, ...patch };
  if (next.enrollable && !next.courseUrl) {
    const msg = 'An enrollable course needs its course URL';
    throw new HttpError(400, 'invalid', msg, { courseUrl: msg });
  }
  const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => c[k as keyof HubCourseRow] !== v));
  if (!Object.keys(changed).length) return getCourseDto(deps, id);
  deps.store.db.transaction((tx) => {
    tx.update(hubCourses)
      .set({ ...changed, timeModified: deps.now() })
      .where(eq(hubCourses.id, id))
      .run();
    writeAudit(
      tx,
      actor,
      {
        action: 'hub.course.update',
        targetType: 'hubcourse',
        targetId: id,
        summary: `Updated the hub course ${next.fullname}: ${Object.keys(changed).join(', ')}`,
        details: { changed },
      },
      deps.now(),
    );
  });
  return getCourseDto(deps, id);
}

/** Show, hide or delete courses, in one transaction, one audit row per course. */
export function courseAction(deps: Deps, ids: number[], action: HubCourseBulk['action'], actor: Actor) {
  const unique = [...new Set(ids)];
  const now = deps.now();
  return deps.store.db.transaction((tx) => {
    const found = tx.select().from(hubCourses).where(inArray(hubCourses.id, unique)).all();
    const missing = unique.filter((id) => !found.some((c) => c.id === id));
    if (missing.length) throw new HttpError(404, 'notfound', `Course(s) not found: ${missing.join(', ')}`);
    let changed = 0;
    for (const c of found) {
      if (action === 'delete') {
        tx.delete(hubCourses).where(eq(hubCourses.id, c.id)).run();
      } else {
        const visible = action === 'show';
        if (c.visible === visible) continue;
        tx.update(hubCourses).set({ visible }).where(eq(hubCourses.id, c.id)).run();
      }
      changed++;
      writeAudit(
        tx,
        actor,
        {
          action: `hub.course.${action}`,
          targetType: 'hubcourse',
          targetId: c.id,
          summary: `${action === 'delete' ? 'Deleted' : action === 'show' ? 'Made visible' : 'Hid'} the hub course ${c.fullname}`,
        },
        now,
      );
    }
    return { changed, action, ids: unique };
  });
}
