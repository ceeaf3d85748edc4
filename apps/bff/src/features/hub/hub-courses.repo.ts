import type { HUB_COURSE_SORTS } from '@gatehouse/shared';
import { and, asc, count, desc, eq, gt, gte, inArray, lte, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { countUpTo as countRows, type KeyColumn, type KeysetPage, type KeyValue, keyOrder } from '../../db/keyset';
import {
  type HubCourseRow,
  type HubSiteRow,
  hubCourseContents,
  hubCourseOutcomes,
  hubCourses,
  hubSites,
} from '../../db/schema';
import { affected, firstRow } from '../../db/sql';
import { keysetRows, keywordsCondition, type ListPageAt, type RowPage } from './hub-sites.repo';

// The courses published on the hub (hub_courses), with the site that published them.

export type { HubCourseRow };
export type NewHubCourse = typeof hubCourses.$inferInsert;

const KEYWORD_COLUMNS = [
  hubCourses.fullname,
  hubCourses.shortname,
  hubCourses.description,
  hubCourses.creatorName,
  hubCourses.publisherName,
  hubCourses.contributorNames,
  hubCourses.coverage,
  hubCourses.subject,
];

export async function courseById(db: DbOrTx, id: number): Promise<HubCourseRow | undefined> {
  return (await db.select().from(hubCourses).where(eq(hubCourses.id, id)).limit(1)).at(0);
}

export async function coursesByIds(db: DbOrTx, ids: number[]): Promise<HubCourseRow[]> {
  return await db.select().from(hubCourses).where(inArray(hubCourses.id, ids));
}

/** The enrollable course a site published for one of its courses, if any. */
export async function enrollableCourseOfSite(
  db: DbOrTx,
  siteId: number,
  siteCourseId: number,
): Promise<HubCourseRow | undefined> {
  return (
    await db
      .select()
      .from(hubCourses)
      .where(
        and(
          eq(hubCourses.siteId, siteId),
          eq(hubCourses.siteCourseId, siteCourseId),
          eq(hubCourses.enrollable, true),
          eq(hubCourses.deleted, false),
        ),
      )
      .limit(1)
  ).at(0);
}

/** Unpublished courses (hub_unregister_courses) are kept, marked deleted, as local_hub keeps them. */
export async function markCoursesDeleted(tx: DbOrTx, ids: number[], now: number): Promise<void> {
  if (ids.length)
    await tx.update(hubCourses).set({ deleted: true, timeModified: now }).where(inArray(hubCourses.id, ids));
}

// ---- contents and outcomes (hub_course_contents, hub_course_outcomes) --------------------------

export interface CourseContent {
  moduleType: string;
  moduleName: string;
  contentCount: number;
}

export async function replaceCourseContents(tx: DbOrTx, courseId: number, rows: CourseContent[]): Promise<void> {
  await tx.delete(hubCourseContents).where(eq(hubCourseContents.courseId, courseId));
  if (rows.length) await tx.insert(hubCourseContents).values(rows.map((r) => ({ ...r, courseId })));
}

export async function replaceCourseOutcomes(tx: DbOrTx, courseId: number, fullnames: string[]): Promise<void> {
  await tx.delete(hubCourseOutcomes).where(eq(hubCourseOutcomes.courseId, courseId));
  if (fullnames.length)
    await tx.insert(hubCourseOutcomes).values(fullnames.map((fullname) => ({ courseId, fullname })));
}

export async function deleteCourseOutcomes(tx: DbOrTx, ids: number[]): Promise<void> {
  if (ids.length) await tx.delete(hubCourseOutcomes).where(inArray(hubCourseOutcomes.courseId, ids));
}

/** The contents of these courses, most used first (local_hub: ORDER BY contentcount DESC). */
export async function contentsOfCourses(db: DbOrTx, ids: number[]): Promise<(CourseContent & { courseId: number })[]> {
  if (!ids.length) return [];
  return await db
    .select({
      courseId: hubCourseContents.courseId,
      moduleType: hubCourseContents.moduleType,
      moduleName: hubCourseContents.moduleName,
      contentCount: hubCourseContents.contentCount,
    })
    .from(hubCourseContents)
    .where(inArray(hubCourseContents.courseId, ids))
    .orderBy(desc(hubCourseContents.contentCount), asc(hubCourseContents.id));
}

export async function outcomesOfCourses(db: DbOrTx, ids: number[]): Promise<{ courseId: number; fullname: string }[]> {
  if (!ids.length) return [];
  return await db
    .select({ courseId: hubCourseOutcomes.courseId, fullname: hubCourseOutcomes.fullname })
    .from(hubCourseOutcomes)
    .where(inArray(hubCourseOutcomes.courseId, ids))
    .orderBy(asc(hubCourseOutcomes.id));
}

/** How many courses a site published after `since` (Unix seconds). */
export async function countCoursesPublishedSince(db: DbOrTx, siteId: number, since: number): Promise<number> {
  return (
    (
      await db
        .select({ n: count() })
        .from(hubCourses)
        .where(and(eq(hubCourses.siteId, siteId), gt(hubCourses.timePublished, since)))
        .limit(1)
    ).at(0)?.n ?? 0
  );
}

/** When the site's oldest publication after `since` was made (local_hub's $oldestpublicationtime). */
export async function oldestPublicationSince(db: DbOrTx, siteId: number, since: number): Promise<number | undefined> {
  return (
    (
      await db
        .select({ t: hubCourses.timePublished })
        .from(hubCourses)
        .where(and(eq(hubCourses.siteId, siteId), gt(hubCourses.timePublished, since)))
        .orderBy(asc(hubCourses.timePublished))
        .limit(1)
    ).at(0)?.t ?? undefined
  );
}

export async function countCoursesOfSite(db: DbOrTx, siteId: number): Promise<number> {
  return (await db.select({ n: count() }).from(hubCourses).where(eq(hubCourses.siteId, siteId)).limit(1)).at(0)?.n ?? 0;
}

export async function insertCourse(tx: DbOrTx, values: NewHubCourse): Promise<number> {
  return firstRow(await tx.insert(hubCourses).values(values).returning({ id: hubCourses.id })).id;
}

export async function insertCourses(tx: DbOrTx, values: NewHubCourse[]): Promise<void> {
  if (values.length) await tx.insert(hubCourses).values(values);
}

export async function updateCourseRow(tx: DbOrTx, id: number, set: Partial<NewHubCourse>): Promise<void> {
  await tx.update(hubCourses).set(set).where(eq(hubCourses.id, id));
}

export async function deleteCourses(tx: DbOrTx, ids: number[]): Promise<void> {
  if (ids.length) await tx.delete(hubCourses).where(inArray(hubCourses.id, ids));
}

/** Deletes a site's courses; returns how many went. */
export async function deleteCoursesOfSite(tx: DbOrTx, siteId: number): Promise<number> {
  return affected(await tx.delete(hubCourses).where(eq(hubCourses.siteId, siteId)));
}

// ---- the search (hub_get_courses, the visitors' search) --------------------------------------

/** What a search asks for: every field narrows it. */
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
  /** local_hub's options.orderby; any other value (or none) keeps the hub's own order. */
  orderby?: string;
}

/** The search conditions: visible courses of visible sites, unless a site asks for its own. */
function searchCondition(s: CourseSearch): SQL | undefined {
  const where: SQL[] = keywordsCondition(s.search, KEYWORD_COLUMNS);
  where.push(eq(hubCourses.deleted, false));
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
  return and(...where);
}

/** Prioritised sites' courses first, then the most recently changed. */
const SEARCH_ORDER = [desc(hubSites.prioritised), desc(hubCourses.timeModified), desc(hubCourses.id)];

/**
 * local_hub's orderby values (externallib.php get_courses): newest, eldest, publisher, fullname.
 * ratingaverage (ratingaverage DESC) has no ratings to sort by here: the hub's own order.
 */
const ORDER_BY: Record<string, SQL[]> = {
  newest: [desc(hubCourses.timeModified), desc(hubCourses.id)],
  eldest: [asc(hubCourses.timeModified), asc(hubCourses.id)],
  publisher: [asc(hubCourses.publisherName), asc(hubCourses.id)],
  fullname: [asc(hubCourses.fullname), asc(hubCourses.id)],
};

export async function searchCourseRows(
  db: DbOrTx,
  s: CourseSearch,
  page: RowPage,
): Promise<{ c: HubCourseRow; s: HubSiteRow }[]> {
  return await db
    .select({ c: hubCourses, s: hubSites })
    .from(hubCourses)
    .innerJoin(hubSites, eq(hubSites.id, hubCourses.siteId))
    .where(searchCondition(s))
    .orderBy(
      ...((s.orderby !== undefined && Object.hasOwn(ORDER_BY, s.orderby) && ORDER_BY[s.orderby]) || SEARCH_ORDER),
    )
    .limit(page.limit)
    .offset(page.offset);
}

export async function countSearchedCourses(db: DbOrTx, s: CourseSearch): Promise<number> {
  return (
    (
      await db
        .select({ n: count() })
        .from(hubCourses)
        .innerJoin(hubSites, eq(hubSites.id, hubCourses.siteId))
        .where(searchCondition(s))
        .limit(1)
    ).at(0)?.n ?? 0
  );
}

// ---- Manage courses --------------------------------------------------------------------------

/** Which courses: every field narrows the list. */
export interface CourseFilter {
  search?: string;
  siteId?: number;
  visible?: boolean;
  language?: string;
  subject?: string;
  audience?: string;
  educationalLevel?: string;
  licence?: string;
  enrollable?: boolean;
  /** Changed from / up to (inclusive, Unix seconds). */
  modifiedFrom?: number;
  modifiedTo?: number;
}

export interface CourseOrder {
  sort: (typeof HUB_COURSE_SORTS)[number];
  dir: 'asc' | 'desc';
}

/** A course with the site that published it (none when the site was deleted without it). */
export interface CourseView {
  c: HubCourseRow;
  s: HubSiteRow | null;
}

// Each sort's key, ending with the course's id (unique). A course whose site was deleted has no
// site name (the left join's NULL): first ascending, last descending.
const KEYS: Record<CourseOrder['sort'], KeyColumn[]> = {
  fullname: [{ col: hubCourses.fullname }],
  site: [{ col: hubSites.name, nullable: true }, { col: hubCourses.fullname }],
  language: [{ col: hubCourses.language }, { col: hubCourses.fullname }],
  visible: [{ col: hubCourses.visible }, { col: hubCourses.fullname }],
  timepublished: [{ col: hubCourses.timePublished }],
  timemodified: [{ col: hubCourses.timeModified }],
};
const courseKey = (sort: CourseOrder['sort']): KeyColumn[] => [...KEYS[sort], { col: hubCourses.id }];

/** How many values a sort's key (hence its cursor) has. */
export const courseSortKeySize = (sort: CourseOrder['sort']): number => courseKey(sort).length;

/** The values of a listed course's sort key, in the order of the sort's key columns (for its cursor). */
export function courseSortKey(sort: CourseOrder['sort'], v: CourseView): KeyValue[] {
  const c = v.c;
  switch (sort) {
    case 'fullname':
      return [c.fullname, c.id];
    case 'site':
      return [v.s?.name ?? null, c.fullname, c.id];
    case 'language':
      return [c.language, c.fullname, c.id];
    case 'visible':
      return [c.visible ? 1 : 0, c.fullname, c.id];
    case 'timepublished':
      return [c.timePublished, c.id];
    case 'timemodified':
      return [c.timeModified, c.id];
  }
}

function courseCondition(f: CourseFilter): SQL | undefined {
  const where: SQL[] = keywordsCondition(f.search, KEYWORD_COLUMNS);
  where.push(eq(hubCourses.deleted, false));
  if (f.siteId) where.push(eq(hubCourses.siteId, f.siteId));
  if (f.visible !== undefined) where.push(eq(hubCourses.visible, f.visible));
  if (f.language) where.push(eq(hubCourses.language, f.language));
  if (f.subject) where.push(eq(hubCourses.subject, f.subject));
  if (f.audience) where.push(eq(hubCourses.audience, f.audience));
  if (f.educationalLevel) where.push(eq(hubCourses.educationalLevel, f.educationalLevel));
  if (f.licence) where.push(eq(hubCourses.licence, f.licence));
  if (f.enrollable !== undefined) where.push(eq(hubCourses.enrollable, f.enrollable));
  if (f.modifiedFrom !== undefined) where.push(gte(hubCourses.timeModified, f.modifiedFrom));
  if (f.modifiedTo !== undefined) where.push(lte(hubCourses.timeModified, f.modifiedTo));
  return where.length ? and(...where) : undefined;
}

function courseViews(db: DbOrTx) {
  return db
    .select({ c: hubCourses, s: hubSites })
    .from(hubCourses)
    .leftJoin(hubSites, eq(hubSites.id, hubCourses.siteId));
}

/** Manage courses: one page of the courses `f` selects in `order`, and their count (at most cap + 1). */
export async function courseViewsPage(
  db: DbOrTx,
  f: CourseFilter,
  order: CourseOrder,
  at: ListPageAt,
): Promise<KeysetPage<CourseView>> {
  const cond = courseCondition(f);
  const key = courseKey(order.sort);
  const read = async (extra: SQL | undefined, dir: 'asc' | 'desc', limit: number, offset = 0) => {
    return await courseViews(db)
      .where(extra ? and(cond, extra) : cond)
      .orderBy(...keyOrder(key, dir))
      .limit(limit)
      .offset(offset);
  };
  const page = await keysetRows(key, order.dir, at, read);
  const countUpTo = countRows(db, hubCourses, cond);
  return { ...page, count: countUpTo };
}

export async function courseViewById(db: DbOrTx, id: number): Promise<CourseView | undefined> {
  return (await courseViews(db).where(eq(hubCourses.id, id)).limit(1)).at(0);
}

export async function countCourses(db: DbOrTx, f: CourseFilter = {}): Promise<number> {
  return (await db.select({ n: count() }).from(hubCourses).where(courseCondition(f)).limit(1)).at(0)?.n ?? 0;
}
