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
  LIST_COUNT_CAP,
  type ListPageDto,
} from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { DomainError, notFound } from '../../lib/errors';
import { decodeCursor, encodeCursor } from '../../lib/list-cursor';
import { invalidParameter, moodleError } from '../../webservice/exceptions';
import { readHubConfig } from './hub-config';
import { type CourseFiles, courseFilesOf, filesOf } from './hub-course-files';
import {
  type CourseSearch,
  countCoursesPublishedSince,
  countSearchedCourses,
  courseById,
  courseSortKey,
  courseSortKeySize,
  coursesByIds,
  courseViewById,
  courseViewsPage,
  deleteCourseOutcomes,
  deleteCourses,
  enrollableCourseOfSite,
  type HubCourseRow,
  insertCourse,
  markCoursesDeleted,
  oldestPublicationSince,
  replaceCourseContents,
  replaceCourseOutcomes,
  searchCourseRows,
  updateCourseRow,
} from './hub-courses.repo';
import type { HubSiteRow } from './hub-sites.repo';
import { effectiveMaxPerDay } from './hub-sites.service';
import { deleteCourseFilesIn, MAX_SCREENSHOTS, releaseHubContent } from './local-hub-files';

const DAY = 86_400;

// ---- publishing (hub_register_courses, hub_unregister_courses) --------------------------------

/** Moodle's format_time() (lib/moodlelib.php) with the English strings: "23 hours 59 mins", "1 day". */
function formatTime(total: number): string {
  const YEAR = 365 * DAY;
  let secs = Math.abs(Math.trunc(total));
  const years = Math.floor(secs / YEAR);
  const remainder = secs - years * YEAR;
  const days = Math.floor(remainder / DAY);
  // Moodle takes the remainder of the days from the whole (as format_time does).
  let rest = secs - days * DAY;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const mins = Math.floor(rest / 60);
  secs = rest - mins * 60;
  const part = (n: number, one: string, many: string) => (n ? `${n} ${n === 1 ? one : many}` : '');
  const y = part(years, 'year', 'years');
  const d = part(days, 'day', 'days');
  const h = part(hours, 'hour', 'hours');
  const m = part(mins, 'min', 'mins');
  const s = part(secs, 'sec', 'secs');
  if (years) return `${y} ${d}`.trim();
  if (days) return `${d} ${h}`.trim();
  if (hours) return `${h} ${m}`.trim();
  if (mins) return `${m} ${s}`.trim();
  if (secs) return s;
  return 'now';
}

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
  /** The number of screenshots the site has for the course (it uploads them after this call). */
  screenshots?: number;
  /** 1: delete the course's screenshot files (the number is not reset). */
  deletescreenshots?: number;
  contents?: { moduletype: string; modulename: string; contentcount: number }[];
  outcomes?: { fullname: string }[];
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
    ...(c.screenshots !== undefined ? { screenshots: Math.max(0, Math.min(MAX_SCREENSHOTS, c.screenshots)) } : {}),
  };
}

function cleanContents(c: CourseInput, i: number) {
  const contents = (c.contents ?? []).map((x, j) => {
    const at = `courses => ${i} => contents => ${j}`;
    if (x.contentcount < 0) throw invalidParameter(`${at} => contentcount: 0 or more`);
    return {
      moduleType: x.moduletype.slice(0, 20),
      moduleName: x.modulename.trim().slice(0, 100),
      contentCount: x.contentcount,
    };
  });
  if (contents.length > 500) throw invalidParameter(`courses => ${i} => contents: at most 500`);
  const outcomes = (c.outcomes ?? []).map((o) => o.fullname.trim().slice(0, 255)).filter((o) => o !== '');
  if (outcomes.length > 500) throw invalidParameter(`courses => ${i} => outcomes: at most 500`);
  return { contents, outcomes };
}

/**
 * hub_register_courses: all the courses of the call, or none. A course of a trusted (or
 * prioritised) site is visible at once; the others wait, hidden, for the administrator. An
 * enrollable course published again (same course id on the site) is updated in place; each new
 * publication counts towards the site's maximum per day (its own, or the hub's default), over
 * the last 24 hours.
 */
export async function publishCourses(
  deps: Deps,
  site: HubSiteRow,
  list: CourseInput[],
  actor: WriteActor,
): Promise<number[]> {
  const cleaned = list.map(cleanCourse);
  const parts = list.map(cleanContents);
  const now = deps.now();
  const visible = site.trusted || site.prioritised;
  return withWrite(deps, async (tx, w) => {
    const max = await effectiveMaxPerDay(tx, site);
    const recent = await countCoursesPublishedSince(tx, site.id, now - DAY);
    let added = 0;
    const ids: number[] = [];
    for (const [i, c] of cleaned.entries()) {
      const { contents, outcomes } = parts[i] as ReturnType<typeof cleanContents>;
      const existing = c.enrollable ? await enrollableCourseOfSite(tx, site.id, c.siteCourseId) : undefined;
      if (existing) {
        // Changed content from a site that is not trusted goes back to review.
        await updateCourseRow(tx, existing.id, { ...c, visible, timeModified: now });
        await replaceCourseContents(tx, existing.id, contents);
        await replaceCourseOutcomes(tx, existing.id, outcomes);
        ids.push(existing.id);
        continue;
      }
      if (recent + added + 1 > max) {
        // local_hub's register_courses: errornopublication when the maximum is 0, else
        // errormaxpublication with the time until the oldest publication of the day is a day old.
        if (max <= 0) throw moodleError('errornopublication', 'The hub server is blocking all new publication.');
        const oldest = (await oldestPublicationSince(tx, site.id, now - DAY)) ?? now;
        throw moodleError(
          'errormaxpublication',
          `Sorry your site has published  more than ${max} courses today. You will be able to publish in: ${formatTime(DAY - (now - oldest))}.`,
          `${recent} course(s) published in the last 24 hours`,
        );
      }
      const id = await insertCourse(tx, { ...c, siteId: site.id, visible, timePublished: now, timeModified: now });
      await replaceCourseContents(tx, id, contents);
      await replaceCourseOutcomes(tx, id, outcomes);
      ids.push(id);
      added++;
    }
    w.audit(actor, {
      action: 'hub.course.publish',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${site.name} published ${cleaned.length} course(s) (web service): ${cleaned
        .map((c) => c.fullname)
        .join(', ')}${visible ? '' : ' (hidden until the administrator makes them visible)'}`,
      details: { ids, visible },
    });
    w.invalidate({ kind: 'hub' });
    return ids;
  });
}

/**
 * hub_unregister_courses, as local_hub's unregister_course: the calling site's courses are marked
 * deleted (kept, with their files, in no search or list) and lose their outcomes; an id the hub
 * does not know (or an unpublished course) is ignored; another site's course refuses the call,
 * all or none.
 */
export async function unpublishCourses(deps: Deps, site: HubSiteRow, ids: number[], actor: WriteActor): Promise<void> {
  const unique = [...new Set(ids)];
  if (!unique.length) return;
  await withWrite(deps, async (tx, w) => {
    const found = (await coursesByIds(tx, unique)).filter((c) => !c.deleted);
    const foreign = found.filter((c) => c.siteId !== site.id).map((c) => c.id);
    if (foreign.length) {
      throw moodleError(
        'triedtounregisteracourseforwrongsite',
        'You tried to unregister a course that another site published',
        `course id(s) ${foreign.join(', ')}`,
      );
    }
    const own = found.map((c) => c.id);
    if (!own.length) return;
    await markCoursesDeleted(tx, own, deps.now());
    await deleteCourseOutcomes(tx, own);
    w.audit(actor, {
      action: 'hub.course.unpublish',
      targetType: 'hubsite',
      targetId: site.id,
      summary: `The site ${site.name} removed ${own.length} course(s) from the hub (web service)`,
      details: { ids: own },
    });
    w.invalidate({ kind: 'hub' });
  });
}

// ---- searching -------------------------------------------------------------------------------

/** A page of the search (visible courses of visible sites, unless a site asks for its own) and its total. */
export async function searchCourses(db: DbOrTx, s: CourseSearch, limit: { from: number; num: number }) {
  const [rows, total] = await Promise.all([
    searchCourseRows(db, s, { limit: limit.num, offset: limit.from }),
    countSearchedCourses(db, s),
  ]);
  return { rows, total };
}

/** The visitors' search of the hub's front page. */
export async function visitorSearch(deps: Deps, input: unknown): Promise<HubSearchResultDto> {
  const q = hubSearchQuerySchema.parse(input);
  const hub = await readHubConfig(deps.store.db);
  if (!hub.enabled || hub.privacy === 'private') {
    throw new DomainError(
      'hubnotpublic',
      hub.enabled
        ? 'This hub is private: its courses cannot be searched here'
        : 'There is no hub on this site (the hub is not enabled)',
    );
  }
  const { rows, total } = await searchCourses(
    deps.store.db,
    { search: q.q },
    { from: (q.page - 1) * q.perPage, num: q.perPage },
  );
  const files = await courseFilesOf(
    deps.store.db,
    rows.map(({ c }) => c.id),
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
      screenshots: filesOf(files, c.id).screenshots,
      // download.php sends the backup of a downloadable course only.
      backupSize: c.enrollable ? null : filesOf(files, c.id).backupSize,
    })),
    total,
    page: q.page,
    perPage: q.perPage,
  };
}

// ---- the console: Manage courses -------------------------------------------------------------

function toDto(c: HubCourseRow, s: HubSiteRow | null, f: CourseFiles): HubCourseDto {
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
    screenshots: f.screenshots,
    backupSize: f.backupSize,
  };
}

/**
 * Manage courses: the courses the filters select (unpublished ones left out), sorted and paged in
 * the database, by keyset with `cursor`, else by page number; the total counted up to
 * LIST_COUNT_CAP and cached per filter until the database changes.
 */
export async function listCourses(deps: Deps, input: HubCourseListQuery): Promise<ListPageDto<HubCourseDto>> {
  const q = hubCourseListQuerySchema.parse(input);
  const { db } = deps.store;
  const what = `hub-courses.${q.sort}.${q.dir}`;
  const seek = q.cursor ? decodeCursor(q.cursor, what, courseSortKeySize(q.sort)) : undefined;
  const filter = {
    search: q.search,
    siteId: q.siteId,
    visible: q.visibility === 'all' ? undefined : q.visibility === 'visible',
    language: q.language,
    subject: q.subject,
    audience: q.audience,
    educationalLevel: q.educationalLevel,
    licence: q.licence,
    enrollable: q.type ? q.type === 'enrollable' : undefined,
    modifiedFrom: q.modifiedFrom,
    modifiedTo: q.modifiedTo,
  };
  const page = await courseViewsPage(db, filter, q, { page: q.page, perPage: q.perPage, seek });
  const key = JSON.stringify(['hub-courses', filter]);
  const counted = await deps.counts.getAsync(key, () => page.count(LIST_COUNT_CAP));
  const files = await courseFilesOf(
    db,
    page.rows.map((r) => r.c.id),
  );
  const first = page.rows[0];
  const last = page.rows.at(-1);
  return {
    items: page.rows.map((r) => toDto(r.c, r.s, filesOf(files, r.c.id))),
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
    next: page.hasNext && last ? encodeCursor(what, 'after', courseSortKey(q.sort, last)) : null,
    prev: page.hasPrev && first ? encodeCursor(what, 'before', courseSortKey(q.sort, first)) : null,
    page: q.page,
    perPage: q.perPage,
  };
}

export async function getCourseDto(deps: Deps, id: number): Promise<HubCourseDto> {
  const r = await courseViewById(deps.store.db, id);
  if (!r) throw notFound('Course');
  return toDto(r.c, r.s, filesOf(await courseFilesOf(deps.store.db, [id]), id));
}

async function loadCourse(db: DbOrTx, id: number): Promise<HubCourseRow> {
  const c = await courseById(db, id);
  if (!c) throw notFound('Course');
  return c;
}

export async function updateCourse(
  deps: Deps,
  id: number,
  input: HubCourseUpdate,
  actor: WriteActor,
): Promise<HubCourseDto> {
  const patch = hubCourseUpdateSchema.parse(input);
  const c = await loadCourse(deps.store.db, id);
  const next = { ...c, ...patch };
  if (next.enrollable && !next.courseUrl) {
    const msg = 'An enrollable course needs its course URL';
    throw new DomainError('invalid', msg, { courseUrl: msg });
  }
  const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => c[k as keyof HubCourseRow] !== v));
  if (!Object.keys(changed).length) return getCourseDto(deps, id);
  await withWrite(deps, async (tx, w) => {
    await updateCourseRow(tx, id, { ...changed, timeModified: deps.now() });
    w.audit(actor, {
      action: 'hub.course.update',
      targetType: 'hubcourse',
      targetId: id,
      summary: `Updated the hub course ${next.fullname}: ${Object.keys(changed).join(', ')}`,
      details: { changed },
    });
    w.invalidate({ kind: 'hub' });
  });
  return getCourseDto(deps, id);
}

/** Show, hide or delete courses, in one write, one audit row per course. */
export async function courseAction(
  deps: Deps,
  ids: number[],
  action: HubCourseBulk['action'],
  actor: WriteActor,
): Promise<{ changed: number; action: HubCourseBulk['action']; ids: number[] }> {
  const unique = [...new Set(ids)];
  let released: (string | null)[] = [];
  const result = await withWrite(deps, async (tx, w) => {
    const found = await coursesByIds(tx, unique);
    const missing = unique.filter((id) => !found.some((c) => c.id === id));
    if (missing.length) throw new DomainError('notfound', `Course(s) not found: ${missing.join(', ')}`);
    let changed = 0;
    for (const c of found) {
      if (action === 'delete') {
        // A deleted course's backup and screenshots go with it, in the same write.
        released = released.concat(await deleteCourseFilesIn(tx, [c.id]));
        await deleteCourses(tx, [c.id]);
      } else {
        const visible = action === 'show';
        if (c.visible === visible) continue;
        await updateCourseRow(tx, c.id, { visible });
      }
      changed++;
      w.audit(actor, {
        action: `hub.course.${action}`,
        targetType: 'hubcourse',
        targetId: c.id,
        summary: `${action === 'delete' ? 'Deleted' : action === 'show' ? 'Made visible' : 'Hid'} the hub course ${c.fullname}`,
      });
    }
    if (changed) w.invalidate({ kind: 'hub' });
    return { changed, action, ids: unique };
  });
  // Their contents leave the file store once the write has committed.
  await releaseHubContent(deps, released);
  return result;
}
