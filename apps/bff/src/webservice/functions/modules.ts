import { multiple, single, value } from '@gatehouse/shared';
import { type CourseRow, findCourse, modulesOf, sectionsOf } from '../../features/courses/courses.repo';
import { coursesOfUser, findEnrolment } from '../../features/enrolments/enrolments.repo';
import { moduleContext } from '../../features/files/contexts';
import { type AreaFile, moduleAreaFilesOf } from '../../features/files/files.service';
import { externalFormatText } from '../../features/files/page-content';
import { type CallContext, defineFunction } from '../types';
import { externalWarnings, SITEID, siteUrl } from './common';

// The activity functions the Moodle app needs to open a page and a resource: the app's page and
// resource screens read the activity from mod_page_get_pages_by_courses and
// mod_resource_get_resources_by_courses (AddonModPage.getPageData, AddonModResource.getResourceData)
// beside the module's contents from core_course_get_contents. Moodle 4.x's mod/page and
// mod/resource classes/external.php, with core_course\external\helper_for_get_mods_by_courses'
// standard fields. Gatehouse keeps a page's or a resource's settings on its course module (the
// instance id is the module id) and has no legacy files or per-activity display settings:
// those are Moodle's defaults.

const MOBILE = 'moodle_mobile_app';

type Warning = { item?: string; itemid?: number; warningcode: string; message: string };

/** core_external\external_files. */
const externalFiles = (desc: string, opts: { optional?: true } = {}) =>
  multiple(
    single(
      {
        filename: value('text', 'File name.', { optional: true }),
        filepath: value('text', 'File path.', { optional: true }),
        filesize: value('int', 'File size.', { optional: true }),
        fileurl: value('url', 'Downloadable file url.', { optional: true }),
        timemodified: value('int', 'Time modified.', { optional: true }),
        mimetype: value('raw', 'File mime type.', { optional: true }),
        isexternalfile: value('bool', 'Whether is an external file.', { optional: true }),
        repositorytype: value('plugin', 'The repository type for external files.', { optional: true }),
      },
      'File.',
    ),
    desc,
    opts,
  );

/** helper_for_get_mods_by_courses::standard_coursemodule_elements_returns(). */
const standardElements = () => ({
  id: value('int', 'Activity instance id'),
  coursemodule: value('int', 'Course module id'),
  course: value('int', 'Course id'),
  name: value('raw', 'Activity name'),
  intro: value('raw', 'Activity introduction'),
  introformat: value('int', 'intro format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
  introfiles: externalFiles('Files in the introduction', { optional: true }),
  section: value('int', 'Course section id', { optional: true }),
  visible: value('bool', 'Visible', { optional: true }),
  groupmode: value('int', 'Group mode', { optional: true }),
  groupingid: value('int', 'Group id', { optional: true }),
  lang: value('alphanumext', 'Forced activity language', { optional: true }),
});

const courseidsParameter = () =>
  single({
    courseids: multiple(value('int', 'Course id'), 'Array of course ids', { default: [] }),
  });

type ModuleRow = Awaited<ReturnType<typeof modulesOf>>[number];

/**
 * The courses asked for (or, with none, the caller's own: enrol_get_my_courses), each checked as
 * util::validate_courses does (a course the caller may not open is a warning), then their
 * activities of `modname` that the caller may see (get_all_instances_in_courses: hidden ones only
 * for those who may update the course), in course order then section and position.
 */
async function instancesIn(ctx: CallContext, courseids: readonly number[], modname: string) {
  const db = ctx.deps.store.db;
  const canView = ctx.hasCapability('moodle/course:view');
  const warns: Warning[] = [];
  let ids = [...new Set(courseids)];
  if (ids.length === 0) {
    ids = (await coursesOfUser(db, ctx.user.id))
      .filter((r) => r.course.id !== SITEID && (r.course.visible || canView || r.role !== 'student'))
      .map((r) => r.course.id);
  }
  const found: { course: CourseRow; role: string | undefined; module: ModuleRow }[] = [];
  for (const id of ids) {
    const course = await findCourse(db, id);
    const role = course && course.id !== SITEID ? (await findEnrolment(db, course.id, ctx.user.id))?.role : undefined;
    const teacher = role !== undefined && role !== 'student';
    const open =
      course && (course.id === SITEID || ((role !== undefined || canView) && (course.visible || canView || teacher)));
    if (!course || !open) {
      warns.push({ item: 'course', itemid: id, warningcode: '1', message: 'No access rights in course context' });
      continue;
    }
    const canSeeHidden = ctx.hasCapability('moodle/course:update') || teacher;
    // In the course's order: by section number, then position in the section.
    const sectionNumber = new Map((await sectionsOf(db, course.id)).map((sec) => [sec.id, sec.section]));
    const modules = (await modulesOf(db, course.id))
      .filter((m) => m.modname === modname && (m.visible || canSeeHidden))
      .sort(
        (a, b) =>
          (sectionNumber.get(a.sectionId) ?? 0) - (sectionNumber.get(b.sectionId) ?? 0) ||
          a.position - b.position ||
          a.id - b.id,
      );
    for (const module of modules) found.push({ course, role, module });
  }
  return { found, warnings: warns };
}

/** helper_for_get_mods_by_courses::standard_coursemodule_element_values(). */
function standardValues(
  ctx: CallContext,
  f: { course: CourseRow; role: string | undefined; module: ModuleRow },
  introfiles: AreaFile[],
) {
  const m = f.module;
  const canManage = ctx.hasCapability('moodle/course:update') || (f.role !== undefined && f.role !== 'student');
  return {
    id: m.id,
    coursemodule: m.id,
    course: f.course.id,
    name: m.name,
    lang: '',
    intro: externalFormatText(
      m.description,
      1,
      `${siteUrl(ctx)}/webservice/pluginfile.php/${moduleContext(m.id)}/mod_${m.modname}/intro`,
    ),
    introformat: 1,
    introfiles,
    // Only for those who may manage the activities (moodle/course:manageactivities).
    ...(canManage ? { section: m.sectionId, visible: m.visible, groupmode: 0, groupingid: 0 } : {}),
  };
}

/** A page's display defaults (mod/page/settings.php): open, with its heading and last-modified date. */
const PAGE_DISPLAY_OPEN = 5;
const PAGE_DISPLAY_OPTIONS =
  'a:3:{s:12:"printheading";s:1:"1";s:10:"printintro";s:1:"0";s:17:"printlastmodified";s:1:"1";}';

const getPagesByCourses = defineFunction({
  name: 'mod_page_get_pages_by_courses',
  component: 'mod_page',
  description:
    'Returns a list of pages in a provided list of courses, if no list is provided all pages that the user can view will be returned. The content comes as HTML, its embedded files pointing at webservice/pluginfile.php. Gatehouse has no legacy files and no per-page display settings: those are Moodle\'s defaults (display "open", with the heading and the last-modified date).',
  type: 'read',
  capabilities: [],
  example: { courseids: [2] },
  services: [MOBILE],
  parameters: courseidsParameter(),
  returns: single({
    pages: multiple(
      single({
        ...standardElements(),
        content: value('raw', 'Page content'),
        contentformat: value('int', 'content format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
        contentfiles: externalFiles('Files in the content'),
        legacyfiles: value('int', 'Legacy files flag'),
        legacyfileslast: value('int', 'Legacy files last control flag', { allowNull: true }),
        display: value('int', 'How to display the page'),
        displayoptions: value('raw', 'Display options (width, height)'),
        revision: value('int', 'Incremented when after each file changes, to avoid cache'),
        timemodified: value('int', 'Last time the page was modified'),
      }),
    ),
    warnings: externalWarnings(),
  }),
  async execute(ctx, { courseids }) {
    const { found, warnings: warns } = await instancesIn(ctx, courseids, 'page');
    const modules = found.map((f) => f.module);
    const intro = await moduleAreaFilesOf(ctx.deps, modules, 'intro', false);
    const content = await moduleAreaFilesOf(ctx.deps, modules, 'content', true);
    return {
      pages: found.map((f) => {
        const m = f.module;
        return {
          ...standardValues(ctx, f, intro.get(m.id) ?? []),
          content: externalFormatText(
            m.content,
            m.contentformat,
            `${siteUrl(ctx)}/webservice/pluginfile.php/${moduleContext(m.id)}/mod_page/content/${m.revision}`,
          ),
          contentformat: 1,
          contentfiles: content.get(m.id) ?? [],
          legacyfiles: 0,
          legacyfileslast: null,
          display: PAGE_DISPLAY_OPEN,
          displayoptions: PAGE_DISPLAY_OPTIONS,
          revision: m.revision,
          timemodified: m.timemodified,
        };
      }),
      warnings: warns,
    };
  },
});

/** A resource's display defaults (mod/resource/settings.php): automatic, with its description. */
const RESOURCE_DISPLAY_AUTO = 0;
const RESOURCE_DISPLAY_OPTIONS = 'a:1:{s:10:"printintro";i:1;}';

const getResourcesByCourses = defineFunction({
  name: 'mod_resource_get_resources_by_courses',
  component: 'mod_resource',
  description:
    "Returns a list of files in a provided list of courses, if no list is provided all files that the user can view will be returned. Each resource's files come with URLs that download with the token. Gatehouse has no legacy files and no per-resource display settings: those are Moodle's defaults (display automatic, with the description).",
  type: 'read',
  capabilities: [],
  example: { courseids: [2] },
  services: [MOBILE],
  parameters: courseidsParameter(),
  returns: single({
    resources: multiple(
      single({
        ...standardElements(),
        contentfiles: externalFiles('Files in the content'),
        tobemigrated: value('int', 'Whether this resource was migrated'),
        legacyfiles: value('int', 'Legacy files flag'),
        legacyfileslast: value('int', 'Legacy files last control flag', { allowNull: true }),
        display: value('int', 'How to display the resource'),
        displayoptions: value('raw', 'Display options (width, height)'),
        filterfiles: value('int', 'If filters should be applied to the resource content'),
        revision: value('int', 'Incremented when after each file changes, to avoid cache'),
        timemodified: value('int', 'Last time the resource was modified'),
      }),
    ),
    warnings: externalWarnings(),
  }),
  async execute(ctx, { courseids }) {
    const { found, warnings: warns } = await instancesIn(ctx, courseids, 'resource');
    const modules = found.map((f) => f.module);
    const intro = await moduleAreaFilesOf(ctx.deps, modules, 'intro', false);
    const content = await moduleAreaFilesOf(ctx.deps, modules, 'content', true);
    return {
      resources: found.map((f) => ({
        ...standardValues(ctx, f, intro.get(f.module.id) ?? []),
        contentfiles: content.get(f.module.id) ?? [],
        tobemigrated: 0,
        legacyfiles: 0,
        legacyfileslast: null,
        display: RESOURCE_DISPLAY_AUTO,
        displayoptions: RESOURCE_DISPLAY_OPTIONS,
        filterfiles: 0,
        revision: f.module.revision,
        timemodified: f.module.timemodified,
      })),
      warnings: warns,
    };
  },
});

export const MODULE_FUNCTIONS = [getPagesByCourses, getResourcesByCourses];
