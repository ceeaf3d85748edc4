import { multiple, single, value } from '@gatehouse/shared';
import { type CourseRow, findCourse } from '../../features/courses/courses.repo';
import { coursesOfUser, findEnrolment, hiddenCoursePreferences } from '../../features/enrolments/enrolments.repo';
import { generatedCourseSvg } from '../../features/files/generated-image';
import { findUser } from '../../features/users/users.repo';
import { invalidParameter, MoodleException, missingRecord, moodleError } from '../exceptions';
import { type CallContext, defineFunction } from '../types';
import { externalWarnings, SITEID, siteUrl } from './common';

// What the Moodle app (moodlehq/moodleapp) asks for on its dashboard and course pages, beside the
// course lists and contents: core_course_get_enrolled_courses_by_timeline_classification (the
// myoverview block and "My courses"), core_block_get_dashboard_blocks,
// core_course_get_user_navigation_options and core_course_get_user_administration_options
// (course/externallib.php, course/lib.php, blocks/externallib.php, enrol/locallib.php's
// enrol_get_my_courses). Where Gatehouse has no such feature (favourites, custom fields,
// completion, badges, blogs, grades, …) the answer is Moodle's with the feature off.

const MOBILE = 'moodle_mobile_app';

type Warning = { item?: string; itemid?: number; warningcode: string; message: string };

const codingError = (hint: string) =>
  new MoodleException(
    'coding_exception',
    'codingerror',
    `Coding error detected, it must be fixed by a programmer: ${hint}`,
  );

// ---- the courses the caller is enrolled in ----------------------------------------------------

/**
 * A course without an image gets one generated from its id, as core_renderer's
 * get_generated_image_for_id does: an SVG data URL in the course's colour
 * (get_generated_color_for_id: coursecolor<id % 10 + 1>). Moodle draws a geometric pattern in
 * that colour; Gatehouse a plain tile.
 */
function generatedCourseImage(id: number): string {
  return `data:image/svg+xml;base64,${Buffer.from(generatedCourseSvg(id)).toString('base64')}`;
}

/** core_course\external\course_summary_exporter::get_read_structure(), in its order. */
const courseSummary = single({
  id: value('int', 'id'),
  fullname: value('text', 'fullname'),
  shortname: value('text', 'shortname'),
  idnumber: value('raw', 'idnumber'),
  summary: value('raw', 'summary', { default: null, allowNull: true }),
  summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)', { default: 0 }),
  startdate: value('int', 'startdate'),
  enddate: value('int', 'enddate'),
  visible: value('bool', 'visible'),
  showactivitydates: value('bool', 'showactivitydates', { allowNull: true }),
  showcompletionconditions: value('bool', 'showcompletionconditions', { allowNull: true }),
  pdfexportfont: value('text', 'pdfexportfont', { default: null, allowNull: true }),
  fullnamedisplay: value('text', 'fullnamedisplay'),
  viewurl: value('url', 'viewurl'),
  courseimage: value('raw', 'courseimage'),
  progress: value('int', 'progress', { optional: true }),
  hasprogress: value('bool', 'hasprogress'),
  isfavourite: value('bool', 'isfavourite'),
  hidden: value('bool', 'hidden'),
  timeaccess: value('int', 'timeaccess', { optional: true }),
  showshortname: value('bool', 'showshortname'),
  coursecategory: value('text', 'coursecategory'),
});

/** The course table's columns that enrol_get_my_courses lets a client sort by (`c.<column>`), as the row names them. */
const SORTABLE: Record<string, (c: CourseRow) => string | number> = {
  id: (c) => c.id,
  category: (c) => c.categoryid,
  sortorder: (c) => c.sortorder,
  fullname: (c) => c.fullname,
  shortname: (c) => c.shortname,
  idnumber: (c) => c.idnumber,
  summary: (c) => c.summary,
  summaryformat: (c) => c.summaryformat,
  format: (c) => c.format,
  showgrades: (c) => c.showgrades,
  newsitems: (c) => c.newsitems,
  startdate: (c) => c.startdate,
  enddate: (c) => c.enddate,
  relativedatesmode: (c) => c.relativedatesmode,
  marker: (c) => c.marker,
  maxbytes: (c) => c.maxbytes,
  showreports: (c) => c.showreports,
  visible: (c) => (c.visible ? 1 : 0),
  groupmode: (c) => c.groupmode,
  groupmodeforce: (c) => c.groupmodeforce,
  defaultgroupingid: (c) => c.defaultgroupingid,
  lang: (c) => c.lang,
  calendartype: (c) => c.calendartype,
  theme: (c) => c.theme,
  timecreated: (c) => c.timecreated,
  timemodified: (c) => c.timemodified,
  enablecompletion: (c) => c.enablecompletion,
  completionnotify: (c) => c.completionnotify,
  showactivitydates: (c) => c.showactivitydates,
  showcompletionconditions: (c) => c.showcompletionconditions ?? 0,
};

type Comparator = (a: CourseRow, b: CourseRow) => number;

/**
 * enrol_get_my_courses' ORDER BY: the client's `sort` (fields of the course table, with or without
 * `c.`, or `ul.timeaccess`, each with asc/desc), hidden courses last unless it names `visible`
 * (enrol_get_courses_sortingsql), then `sortorder ASC` when none is given. Anything else is
 * Moodle's coding_exception. Gatehouse keeps no course access times: ul.timeaccess sorts as 0.
 */
function courseOrder(sort: string | null): Comparator {
  const parts: { key: (c: CourseRow) => string | number; dir: 1 | -1 }[] = [];
  if (sort === null || !sort.includes('visible'))
    parts.push({ key: SORTABLE.visible as (c: CourseRow) => number, dir: -1 });
  const given = (sort ?? 'sortorder ASC').trim();
  if (given !== '') {
    for (const raw of given.split(',')) {
      const words = raw.trim().split(' ').filter(Boolean);
      if (words.length > 2) throw codingError('Invalid $sort parameter in enrol_get_my_courses()');
      if (words[1] !== undefined && !/^(asc|desc)$/i.test(words[1])) {
        throw codingError('Invalid sort direction in $sort parameter in enrol_get_my_courses()');
      }
      const dir = words[1]?.toLowerCase() === 'desc' ? -1 : 1;
      const field = words[0] ?? '';
      const dotted = field.split('.');
      if (dotted.length > 2) throw codingError('Invalid $sort parameter in enrol_get_my_courses()');
      const [prefix, name] = dotted.length === 2 ? dotted : [undefined, field];
      if ((prefix === 'ul' || prefix === undefined) && name === 'timeaccess') {
        parts.push({ key: () => 0, dir });
        continue;
      }
      const key = prefix === undefined || prefix === 'c' ? SORTABLE[name ?? ''] : undefined;
      if (!key) throw codingError('Invalid $sort parameter in enrol_get_my_courses()');
      parts.push({ key, dir });
    }
  }
  return (a, b) => {
    for (const { key, dir } of parts) {
      const x = key(a);
      const y = key(b);
      if (x < y) return -dir;
      if (x > y) return dir;
    }
    return a.id - b.id;
  };
}

const CLASSIFICATIONS = [
  'allincludinghidden',
  'all',
  'past',
  'inprogress',
  'future',
  'favourites',
  'hidden',
  'search',
  'customfield',
] as const;
type Classification = (typeof CLASSIFICATIONS)[number];

/** course_classify_for_timeline, without completion (Gatehouse has none) and with no grace periods. */
function timelineOf(c: CourseRow, now: number): 'past' | 'inprogress' | 'future' {
  if (c.enddate && c.enddate < now) return 'past';
  if (c.startdate && c.startdate > now) return 'future';
  return 'inprogress';
}

/**
 * The caller's enrolled courses (enrol_get_my_courses: not the site course; a hidden course only
 * to whoever may see it: holders of moodle/course:view and the course's teachers), in order.
 */
async function myCourses(ctx: CallContext, sort: string | null): Promise<CourseRow[]> {
  const rows = await coursesOfUser(ctx.deps.store.db, ctx.user.id);
  const canViewHidden = ctx.hasCapability('moodle/course:view');
  return rows
    .filter((r) => r.course.id !== SITEID && (r.course.visible || canViewHidden || r.role !== 'student'))
    .map((r) => r.course)
    .sort(courseOrder(sort));
}

function summaryOf(ctx: CallContext, c: CourseRow, hiddenPref: string | undefined) {
  return {
    id: c.id,
    fullname: c.fullname,
    shortname: c.shortname,
    idnumber: c.idnumber,
    summary: c.summary,
    // external_format_text gives the summary as HTML.
    summaryformat: 1,
    startdate: c.startdate,
    enddate: c.enddate,
    visible: c.visible,
    showactivitydates: c.showactivitydates !== 0,
    showcompletionconditions: c.showcompletionconditions === null ? null : c.showcompletionconditions !== 0,
    pdfexportfont: null,
    // get_course_display_name_for_list: the full name ($CFG->courselistshortnames is off).
    fullnamedisplay: c.fullname,
    viewurl: `${siteUrl(ctx)}/course/view.php?id=${c.id}`,
    courseimage: generatedCourseImage(c.id),
    // No completion tracking: no progress (floor(null ?? 0)), hasprogress false.
    progress: 0,
    hasprogress: false,
    isfavourite: false,
    hidden: hiddenPref !== undefined && hiddenPref !== '' && hiddenPref !== '0',
    showshortname: false,
    // Gatehouse keeps category ids only.
    coursecategory: `Category ${c.categoryid}`,
  };
}

const getEnrolledCoursesByTimeline = defineFunction({
  name: 'core_course_get_enrolled_courses_by_timeline_classification',
  component: 'core_course',
  description:
    "List of enrolled courses for the given timeline classification (past, inprogress, or future), the caller's own. The offset applies to the whole list before the classification, as in Moodle; nextoffset is where the next request starts. Hidden courses are the ones the user hid from the dashboard (block_myoverview_hidden_course_<id> preferences). Gatehouse has no favourite courses (favourites is empty), no course custom fields (customfield is empty), no completion (no progress) and no course images (a generated one); requiredfields is accepted and every field is returned.",
  type: 'read',
  capabilities: [],
  example: { classification: 'inprogress', limit: 10, offset: 0, sort: 'fullname' },
  services: [MOBILE],
  // The web dashboard's course overview calls it through lib/ajax (services.php: 'ajax' => true).
  ajax: true,
  parameters: single({
    classification: value('alpha', 'future, inprogress, or past'),
    limit: value('int', 'Result set limit', { default: 0 }),
    offset: value('int', 'Result set offset', { default: 0 }),
    sort: value('text', 'Sort string', { default: null, allowNull: true }),
    customfieldname: value('alphanumext', 'Used when classification = customfield', { default: null, allowNull: true }),
    customfieldvalue: value('raw', 'Used when classification = customfield', { default: null, allowNull: true }),
    searchvalue: value('raw', 'The value a user wishes to search against', { default: null, allowNull: true }),
    requiredfields: multiple(
      value('alphanumext', 'Field name to be included from the results'),
      'Array of the only field names that need to be returned. If empty, all fields will be returned.',
      { default: [] },
    ),
  }),
  returns: single({
    courses: multiple(courseSummary, 'Course'),
    nextoffset: value('int', 'Offset for the next request'),
  }),
  async execute(ctx, p) {
    if (!(CLASSIFICATIONS as readonly string[]).includes(p.classification)) {
      throw invalidParameter('Invalid classification');
    }
    const classification = p.classification as Classification;
    const sort = p.sort ?? null;
    const all = await myCourses(ctx, sort === '' ? null : sort);
    const hiddenPrefs = await hiddenCoursePreferences(ctx.deps.store.db, ctx.user.id);
    const offset = Math.max(0, p.offset);
    // get_hidden_courses_on_timeline: every course with a hidden preference, whatever its value.
    const isHidden = (c: CourseRow) => hiddenPrefs.has(c.id);
    let pool: CourseRow[];
    if (classification === 'allincludinghidden') pool = all;
    else if (classification === 'hidden') pool = all.filter(isHidden);
    else if (classification === 'search') {
      const needle = (p.searchvalue ?? '').replace(/<[^>]*>/g, '').toLowerCase();
      pool = all.filter((c) =>
        [c.fullname, c.shortname, c.idnumber, c.summary].some((f) => f.toLowerCase().includes(needle)),
      );
    } else pool = all.filter((c) => !isHidden(c));
    pool = pool.slice(offset);
    // course_filter_courses_by_*: each course looked at counts towards nextoffset, up to the limit.
    const wanted = (c: CourseRow): boolean => {
      switch (classification) {
        case 'favourites':
        case 'customfield':
          return false;
        case 'past':
        case 'inprogress':
        case 'future':
          return timelineOf(c, ctx.now) === classification;
        default:
          return true;
      }
    };
    const picked: CourseRow[] = [];
    let processed = 0;
    for (const c of pool) {
      processed++;
      if (wanted(c)) picked.push(c);
      if (p.limit > 0 && picked.length >= p.limit) break;
    }
    return {
      courses: picked.map((c) => summaryOf(ctx, c, hiddenPrefs.get(c.id))),
      nextoffset: offset + processed,
    };
  },
});

// ---- dashboard blocks ------------------------------------------------------------------------

/** core_block_external::get_block_structure(). */
const blockStructure = single(
  {
    instanceid: value('int', 'Block instance id.'),
    name: value('plugin', 'Block name.'),
    region: value('alphanumext', 'Block region.'),
    positionid: value('int', 'Position id.'),
    collapsible: value('bool', 'Whether the block is collapsible.'),
    dockable: value('bool', 'Whether the block is dockable.'),
    weight: value('int', 'Used to order blocks within a region.', { optional: true }),
    visible: value('bool', 'Whether the block is visible.', { optional: true }),
    contents: single(
      {
        title: value('text', 'Block title.'),
        content: value('raw', 'Block contents.'),
        contentformat: value('int', 'content format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
        footer: value('raw', 'Block footer.'),
        files: multiple(
          single({
            filename: value('text', 'File name.', { optional: true }),
            filepath: value('text', 'File path.', { optional: true }),
            filesize: value('int', 'File size.', { optional: true }),
            fileurl: value('url', 'Downloadable file url.', { optional: true }),
            timemodified: value('int', 'Time modified.', { optional: true }),
            mimetype: value('raw', 'File mime type.', { optional: true }),
            isexternalfile: value('bool', 'Whether is an external file.', { optional: true }),
            repositorytype: value('plugin', 'The repository type for external files.', { optional: true }),
          }),
          'Block files.',
          { optional: true },
        ),
      },
      'Block contents (if required).',
      { optional: true },
    ),
    configs: multiple(
      single({
        name: value('raw', 'Name.'),
        value: value('raw', 'JSON encoded representation of the config value.'),
        type: value('alpha', 'Type (instance or plugin).'),
      }),
      'Block instance and plugin configuration settings.',
      { optional: true },
    ),
  },
  'Block information.',
);

/**
 * block_myoverview's plugin settings with Moodle's defaults (blocks/myoverview/settings.php), as
 * get_config_for_external gives them: every value json_encode'd. The groupings Gatehouse cannot
 * fill (starred courses, custom fields) are off.
 */
const MYOVERVIEW_CONFIGS: [string, string][] = [
  ['customfiltergrouping', ''],
  ['displaycategories', '1'],
  ['displaygroupingall', '1'],
  ['displaygroupingallincludinghidden', '0'],
  ['displaygroupingcustomfield', '0'],
  ['displaygroupingfavourites', '0'],
  ['displaygroupingfuture', '1'],
  ['displaygroupinghidden', '1'],
  ['displaygroupinginprogress', '1'],
  ['displaygroupingpast', '1'],
  ['layouts', 'card,list,summary'],
];

/** Moodle 4.x's MY_PAGE_DEFAULT (the dashboard) and MY_PAGE_COURSES ("My courses"). */
const MY_PAGE_DEFAULT = '__default';
const MY_PAGE_COURSES = '__courses';

const getDashboardBlocks = defineFunction({
  name: 'core_block_get_dashboard_blocks',
  component: 'core_block',
  description:
    'Returns blocks information for the given user dashboard. Gatehouse\'s dashboard has one block, the course overview (myoverview) in the content region; "My courses" (mypage=__courses) has no blocks of its own. Another user\'s dashboard needs moodle/site:config.',
  type: 'read',
  capabilities: [],
  example: { returncontents: true, mypage: MY_PAGE_DEFAULT },
  services: [MOBILE],
  parameters: single({
    userid: value('int', 'User id (optional), default is current user.', { default: 0 }),
    returncontents: value('bool', 'Whether to return the block contents.', { default: false }),
    mypage: value('text', 'What my page to return blocks of', { default: MY_PAGE_DEFAULT }),
  }),
  returns: single({
    blocks: multiple(blockStructure, 'List of blocks in the dashboard.'),
    warnings: externalWarnings(),
  }),
  async execute(ctx, { userid, returncontents, mypage }) {
    if (userid !== 0 && userid !== ctx.user.id) {
      // We must check if the current user can view other users dashboard.
      ctx.requireCapability('moodle/site:config', 'Change site configuration');
      // core_user::get_user(MUST_EXIST) and require_active_user().
      const user = await findUser(ctx.deps.store.db, userid);
      if (!user) throw missingRecord('user', `No user with id ${userid}`);
      if (user.deleted) throw moodleError('userdeleted', 'This user account has been deleted');
      if (!user.confirmed) throw moodleError('usernotconfirmed', 'Could not confirm ');
      if (user.isGuest) throw moodleError('guestsarenotallowed', 'The guest user is not allowed to do this');
    }
    if (mypage !== MY_PAGE_DEFAULT && mypage !== MY_PAGE_COURSES) {
      // my_get_page finds no such page.
      throw new MoodleException('moodle_exception', 'mymoodlesetup', 'Could not set up the Dashboard.');
    }
    if (mypage === MY_PAGE_COURSES) return { blocks: [], warnings: [] as Warning[] };
    const block = {
      instanceid: 1,
      name: 'myoverview',
      region: 'content',
      positionid: 0,
      collapsible: true,
      dockable: false,
      weight: 0,
      visible: true,
      ...(returncontents
        ? { contents: { title: 'Course overview', content: '', contentformat: 1, footer: '', files: [] } }
        : {}),
      configs: MYOVERVIEW_CONFIGS.map(([name, v]) => ({ name, value: JSON.stringify(v), type: 'plugin' })),
    };
    return { blocks: [block], warnings: [] as Warning[] };
  },
});

// ---- per-course options ----------------------------------------------------------------------

const courseOptions = () =>
  single({
    courses: multiple(
      single({
        id: value('int', 'Course id'),
        options: multiple(
          single({
            name: value('alphanumext', 'Option name'),
            available: value('bool', 'Whether the option is available or not'),
          }),
        ),
      }),
      'List of courses',
    ),
    warnings: externalWarnings(),
  });

type Options = [string, boolean][];

/**
 * util::validate_courses: each course once, in the order asked, with the role the caller holds
 * in it; a course that does not exist or that the caller may not open is a warning (the site
 * course is open to everyone).
 */
async function validateCourses(ctx: CallContext, ids: readonly number[]) {
  const db = ctx.deps.store.db;
  const canView = ctx.hasCapability('moodle/course:view');
  const out: { course: CourseRow; role: string | undefined }[] = [];
  const warns: Warning[] = [];
  for (const id of [...new Set(ids)]) {
    const course = await findCourse(db, id);
    const role = course && course.id !== SITEID ? (await findEnrolment(db, course.id, ctx.user.id))?.role : undefined;
    const open =
      course &&
      (course.id === SITEID ||
        ((role !== undefined || canView) && (course.visible || canView || (role !== undefined && role !== 'student'))));
    if (!course || !open) {
      warns.push({ item: 'course', itemid: id, warningcode: '1', message: 'No access rights in course context' });
      continue;
    }
    out.push({ course, role });
  }
  return { courses: out, warnings: warns };
}

/** A course capability that a course role grants in Gatehouse (its teachers'), or a site-wide one. */
const inCourse = (ctx: CallContext, role: string | undefined, capability: string) =>
  ctx.hasCapability(capability) || role === 'editingteacher' || role === 'teacher';

const getUserNavigationOptions = defineFunction({
  name: 'core_course_get_user_navigation_options',
  component: 'core_course',
  description:
    "Return a list of navigation options in a set of courses that are available or not for the current user (course_get_user_navigation_options). Participants and notes follow the caller's capabilities (moodle/course:viewparticipants, moodle/site:viewparticipants on the site course, moodle/notes:view or moodle/notes:manage); Gatehouse has no badges, blogs, competencies, grades, global search, tags or communication, so those are never available. A course the caller may not open is a warning.",
  type: 'read',
  capabilities: [],
  example: { courseids: [2] },
  services: [MOBILE],
  parameters: single({
    courseids: multiple(value('int', 'Course id.')),
  }),
  returns: courseOptions(),
  async execute(ctx, { courseids }) {
    const { courses, warnings: warns } = await validateCourses(ctx, courseids);
    const notes = ctx.hasCapability('moodle/notes:manage') || ctx.hasCapability('moodle/notes:view');
    return {
      courses: courses.map(({ course, role }) => {
        const participants =
          course.id === SITEID
            ? ctx.hasCapability('moodle/site:viewparticipants')
            : inCourse(ctx, role, 'moodle/course:viewparticipants');
        const options: Options = [
          ['badges', false],
          ['blogs', false],
          ['competencies', false],
          ['grades', false],
          ['notes', notes || inCourse(ctx, role, 'moodle/notes:view')],
          ['participants', participants],
          ['search', false],
          ['tags', false],
          ['communication', false],
        ];
        return { id: course.id, options: options.map(([name, available]) => ({ name, available })) };
      }),
      warnings: warns,
    };
  },
});

const getUserAdministrationOptions = defineFunction({
  name: 'core_course_get_user_administration_options',
  component: 'core_course',
  description:
    'Return a list of administration options in a set of courses that are available or not for the current user (course_get_user_administration_options). update follows moodle/course:update and reports moodle/site:viewreports; Gatehouse has no completion editing, filters, backup, restore, copy, legacy files, tags, gradebook, outcomes, badges, import, reset or role switching, so those are never available. A course the caller may not open is a warning.',
  type: 'read',
  capabilities: [],
  example: { courseids: [2] },
  services: [MOBILE],
  parameters: single({
    courseids: multiple(value('int', 'Course id.')),
  }),
  returns: courseOptions(),
  async execute(ctx, { courseids }) {
    const { courses, warnings: warns } = await validateCourses(ctx, courseids);
    return {
      courses: courses.map(({ course, role }) => {
        const update = inCourse(ctx, role, 'moodle/course:update');
        const options: Options = [
          ['update', update],
          ['editcompletion', false],
          ['filters', false],
          ['reports', ctx.hasCapability('moodle/site:viewreports')],
          ['backup', false],
          ['restore', false],
          ['copy', false],
          ['files', false],
        ];
        const more: Options =
          course.id === SITEID
            ? ['tags', 'gradebook', 'outcomes', 'badges', 'import', 'publish', 'reset', 'roles', 'grades'].map((n) => [
                n,
                false,
              ])
            : [
                ['tags', false],
                ['gradebook', false],
                ['outcomes', false],
                ['badges', false],
                ['import', false],
                ['reset', false],
                ['roles', false],
              ];
        return {
          id: course.id,
          options: [...options, ...more].map(([name, available]) => ({ name, available })),
        };
      }),
      warnings: warns,
    };
  },
});

export const DASHBOARD_FUNCTIONS = [
  getEnrolledCoursesByTimeline,
  getDashboardBlocks,
  getUserNavigationOptions,
  getUserAdministrationOptions,
];
