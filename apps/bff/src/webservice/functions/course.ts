import { type Infer, multiple, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import {
  allCourses,
  type CourseRow,
  courseIdByIdnumber,
  courseIdByShortname,
  coursesByIds,
  formatOptionsOf,
  insertCourse,
  insertFormatOptions,
  insertSections,
  lastSectionNumbers,
  modulesOf,
  sectionsOf,
} from '../../features/courses/courses.repo';
import { findEnrolment } from '../../features/enrolments/enrolments.repo';
import { moduleContext } from '../../features/files/contexts';
import { moduleContentsOf } from '../../features/files/files.service';
import { moodleError } from '../exceptions';
import { type CallContext, defineFunction, perRecord } from '../types';
import { actorOf, requireCourse, SITEID, siteUrl, validateFormat } from './common';

/** Course formats that can be chosen for a new course ('site' is the front page's own). */
const COURSE_FORMATS = ['topics', 'weeks', 'social', 'singleactivity'] as const;
/** Moodle's default maximum number of sections (moodlecourse | maxsections). */
const MAX_SECTIONS = 52;

/**
 * Each format's course options (course_format_options, course level) in the format's order, with
 * Moodle 4.x's defaults (the moodlecourse settings: hiddensections 1, coursedisplay 0; weeks'
 * automaticenddate 1; social's numdiscussions 10; singleactivity's activitytype 'forum'). The
 * site format has none. Values are strings, as Moodle reads them from the table.
 */
const FORMAT_OPTIONS: Record<string, readonly (readonly [string, string])[]> = {
  topics: [
    ['hiddensections', '1'],
    ['coursedisplay', '0'],
  ],
  weeks: [
    ['hiddensections', '1'],
    ['coursedisplay', '0'],
    ['automaticenddate', '1'],
  ],
  social: [['numdiscussions', '10']],
  singleactivity: [['activitytype', 'forum']],
  site: [],
};

/** A course's format options: the stored value of each of its format's options, else the default. */
function formatOptions(
  course: Pick<CourseRow, 'format'>,
  stored: readonly { format: string; name: string; value: string }[] | undefined,
): { name: string; value: string }[] {
  return (FORMAT_OPTIONS[course.format] ?? []).map(([name, def]) => ({
    name,
    value: stored?.find((o) => o.format === course.format && o.name === name)?.value ?? def,
  }));
}

// ---- core_course_get_courses -----------------------------------------------------------------

const getCourses = defineFunction({
  name: 'core_course_get_courses',
  component: 'core_course',
  description:
    'Return course details. Without ids, every course, the front page (site) course first, as Moodle lists them (its parameter description says "except front page course", its code does not). ' +
    'The site course is listed to everybody; other courses need moodle/course:view. Hidden courses are listed only to holders of moodle/course:update (Moodle: or of moodle/course:viewhiddencourses, which Gatehouse does not have). ' +
    'categorysortorder, idnumber, showgrades, newsitems, numsections, maxbytes, showreports, visible, hiddensections, groupmode, groupmodeforce, defaultgroupingid, timecreated, timemodified, enablecompletion, completionnotify, lang, forcetheme and courseformatoptions are returned only to holders of moodle/course:update, as in Moodle. ' +
    'enablecompletion is always 0 and showcompletionconditions null (Gatehouse has no activity completion: Moodle with completion disabled); forcetheme is always "" (Moodle with allowcoursethemes off); customfields is left out (no course custom fields are defined).',
  type: 'read',
  capabilities: [
    perRecord('moodle/course:view', 'in the context of each course but the site course'),
    perRecord('moodle/course:update', 'for hidden courses and the course settings that only course editors see'),
  ],
  example: { options: { ids: [2] } },
  services: ['moodle_mobile_app'],
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
    single(
      {
        id: value('int', 'course id'),
        shortname: value('raw', 'course short name'),
        categoryid: value('int', 'category id'),
        categorysortorder: value('int', 'sort order into the category', { optional: true }),
        fullname: value('raw', 'full name'),
        displayname: value('raw', 'course display name'),
        idnumber: value('raw', 'id number', { optional: true }),
        summary: value('raw', 'summary'),
        summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)'),
        format: value('plugin', 'course format: weeks, topics, social, site,..'),
        showgrades: value('int', '1 if grades are shown, otherwise 0', { optional: true }),
        newsitems: value('int', 'number of recent items appearing on the course page', { optional: true }),
        startdate: value('int', 'timestamp when the course start'),
        enddate: value('int', 'timestamp when the course end'),
        numsections: value('int', '(deprecated, use courseformatoptions) number of weeks/topics', { optional: true }),
        maxbytes: value('int', 'largest size of file that can be uploaded into the course', { optional: true }),
        showreports: value('int', 'are activity report shown (yes = 1, no =0)', { optional: true }),
        visible: value('int', '1: available to student, 0:not available', { optional: true }),
        hiddensections: value(
          'int',
          '(deprecated, use courseformatoptions) How the hidden sections in the course are displayed to students',
          { optional: true },
        ),
        groupmode: value('int', 'no group, separate, visible', { optional: true }),
        groupmodeforce: value('int', '1: yes, 0: no', { optional: true }),
        defaultgroupingid: value('int', 'default grouping id', { optional: true }),
        timecreated: value('int', 'timestamp when the course have been created', { optional: true }),
        timemodified: value('int', 'timestamp when the course have been modified', { optional: true }),
        enablecompletion: value(
          'int',
          'Enabled, control via completion and activity settings. Disbaled,\n                                        not shown in activity settings.',
          { optional: true },
        ),
        completionnotify: value('int', '1: yes 0: no', { optional: true }),
        lang: value('lang', 'forced course language', { optional: true }),
        // Moodle: PARAM_PLUGIN, which takes '' (no forced theme); Gatehouse's plugin type refuses ''.
        forcetheme: value('alphanumext', 'name of the force theme', { optional: true }),
        courseformatoptions: multiple(
          single({
            name: value('alphanumext', 'course format option name'),
            value: value('raw', 'course format option value'),
          }),
          'additional options for particular course format',
          { optional: true },
        ),
        showactivitydates: value('bool', 'Whether the activity dates are shown or not'),
        showcompletionconditions: value('bool', 'Whether the activity completion conditions are shown or not', {
          allowNull: true,
        }),
        customfields: multiple(
          single({
            name: value('raw', 'The name of the custom field'),
            shortname: value('alphanumext', 'The shortname of the custom field'),
            type: value('component', 'The type of the custom field - text, checkbox...'),
            valueraw: value('raw', 'The raw value of the custom field'),
            value: value('raw', 'The value of the custom field'),
          }),
          'Custom fields and associated values',
          { optional: true },
        ),
      },
      'course',
    ),
  ),
  async execute(ctx, { options }) {
    const db = ctx.deps.store.db;
    const ids = options.ids ?? [];
    const rows = ids.length ? await coursesByIds(db, ids) : await allCourses(db);
    // Moodle checks moodle/course:view per course but the site course, and the first refused
    // course ends the call; Gatehouse's roles hold site-wide, so one check gives every course
    // the same answer: the call fails when it lists any course but the site course.
    if (rows.some((c) => c.id !== SITEID)) {
      ctx.requireCapability('moodle/course:view', 'View courses without participation');
    }
    const courseadmin = ctx.hasCapability('moodle/course:update');
    const listed = rows.filter((c) => c.visible || courseadmin);
    const courseIds = listed.map((c) => c.id);
    const [lastSections, stored] = courseadmin
      ? await Promise.all([lastSectionNumbers(db, courseIds), formatOptionsOf(db, courseIds)])
      : [new Map<number, number>(), new Map<number, { format: string; name: string; value: string }[]>()];
    return listed.map((c) => {
      const common = {
        id: c.id,
        shortname: c.shortname,
        categoryid: c.categoryid,
        fullname: c.fullname,
        displayname: c.fullname,
        summary: c.summary,
        summaryformat: c.summaryformat,
        format: c.format,
        startdate: c.startdate,
        enddate: c.enddate,
        showactivitydates: c.showactivitydates === 1,
        showcompletionconditions: c.showcompletionconditions === null ? null : c.showcompletionconditions === 1,
      };
      if (!courseadmin) return common;
      const formatoptions = formatOptions(c, stored.get(c.id));
      const hiddensections = formatoptions.find((o) => o.name === 'hiddensections');
      return {
        ...common,
        categorysortorder: c.sortorder,
        idnumber: c.idnumber,
        showgrades: c.showgrades,
        showreports: c.showreports,
        newsitems: c.newsitems,
        visible: c.visible ? 1 : 0,
        maxbytes: c.maxbytes,
        ...(hiddensections ? { hiddensections: Number(hiddensections.value) } : {}),
        numsections: lastSections.get(c.id) ?? 0,
        groupmode: c.groupmode,
        groupmodeforce: c.groupmodeforce,
        defaultgroupingid: c.defaultgroupingid,
        lang: c.lang,
        timecreated: c.timecreated,
        timemodified: c.timemodified,
        forcetheme: '',
        enablecompletion: c.enablecompletion,
        completionnotify: c.completionnotify,
        courseformatoptions: formatoptions,
      };
    });
  },
});

// ---- core_course_create_courses --------------------------------------------------------------

/** An integer course setting in [min, max], or errorinvalidparam naming it. */
function intIn(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw moodleError('errorinvalidparam', `Invalid parameter: ${name} (between ${min} and ${max})`);
  }
  return v;
}

const createCourses = defineFunction({
  name: 'core_course_create_courses',
  component: 'core_course',
  description:
    'Create new courses, each with its sections 0..numsections. Short names (and non-empty ID numbers) must be unique. All courses of the call are created, or none of them. ' +
    'Every Moodle parameter is accepted. Stored: the course settings (showgrades, newsitems, maxbytes, showreports, groupmode, groupmodeforce, completionnotify, visible, lang) and the format options ' +
    '(courseformatoptions, and the deprecated hiddensections and numsections: a courseformatoptions entry wins over them, as in Moodle); option names the course format does not have are ignored, as Moodle does. ' +
    'Accepted and ignored, as Moodle with the feature off: enablecompletion (Gatehouse has no activity completion: stored as 0), forcetheme (course themes are not allowed), customfields (no course custom fields are defined). ' +
    'defaultgroupingid must be 0: Gatehouse has no groupings.',
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
        summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)', {
          default: 1,
        }),
        format: value('plugin', 'course format: weeks, topics, social, site,..', { default: 'topics' }),
        showgrades: value('int', '1 if grades are shown, otherwise 0', { default: 1 }),
        newsitems: value('int', 'number of recent items appearing on the course page', { default: 5 }),
        startdate: value('int', 'timestamp when the course start', { optional: true }),
        enddate: value('int', 'timestamp when the course end', { optional: true }),
        numsections: value('int', '(deprecated, use courseformatoptions) number of weeks/topics', { optional: true }),
        maxbytes: value('int', 'largest size of file that can be uploaded into the course', { default: 0 }),
        showreports: value('int', 'are activity report shown (yes = 1, no =0)', { default: 0 }),
        visible: value('int', '1: available to student, 0:not available', { optional: true }),
        hiddensections: value(
          'int',
          '(deprecated, use courseformatoptions) How the hidden sections in the course are displayed to students',
          { optional: true },
        ),
        groupmode: value('int', 'no group, separate, visible', { default: 0 }),
        groupmodeforce: value('int', '1: yes, 0: no', { default: 0 }),
        defaultgroupingid: value('int', 'default grouping id', { default: 0 }),
        enablecompletion: value(
          'int',
          'Enabled, control via completion and activity settings. Disabled,\n                                        not shown in activity settings.',
          { optional: true },
        ),
        completionnotify: value('int', '1: yes 0: no', { optional: true }),
        lang: value('lang', 'forced course language', { optional: true }),
        // Moodle: PARAM_PLUGIN, which takes '' (what PHP clients send for no theme); Gatehouse's plugin type refuses ''.
        forcetheme: value('alphanumext', 'name of the force theme', { optional: true }),
        courseformatoptions: multiple(
          single({
            name: value('alphanumext', 'course format option name'),
            value: value('raw', 'course format option value'),
          }),
          'additional options for particular course format',
          { optional: true },
        ),
        customfields: multiple(
          single({
            shortname: value('alphanumext', 'The shortname of the custom field'),
            value: value('raw', 'The value of the custom field'),
          }),
          'custom fields for the course',
          { optional: true },
        ),
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
        // Moodle copies each courseformatoptions pair onto the course record (so it wins over the
        // deprecated numsections / hiddensections fields); the format keeps the names it knows.
        const given = new Map<string, string>();
        for (const o of c.courseformatoptions ?? []) given.set(o.name, o.value);
        const numsectionsText = given.get('numsections');
        if (numsectionsText !== undefined && !/^\d+$/.test(numsectionsText.trim())) {
          throw moodleError('errorinvalidparam', 'Invalid parameter: numsections (an integer)');
        }
        const numsections = numsectionsText !== undefined ? Number(numsectionsText.trim()) : (c.numsections ?? 4);
        if (numsections < 0 || numsections > MAX_SECTIONS) {
          throw moodleError('errorinvalidparam', `Invalid parameter: numsections (between 0 and ${MAX_SECTIONS})`);
        }
        if (c.hiddensections !== undefined && !given.has('hiddensections')) {
          given.set('hiddensections', String(c.hiddensections));
        }
        const options = (FORMAT_OPTIONS[c.format] ?? []).map(([name, def]) => {
          const v = given.get(name)?.trim() ?? def;
          if (/^(hiddensections|coursedisplay|automaticenddate|numdiscussions)$/.test(name)) {
            if (!/^-?\d+$/.test(v)) throw moodleError('errorinvalidparam', `Invalid parameter: ${name} (an integer)`);
            const n = Number(v);
            intIn(name, n, 0, name === 'numdiscussions' ? Number.MAX_SAFE_INTEGER : 1);
            return { name, value: String(n) };
          }
          if (name === 'activitytype' && !/^[a-z][a-z0-9_]*$/.test(v)) {
            throw moodleError('errorinvalidparam', 'Invalid parameter: activitytype');
          }
          return { name, value: v };
        });
        if (c.visible !== undefined && c.visible !== 0 && c.visible !== 1) {
          throw moodleError('errorinvalidparam', 'Invalid parameter: visible (0 or 1)');
        }
        const showgrades = intIn('showgrades', c.showgrades, 0, 1);
        const newsitems = intIn('newsitems', c.newsitems, 0, 10);
        const maxbytes = intIn('maxbytes', c.maxbytes, 0, Number.MAX_SAFE_INTEGER);
        const showreports = intIn('showreports', c.showreports, 0, 1);
        const groupmode = intIn('groupmode', c.groupmode, 0, 2);
        const groupmodeforce = intIn('groupmodeforce', c.groupmodeforce, 0, 1);
        const completionnotify = intIn('completionnotify', c.completionnotify ?? 0, 0, 1);
        if (c.defaultgroupingid !== 0) {
          throw moodleError(
            'errorinvalidparam',
            'Invalid parameter: defaultgroupingid (0: Gatehouse has no groupings)',
          );
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
          showgrades,
          newsitems,
          maxbytes,
          showreports,
          groupmode,
          groupmodeforce,
          defaultgroupingid: 0,
          // Moodle with completion disabled site-wide: enablecompletion 0, and then
          // showcompletionconditions null (lib/db/upgrade.php sets it so for such courses).
          enablecompletion: 0,
          showcompletionconditions: null,
          completionnotify,
        });
        await insertSections(tx, row.id, numsections);
        await insertFormatOptions(tx, row.id, c.format, options);
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
  'includestealthmodules',
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
        'alphanum',
        'The expected keys (value format) are: excludemodules (bool) Do not return modules, return only the sections structure excludecontents (bool) Do not return module contents (i.e: files inside a resource) includestealthmodules (bool) Return stealth modules for students in a special section (with id -1) sectionid (int) Return only this section sectionnumber (int) Return only this section with number (order) cmid (int) Return only this module information (among the whole sections structure) modname (string) Return only modules with this name "label, forum, etc..." modid (int) Return only the module with this id (to be used with modname',
      ),
      value: value('raw', 'the value of the option, this param is personaly validated in the external function.'),
    }),
    'Options, used since Moodle 2.9',
    { default: [] },
  ),
});

interface ContentsFilters {
  excludemodules: boolean;
  excludecontents: boolean;
  includestealthmodules: boolean;
  sectionid?: number;
  sectionnumber?: number;
  cmid?: number;
  modname?: string;
  modid?: number;
}

/** Moodle's clean_param(PARAM_BOOL): on/yes/true, off/no/false, else PHP's empty(). */
function boolOption(v: string): boolean {
  const t = v.trim().toLowerCase();
  if (t === 'on' || t === 'yes' || t === 'true') return true;
  if (t === 'off' || t === 'no' || t === 'false') return false;
  return !(t === '' || t === '0');
}

/** Moodle's option loop: a duplicate name is ignored (the first one wins); an unknown name is errorinvalidparam. */
function parseOptions(options: Infer<typeof getContentsParameters>['options']): ContentsFilters {
  const out: ContentsFilters = { excludemodules: false, excludecontents: false, includestealthmodules: false };
  const seen = new Set<string>();
  const int = (name: string, v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw moodleError('errorinvalidparam', `Invalid parameter: ${name}`);
    return Number(v.trim());
  };
  for (const option of options) {
    const name = option.name.trim();
    const v = option.value;
    // The seed era's Moodle Mobile app sends options[0][name]=&options[0][value]= with every call:
    // Moodle 2.2-2.8 ignored options, Moodle 2.9+ refuses an empty name. Gatehouse, serving that
    // app, ignores an option with an empty name (a deliberate difference from 2.9+).
    if (name === '') continue;
    if (!(OPTION_NAMES as readonly string[]).includes(name)) {
      throw moodleError('errorinvalidparam', `Invalid parameter: ${name} (options are ${OPTION_NAMES.join(', ')})`);
    }
    if (seen.has(name)) continue;
    seen.add(name);
    switch (name as OptionName) {
      case 'excludemodules':
      case 'excludecontents':
      case 'includestealthmodules':
        out[name as 'excludemodules' | 'excludecontents' | 'includestealthmodules'] = boolOption(v);
        break;
      case 'sectionid':
      case 'sectionnumber':
      case 'cmid':
      case 'modid':
        out[name as 'sectionid' | 'sectionnumber' | 'cmid' | 'modid'] = int(name, v);
        break;
      case 'modname':
        if (!/^[a-z][a-z0-9_]*$/.test(v)) throw moodleError('errorinvalidparam', 'Invalid parameter: modname');
        out.modname = v;
        break;
    }
  }
  return out;
}

/** FEATURE_MOD_PURPOSE of the core modules (Moodle 4.4+). */
const MOD_PURPOSES: Record<string, string> = {
  assign: 'assessment',
  forum: 'collaboration',
  label: 'content',
  page: 'content',
  quiz: 'assessment',
  resource: 'content',
  url: 'content',
};

/** The modules with a <modname>_export_contents callback: they carry contents and contentsinfo. */
const EXPORTS_CONTENTS = new Set(['page', 'resource', 'url']);

/** PARAM_FILE: what Moodle strips from a file name (control characters among them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: PARAM_FILE removes control characters
const fileName = (s: string): string => s.replace(/[\x00-\x1f\x7f/\\:*?"<>|]/g, '').replace(/^\.+$/, '');

/** One entry of a module's contents, in the order of Moodle's description. */
interface ContentEntry {
  type: string;
  filename: string;
  filepath: string | null;
  filesize: number;
  fileurl?: string;
  content?: string;
  timecreated: number | null;
  timemodified: number;
  sortorder: number | null;
  mimetype?: string;
  isexternalfile?: boolean;
  repositorytype?: string;
  userid: number | null;
  author: string | null;
  license: string | null;
}

type ModuleRow = Awaited<ReturnType<typeof modulesOf>>[number];

/**
 * The contents of a module, as its <modname>_export_contents writes them: a url's address
 * (mod/url/lib.php url_export_contents), a page's own files and then its index.html
 * (mod/page/lib.php page_export_contents), a resource's files.
 */
function exportContents(
  base: string,
  m: ModuleRow,
  files: readonly Omit<ContentEntry, 'content'>[] | undefined,
): ContentEntry[] {
  if (m.modname === 'url') {
    if (!m.url) return [];
    return [
      {
        type: 'url',
        filename: fileName(m.name),
        filepath: null,
        filesize: 0,
        fileurl: m.url,
        timecreated: null,
        timemodified: m.timemodified,
        sortorder: null,
        userid: null,
        author: null,
        license: null,
      },
    ];
  }
  // resource_export_contents / page_export_contents: a file's URL carries the module's revision
  // after the file area (the file store lists them under item 0).
  const stored = `${base}/webservice/pluginfile.php/${moduleContext(m.id)}/mod_${m.modname}/content/0/`;
  const own = (files ?? []).map((f) =>
    f.fileurl?.startsWith(stored)
      ? { ...f, fileurl: `${stored.slice(0, -2)}${m.revision}/${f.fileurl.slice(stored.length)}` }
      : f,
  );
  if (m.modname !== 'page') return own;
  // $pagefile: the page's HTML, "made the main file" (sortorder 1), with no revision in its URL.
  return [
    ...own,
    {
      type: 'file',
      filename: 'index.html',
      filepath: '/',
      filesize: 0,
      fileurl: `${base}/webservice/pluginfile.php/${moduleContext(m.id)}/mod_page/content/index.html?forcedownload=1`,
      timecreated: null,
      timemodified: m.timemodified,
      sortorder: 1,
      userid: null,
      author: null,
      license: null,
    },
  ];
}

/** Moodle's contentsinfo: a summary of the contents (the repository type of the main file). */
function contentsInfo(contents: readonly ContentEntry[]) {
  const mimetypes = new Set<string>();
  let filessize = 0;
  let lastmodified = 0;
  for (const c of contents) {
    filessize += c.filesize;
    if (c.timemodified > lastmodified) lastmodified = c.timemodified;
    if (c.mimetype !== undefined) mimetypes.add(c.mimetype);
  }
  return {
    filescount: contents.length,
    filessize,
    lastmodified,
    mimetypes: [...mimetypes],
    ...(contents.length ? { repositorytype: contents[0]?.repositorytype ?? '' } : {}),
  };
}

const contentItem = single({
  type: value('text', 'a file or a folder or external link'),
  filename: value('text', 'filename'),
  filepath: value('text', 'filepath', { allowNull: true }),
  filesize: value('int', 'filesize'),
  fileurl: value('url', 'downloadable file url', { optional: true }),
  content: value('raw', 'Raw content, will be used when type is content', { optional: true }),
  timecreated: value('int', 'Time created', { allowNull: true }),
  timemodified: value('int', 'Time modified'),
  sortorder: value('int', 'Content sort order', { allowNull: true }),
  mimetype: value('raw', 'File mime type.', { optional: true }),
  isexternalfile: value('bool', 'Whether is an external file.', { optional: true }),
  repositorytype: value('plugin', 'The repository type for external files.', { optional: true }),
  userid: value('int', 'User who added this content to moodle', { allowNull: true }),
  author: value('text', 'Content owner', { allowNull: true }),
  license: value('text', 'Content license', { allowNull: true }),
  tags: multiple(
    single({
      id: value('int', 'Tag id.'),
      name: value('text', 'Tag name.'),
      rawname: value('raw', 'The raw, unnormalised name for the tag as entered by users.'),
      isstandard: value('bool', 'Whether this tag is standard.'),
      tagcollid: value('int', 'Tag collection id.'),
      taginstanceid: value('int', 'Tag instance id.'),
      taginstancecontextid: value('int', 'Context the tag instance belongs to.'),
      itemid: value('int', 'Id of the record tagged.'),
      ordering: value('int', 'Tag ordering.'),
      flag: value('int', 'Whether the tag is flagged as inappropriate.', { allowNull: true }),
    }),
    'Tags',
    { optional: true },
  ),
});

const getContents = defineFunction({
  name: 'core_course_get_contents',
  component: 'core_course',
  description:
    'Get course contents: its sections and their activities. Open to users enrolled in the course and to holders of moodle/course:view; hidden sections and activities only to those who may update the course ' +
    '(a hidden section is listed to others, without its summary and activities, when the course format option hiddensections is 0, as in Moodle). ' +
    "A page's contents are its own files and its index.html, a resource's its files, a url's its address (Moodle's <modname>_export_contents); the file URLs download with the token. " +
    'modid filters on the activity only together with modname, as in Moodle. includestealthmodules is accepted and changes nothing: Gatehouse has no stealth activities. ' +
    "Left out, as Moodle with the features off: availability and availabilityinfo (no access restrictions), completiondata (no activity completion: completion is 0), activitybadge, tags, and a section's component/itemid (no delegated sections); dates is [] (no activity dates).",
  type: 'read',
  capabilities: [
    perRecord('moodle/course:view', 'in the context of the course, when the caller is not enrolled in it'),
    perRecord('moodle/course:update', 'to see hidden sections and activities'),
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
      summaryformat: value('int', 'summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN)'),
      section: value('int', 'Section number inside the course', { optional: true }),
      hiddenbynumsections: value('int', 'Whether is a section hidden in the course format', { optional: true }),
      uservisible: value('bool', 'Is the section visible for the user?', { optional: true }),
      availabilityinfo: value('raw', 'Availability information.', { optional: true }),
      modules: multiple(
        single({
          id: value('int', 'activity id'),
          url: value('url', 'activity url', { optional: true }),
          name: value('raw', 'activity module name'),
          instance: value('int', 'instance id', { optional: true }),
          contextid: value('int', 'Activity context id.', { optional: true }),
          description: value('raw', 'activity description', { optional: true }),
          visible: value('int', 'is the module visible', { optional: true }),
          uservisible: value('bool', 'Is the module visible for the user?', { optional: true }),
          availabilityinfo: value('raw', 'Availability information.', { optional: true }),
          visibleoncoursepage: value('int', 'is the module visible on course page', { optional: true }),
          modicon: value('url', 'activity icon url'),
          modname: value('plugin', 'activity module type'),
          purpose: value('alpha', 'the module purpose', { optional: true }),
          branded: value('bool', 'Whether the module is branded or not', { optional: true }),
          modplural: value('text', 'activity module plural name'),
          availability: value('raw', 'module availability settings', { optional: true }),
          indent: value('int', 'number of identation in the site'),
          onclick: value('raw', 'Onclick action.', { optional: true }),
          afterlink: value('raw', 'After link info to be displayed.', { optional: true }),
          activitybadge: single(
            {
              badgecontent: value('text', 'The content to be displayed in the activity badge', { optional: true }),
              badgestyle: value('text', 'The style for the activity badge', { optional: true }),
              badgeurl: value('url', 'An optional URL to redirect the user when the activity badge is clicked', {
                optional: true,
              }),
              badgeelementid: value(
                'alphanumext',
                'An optional id in case the module wants to add some code for the activity badge',
                {
                  optional: true,
                },
              ),
              badgeextraattributes: multiple(
                single({
                  name: value('text', 'The attribute name', { optional: true }),
                  value: value('text', 'The attribute value', { optional: true }),
                }),
                'An optional array of extra HTML attributes to add to the badge element',
                { optional: true },
              ),
            },
            'Activity badge to display near the name',
            { optional: true },
          ),
          customdata: value('raw', 'Custom data (JSON encoded).', { optional: true }),
          noviewlink: value('bool', 'Whether the module has no view page', { optional: true }),
          completion: value('int', 'Type of completion tracking: 0 means none, 1 manual, 2 automatic.', {
            optional: true,
          }),
          downloadcontent: value('int', 'The download content value', { optional: true }),
          dates: multiple(
            single({
              label: value('text', 'date label'),
              timestamp: value('int', 'date timestamp'),
              relativeto: value('int', 'relative date timestamp', { optional: true }),
              dataid: value('notags', 'cm data id', { optional: true }),
            }),
            'Course dates',
            { optional: true },
          ),
          groupmode: value('int', 'Group mode value', { optional: true }),
          contents: multiple(contentItem, 'Course contents', { optional: true }),
          contentsinfo: single(
            {
              filescount: value('int', 'Total number of files.'),
              filessize: value('int', 'Total files size.'),
              lastmodified: value('int', 'Last time files were modified.'),
              mimetypes: multiple(value('raw', 'File mime type.'), 'Files mime types.'),
              // Moodle: PARAM_PLUGIN, which takes '' (no repository); Gatehouse's plugin type refuses ''.
              repositorytype: value('alphanumext', 'The repository type for the main file.', { optional: true }),
            },
            'Contents summary information.',
            { optional: true },
          ),
        }),
        'list of module',
      ),
      component: value('component', 'The delegate component of this section if any.', { optional: true }),
      itemid: value('int', 'The optional item id delegate component can use to identify its instance.', {
        optional: true,
      }),
    }),
  ),
  async execute(ctx, { courseid, options }) {
    const db = ctx.deps.store.db;
    const course = await requireCourse(db, courseid);
    const opts = parseOptions(options);
    await requireCourseAccess(ctx, course);
    const canUpdate = ctx.hasCapability('moodle/course:update');
    const base = siteUrl(ctx);
    const [sections, modules, stored] = await Promise.all([
      sectionsOf(db, course.id),
      modulesOf(db, course.id),
      formatOptionsOf(db, [course.id]),
    ]);
    // "Hidden sections are shown as not available" (hiddensections 0): listed, without their summary and activities.
    const showHidden = formatOptions(course, stored.get(course.id)).some(
      (o) => o.name === 'hiddensections' && o.value === '0',
    );
    // A module's stored files (a resource's, a page's own), with URLs that download with the token.
    const files = await moduleContentsOf(ctx.deps, modules);
    const groupmode = course.groupmodeforce ? course.groupmode : 0;
    const moduleOf = (m: ModuleRow) => {
      const contents = EXPORTS_CONTENTS.has(m.modname) ? exportContents(base, m, files.get(m.id)) : undefined;
      return {
        id: m.id,
        ...(m.modname === 'label' ? {} : { url: `${base}/mod/${m.modname}/view.php?id=${m.id}` }),
        name: m.name,
        instance: m.id,
        contextid: moduleContext(m.id),
        ...(m.description ? { description: m.description } : {}),
        visible: m.visible ? 1 : 0,
        uservisible: m.visible || canUpdate,
        visibleoncoursepage: 1,
        modicon: `${base}/theme/image.php/boost/${m.modname}/1/icon`,
        modname: m.modname,
        purpose: MOD_PURPOSES[m.modname] ?? 'other',
        branded: false,
        modplural: MOD_PLURALS[m.modname] ?? `${m.modname}s`,
        indent: 0,
        onclick: '',
        afterlink: '',
        customdata: '""',
        noviewlink: m.modname === 'label',
        completion: 0,
        downloadcontent: 1,
        dates: [],
        groupmode,
        ...(contents ? { contents: opts.excludecontents ? [] : contents, contentsinfo: contentsInfo(contents) } : {}),
      };
    };
    const out = [];
    for (const s of sections) {
      if (opts.sectionid !== undefined && s.id !== opts.sectionid) continue;
      if (opts.sectionnumber !== undefined && s.section !== opts.sectionnumber) continue;
      const uservisible = s.visible || canUpdate;
      if (!uservisible && !showHidden) continue;
      const list = [];
      if (uservisible && !opts.excludemodules) {
        for (const m of modules) {
          if (m.sectionId !== s.id || !(m.visible || canUpdate)) continue;
          if (opts.cmid !== undefined && m.id !== opts.cmid) continue;
          if (opts.modname !== undefined && m.modname !== opts.modname) continue;
          // modid names the activity's instance, and only together with modname (Moodle).
          if (opts.modname !== undefined && opts.modid !== undefined && m.id !== opts.modid) continue;
          list.push(moduleOf(m));
          if (opts.cmid !== undefined || (opts.modname !== undefined && opts.modid !== undefined)) break;
        }
      }
      out.push({
        id: s.id,
        name: sectionName(course, s),
        visible: s.visible ? 1 : 0,
        summary: uservisible || s.visible ? s.summary : '',
        summaryformat: 1,
        section: s.section,
        hiddenbynumsections: 0,
        uservisible,
        modules: list,
      });
    }
    return out;
  },
});

export const COURSE_FUNCTIONS = [getCourses, createCourses, getContents];
