import { type Infer, multiple, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import {
  type CourseRow,
  courseIdByIdnumber,
  courseIdByShortname,
  coursesByIds,
  coursesExcept,
  insertCourse,
  insertSections,
  modulesOf,
  sectionCountsByCourse,
  sectionsOf,
} from '../../features/courses/courses.repo';
import { findEnrolment } from '../../features/enrolments/enrolments.repo';
import { moduleContentsOf } from '../../features/files/files.service';
import { moodleError } from '../exceptions';
import { type CallContext, defineFunction, perRecord } from '../types';
import { actorOf, requireCourse, SITEID, siteUrl, validateFormat } from './common';

/** Course formats that can be chosen for a new course ('site' is the front page's own). */
const COURSE_FORMATS = ['topics', 'weeks', 'social', 'singleactivity'] as const;
/** Moodle's default maximum number of sections (moodlecourse | maxsections). */
const MAX_SECTIONS = 52;

// ---- core_course_get_courses -----------------------------------------------------------------

const getCourses = defineFunction({
  name: 'core_course_get_courses',
  component: 'core_course',
  description: 'Return course details. Without ids, every course except the front page (site) course.',
  type: 'read',
  capabilities: [perRecord('moodle/course:view', 'in the context of each course')],
  example: { options: { ids: [2] } },
  parameters: single({
    options: single(
      {
        ids: multiple(
          value('int', 'Course id'),
          'List of course id. If empty return all courses except front page course.',
          { optional: true },
        ),
      },
      'options - operator OR is used',
      { default: {} },
    ),
  }),
  returns: multiple(
    single({
      id: value('int', 'course id'),
      shortname: value('raw', 'course short name'),
      categoryid: value('int', 'category id'),
      fullname: value('raw', 'full name'),
      displayname: value('raw', 'course display name'),
      idnumber: value('raw', 'id number', { optional: true }),
      summary: value('raw', 'summary'),
      summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
      format: value('plugin', 'course format: weeks, topics, social, site,..'),
      startdate: value('int', 'timestamp when the course start'),
      enddate: value('int', 'timestamp when the course end'),
      numsections: value('int', 'number of weeks/topics', { optional: true }),
      visible: value('int', '1: available to student, 0:not available', { optional: true }),
      timecreated: value('int', 'timestamp when the course have been created', { optional: true }),
      timemodified: value('int', 'timestamp when the course have been modified', { optional: true }),
      lang: value('lang', 'forced course language', { optional: true }),
    }),
    'course',
  ),
  async execute(ctx, { options }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability('moodle/course:view', 'View courses without participation');
    const db = ctx.deps.store.db;
    const ids = options.ids ?? [];
    const rows = ids.length ? await coursesByIds(db, ids) : await coursesExcept(db, SITEID);
    const sectionCounts = await sectionCountsByCourse(db);
    return rows.map((c) => ({
      id: c.id,
      shortname: c.shortname,
      categoryid: c.categoryid,
      fullname: c.fullname,
      displayname: c.fullname,
      idnumber: c.idnumber,
      summary: c.summary,
      summaryformat: c.summaryformat,
      format: c.format,
      startdate: c.startdate,
      enddate: c.enddate,
      numsections: Math.max(0, (sectionCounts.get(c.id) ?? 1) - 1),
      visible: c.visible ? 1 : 0,
      timecreated: c.timecreated,
      timemodified: c.timemodified,
      lang: c.lang,
    }));
  },
});

// ---- core_course_create_courses --------------------------------------------------------------

const createCourses = defineFunction({
  name: 'core_course_create_courses',
  component: 'core_course',
  description:
    'Create new courses, each with its sections 0..numsections. Short names (and non-empty ID numbers) must be unique. All courses of the call are created, or none of them.',
  type: 'write',
  capabilities: [perRecord('moodle/course:create', "in the context of each course's category")],
  example: { courses: [{ fullname: 'Example course', shortname: 'EX101', categoryid: 1 }] },
  parameters: single({
    courses: multiple(
      single({
        fullname: value('text', 'full name'),
        shortname: value('text', 'course short name'),
        categoryid: value('int', 'category id'),
        idnumber: value('raw', 'id number', { optional: true }),
        summary: value('raw', 'summary', { optional: true }),
        summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)', { default: 1 }),
        format: value('plugin', 'course format: weeks, topics, social, singleactivity', { default: 'topics' }),
        startdate: value('int', 'timestamp when the course start', { optional: true }),
        enddate: value('int', 'timestamp when the course end', { optional: true }),
        numsections: value('int', 'number of weeks/topics (default 4)', { optional: true }),
        visible: value('int', '1: available to student, 0:not available', { optional: true }),
        lang: value('lang', 'forced course language', { optional: true }),
      }),
      'courses to create',
    ),
  }),
  returns: multiple(
    single({
      id: value('int', 'course id'),
      shortname: value('raw', 'short name'),
    }),
  ),
  execute(ctx, { courses: list }) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability('moodle/course:create', 'Create courses');
    const actor = actorOf(ctx);
    const now = ctx.now;
    if (!list.length) return [];
    // One write: the first course refused undoes the call. Each course is checked in turn, as
    // Moodle does, so the error is the first refused course's (against the courses before it).
    return withWrite(ctx.deps, async (tx, w) => {
      const created: { id: number; shortname: string }[] = [];
      for (const c of list) {
        const fullname = c.fullname.trim();
        const shortname = c.shortname.trim();
        if (!fullname) throw moodleError('errorinvalidparam', 'Invalid parameter: fullname (empty)');
        if (!shortname) throw moodleError('errorinvalidparam', 'Invalid parameter: shortname (empty)');
        if (c.categoryid < 1) {
          throw moodleError(
            'errorcatcontextnotvalid',
            `You cannot execute functions in the category context (category id: ${c.categoryid}).`,
          );
        }
        if (!(COURSE_FORMATS as readonly string[]).includes(c.format)) {
          throw moodleError(
            'errorinvalidparam',
            `Invalid parameter: format (${c.format}; use ${COURSE_FORMATS.join(', ')})`,
          );
        }
        const numsections = c.numsections ?? 4;
        if (numsections < 0 || numsections > MAX_SECTIONS) {
          throw moodleError('errorinvalidparam', `Invalid parameter: numsections (between 0 and ${MAX_SECTIONS})`);
        }
        if (c.visible !== undefined && c.visible !== 0 && c.visible !== 1) {
          throw moodleError('errorinvalidparam', 'Invalid parameter: visible (0 or 1)');
        }
        const startdate = c.startdate ?? now;
        const enddate = c.enddate ?? 0;
        if (enddate && enddate < startdate) {
          throw moodleError('enddatebeforestartdate', 'The course end date must be after the start date.');
        }
        if ((await courseIdByShortname(tx, shortname)) !== undefined) {
          throw moodleError('shortnametaken', `Short name is already used for another course (${shortname})`);
        }
        const idnumber = (c.idnumber ?? '').trim();
        if (idnumber && (await courseIdByIdnumber(tx, idnumber)) !== undefined) {
          throw moodleError('courseidnumbertaken', `ID number is already used for another course (${idnumber})`);
        }
        const row = await insertCourse(tx, {
          fullname,
          shortname,
          idnumber,
          categoryid: c.categoryid,
          summary: c.summary ?? '',
          summaryformat: validateFormat(c.summaryformat),
          format: c.format,
          visible: (c.visible ?? 1) === 1,
          lang: c.lang ?? '',
          startdate,
          enddate,
          timecreated: now,
          timemodified: now,
        });
        await insertSections(tx, row.id, numsections);
        w.audit(actor, {
          action: 'course.create',
          targetType: 'course',
          targetId: row.id,
          summary: `Created course ${row.shortname} (web service)`,
        });
        created.push(row);
      }
      return created;
    });
  },
});

// ---- core_course_get_contents ----------------------------------------------------------------

const MOD_PLURALS: Record<string, string> = {
  assign: 'Assignments',
  forum: 'Forums',
  label: 'Labels',
  page: 'Pages',
  quiz: 'Quizzes',
  resource: 'Files',
  url: 'URLs',
};

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });

/** Moodle's get_section_name: the stored name, or the format's default. */
function sectionName(course: CourseRow, section: { section: number; name: string }): string {
  if (section.name) return section.name;
  if (section.section === 0) return course.format === 'site' ? 'Site' : 'General';
  if (course.format === 'weeks') {
    const start = course.startdate + (section.section - 1) * 7 * 86_400;
    return `${DATE.format(new Date(start * 1000))} - ${DATE.format(new Date((start + 6 * 86_400) * 1000))}`;
  }
  return `Topic ${section.section}`;
}

/** Whether the caller may open the course: the site course always, others when enrolled or with moodle/course:view. */
async function requireCourseAccess(ctx: CallContext, course: CourseRow): Promise<void> {
  if (course.id === SITEID) return;
  const canView = ctx.hasCapability('moodle/course:view');
  const enrolled = await findEnrolment(ctx.deps.store.db, course.id, ctx.user.id);
  if (!enrolled && !canView) {
    throw moodleError(
      'requireloginerror',
      'Course or activity not accessible. (Not enrolled)',
      `course id ${course.id}`,
    );
  }
  if (!course.visible && !canView && enrolled?.role !== 'editingteacher') {
    throw moodleError(
      'requireloginerror',
      'Course or activity not accessible. (This course is currently unavailable to students)',
    );
  }
}

const OPTION_NAMES = [
  'excludemodules',
  'excludecontents',
  'sectionid',
  'sectionnumber',
  'cmid',
  'modname',
  'modid',
] as const;
type OptionName = (typeof OPTION_NAMES)[number];

const getContentsParameters = single({
  courseid: value('int', 'course id'),
  options: multiple(
    single({
      name: value(
        'alpha',
        'The expected keys (value format) are: excludemodules (bool), excludecontents (bool), sectionid (int), sectionnumber (int), cmid (int), modname (string), modid (int)',
      ),
      value: value('raw', 'the value of the option, this param is personaly validated in the external function.'),
    }),
    'Options, used since Moodle 2.9',
    { default: [] },
  ),
});

function parseOptions(options: Infer<typeof getContentsParameters>['options']) {
  const out: { excludemodules: boolean; sectionid?: number; sectionnumber?: number; cmid?: number; modname?: string } =
    {
      excludemodules: false,
    };
  const int = (name: string, v: string): number => {
    if (!/^\d+$/.test(v)) throw moodleError('errorinvalidparam', `Invalid parameter: ${name}`);
    return Number(v);
  };
  for (const { name, value: v } of options) {
    // The seed era's Moodle Mobile app sends options[0][name]=&options[0][value]= with every call:
    // Moodle 2.2-2.8 ignored options, Moodle 2.9+ refuses an empty name. Gatehouse, serving that
    // app, ignores an option with an empty name (a deliberate difference from 2.9+).
    if (name === '') continue;
    if (!(OPTION_NAMES as readonly string[]).includes(name)) {
      throw moodleError('errorinvalidparam', `Invalid parameter: ${name} (options are ${OPTION_NAMES.join(', ')})`);
    }
    switch (name as OptionName) {
      case 'excludemodules':
        out.excludemodules = v === '1' || v === 'true';
        break;
      case 'excludecontents':
        break;
      case 'sectionid':
        out.sectionid = int(name, v);
        break;
      case 'sectionnumber':
        out.sectionnumber = int(name, v);
        break;
      case 'cmid':
      case 'modid':
        out.cmid = int(name, v);
        break;
      case 'modname':
        if (!/^[a-z][a-z0-9_]*$/.test(v)) throw moodleError('errorinvalidparam', 'Invalid parameter: modname');
        out.modname = v;
        break;
    }
  }
  return out;
}

const getContents = defineFunction({
  name: 'core_course_get_contents',
  component: 'core_course',
  description:
    'Get course contents: its sections and their activities. Open to users enrolled in the course and to holders of moodle/course:view; hidden sections and activities only to those who may update the course.',
  type: 'read',
  capabilities: [
    perRecord('moodle/course:view', 'in the context of the course, when the caller is not enrolled in it'),
  ],
  example: { courseid: 2 },
  services: ['moodle_mobile_app'],
  parameters: getContentsParameters,
  returns: multiple(
    single({
      id: value('int', 'Section ID'),
      name: value('text', 'Section name'),
      visible: value('int', 'is the section visible', { optional: true }),
      summary: value('raw', 'Section description'),
      summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
      section: value('int', 'Section number inside the course', { optional: true }),
      uservisible: value('bool', 'Is the section visible for the user?', { optional: true }),
      modules: multiple(
        single({
          id: value('int', 'activity id'),
          url: value('url', 'activity url', { optional: true }),
          name: value('raw', 'activity module name'),
          instance: value('int', 'instance id', { optional: true }),
          description: value('raw', 'activity description', { optional: true }),
          visible: value('int', 'is the module visible', { optional: true }),
          uservisible: value('bool', 'Is the module visible for the user?', { optional: true }),
          modicon: value('url', 'activity icon url'),
          modname: value('plugin', 'activity module type'),
          modplural: value('text', 'activity module plural name'),
          indent: value('int', 'number of identation in the site'),
          contents: multiple(
            single({
              type: value('text', 'a file or a folder or external link'),
              filename: value('text', 'filename'),
              filepath: value('text', 'filepath'),
              filesize: value('int', 'filesize'),
              fileurl: value('url', 'downloadable file url', { optional: true }),
              timecreated: value('int', 'Time created'),
              timemodified: value('int', 'Time modified'),
              sortorder: value('int', 'Content sort order'),
              userid: value('int', 'User who added this content to moodle'),
              author: value('text', 'Content owner'),
              license: value('text', 'Content license'),
            }),
            'Course contents',
            { optional: true },
          ),
        }),
        'list of module',
      ),
    }),
  ),
  async execute(ctx, { courseid, options }) {
    const db = ctx.deps.store.db;
    const course = await requireCourse(db, courseid);
    const opts = parseOptions(options);
    await requireCourseAccess(ctx, course);
    const canUpdate = ctx.hasCapability('moodle/course:update');
    const base = siteUrl(ctx);
    const sections = await sectionsOf(db, course.id);
    const modules = await modulesOf(db, course.id);
    // A module's stored files (a resource's, a page's index.html), with URLs that download with the token.
    const files = await moduleContentsOf(ctx.deps, modules);
    return sections
      .filter((s) => s.visible || canUpdate)
      .filter((s) => opts.sectionid === undefined || s.id === opts.sectionid)
      .filter((s) => opts.sectionnumber === undefined || s.section === opts.sectionnumber)
      .map((s) => ({
        id: s.id,
        name: sectionName(course, s),
        visible: s.visible ? 1 : 0,
        summary: s.summary,
        summaryformat: 1,
        section: s.section,
        uservisible: s.visible || canUpdate,
        modules: opts.excludemodules
          ? []
          : modules
              .filter((m) => m.sectionId === s.id && (m.visible || canUpdate))
              .filter((m) => opts.cmid === undefined || m.id === opts.cmid)
              .filter((m) => opts.modname === undefined || m.modname === opts.modname)
              .map((m) => ({
                id: m.id,
                ...(m.modname === 'label' ? {} : { url: `${base}/mod/${m.modname}/view.php?id=${m.id}` }),
                name: m.name,
                instance: m.id,
                ...(m.description ? { description: m.description } : {}),
                visible: m.visible ? 1 : 0,
                uservisible: m.visible || canUpdate,
                modicon: `${base}/theme/image.php/boost/${m.modname}/1/icon`,
                modname: m.modname,
                modplural: MOD_PLURALS[m.modname] ?? `${m.modname}s`,
                indent: 0,
                ...(m.modname === 'url' && m.url
                  ? {
                      contents: [
                        {
                          type: 'url',
                          filename: m.name,
                          filepath: '',
                          filesize: 0,
                          fileurl: m.url,
                          timecreated: course.timecreated,
                          timemodified: course.timemodified,
                          sortorder: 0,
                          userid: 0,
                          author: '',
                          license: '',
                        },
                      ],
                    }
                  : files.has(m.id)
                    ? { contents: files.get(m.id) }
                    : {}),
              })),
      }));
  },
});

export const COURSE_FUNCTIONS = [getCourses, createCourses, getContents];
