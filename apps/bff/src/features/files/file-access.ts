import type { UserRow } from '../../db/rows';
import type { Deps } from '../../deps';
import { MoodleException } from '../../webservice/exceptions';
import { findCourse } from '../courses/courses.repo';
import { findEnrolment } from '../enrolments/enrolments.repo';
import { fileContextOf } from './contexts';
import { type FileRow, fileAt, moduleById, pageContentOf } from './files.repo';
import { generatedCourseSvg } from './generated-image';
import { pageIndexHtml } from './page-content';

// Who may read which file, as Moodle's file_pluginfile (lib/filelib.php) and the plugins'
// pluginfile callbacks decide it, for the areas Gatehouse stores:
// - user/private: the owner only (always downloaded, "must force download - security!");
// - user/draft: the owner only (draftfile.php; also through pluginfile.php, where
//   core_files_upload's answer points);
// - user/icon: everyone (public user pictures), the stored picture or the default one;
// - course/summary, course/overviewfiles: who may open the course;
// - mod_*/content, mod_*/intro: who may open the course and see the activity;
// - mod_page/content/index.html: the page's own text (page_pluginfile), the same access.
// A file that does not exist, or that the user may not know of, is "not found" (Moodle's
// send_file_not_found); a course the user may not open is require_login's refusal.

export type ResolvedFile =
  | {
      kind: 'stored';
      row: FileRow;
      /** Always sent as an attachment, whatever forcedownload says. */
      forceDownload: boolean;
      /** Seconds a client may cache it (0: no caching). */
      lifetime: number;
      cacheability: 'private' | 'public';
    }
  | { kind: 'defaulticon'; size: 'f1' | 'f2' | 'f3' }
  /** A page's index.html, made from its content (always downloaded, never cached, as page_pluginfile sends it). */
  | { kind: 'page'; filename: string; html: string }
  /** A course's generated image (course/generated/course.svg), as file_pluginfile sends it: cached for an hour. */
  | { kind: 'generated'; filename: string; svg: string }
  | { kind: 'notfound' }
  | { kind: 'refused'; error: MoodleException };

/** Moodle's $CFG->filelifetime default: a day. */
const FILE_LIFETIME = 86_400;
const YEAR = 365 * 86_400;

const NOT_FOUND: ResolvedFile = { kind: 'notfound' };

/** Moodle's require_login_exception: "Course or activity not accessible.", the reason as debug info. */
const notAccessible = (why: string) =>
  new MoodleException('require_login_exception', 'requireloginerror', 'Course or activity not accessible.', why);

/** PARAM_COMPONENT and PARAM_AREA, as clean_param cleans them (anything else is no such area). */
const COMPONENT = /^[a-z][a-z0-9]*(_[a-z][a-z0-9_]*)?$/;
const AREA = /^[a-z][a-z0-9_]*$/;

/**
 * The file a pluginfile path names (`<contextid>/<component>/<filearea>/…`, already split and
 * percent-decoded) and whether `user` may read it. `draftOnly` is draftfile.php: user/draft alone.
 */
export async function resolveFile(
  deps: Deps,
  user: UserRow | null,
  args: readonly string[],
  opts: { draftOnly?: boolean } = {},
): Promise<ResolvedFile> {
  const [ctxArg, component = '', filearea = '', ...rest] = args;
  const contextid = /^\d{1,12}$/.test(ctxArg ?? '') ? Number(ctxArg) : 0;
  const context = fileContextOf(contextid);
  if (!context || !COMPONENT.test(component) || !AREA.test(filearea)) return NOT_FOUND;
  const db = deps.store.db;
  const get = (itemid: number, path: readonly string[]) => {
    if (path.length === 0) return undefined;
    const filename = path[path.length - 1] as string;
    const dirs = path.slice(0, -1);
    if (filename === '' || filename === '.' || dirs.some((d) => d === '' || d === '.' || d === '..')) return undefined;
    const filepath = dirs.length ? `/${dirs.join('/')}/` : '/';
    return fileAt(db, { contextid, component, filearea, itemid, filepath, filename });
  };
  const stored = (row: FileRow | undefined, o: { force: boolean; lifetime: number; pub?: boolean }): ResolvedFile =>
    row?.contenthash
      ? {
          kind: 'stored',
          row,
          forceDownload: o.force,
          lifetime: o.lifetime,
          cacheability: o.pub ? 'public' : 'private',
        }
      : NOT_FOUND;

  if (opts.draftOnly && !(component === 'user' && filearea === 'draft')) return NOT_FOUND;

  if (context.level === 'user' && component === 'user') {
    if (filearea === 'icon') {
      // [theme/]f1|f2|f3; any other name is f1, as Moodle "fixes" it.
      const name = rest.length > 1 ? rest[1] : rest[0];
      const size = name === 'f2' || name === 'f3' ? name : 'f1';
      for (const n of [`${size}.png`, `${size}.jpg`]) {
        const row = await fileAt(db, { contextid, component, filearea, itemid: 0, filepath: '/', filename: n });
        if (row?.contenthash) return stored(row, { force: false, lifetime: YEAR, pub: true });
      }
      return { kind: 'defaulticon', size };
    }
    if (!user || user.isGuest || user.id !== context.userId) return NOT_FOUND;
    if (filearea === 'private') return stored(await get(0, rest), { force: true, lifetime: 0 });
    if (filearea === 'draft') {
      const [item = '', ...path] = rest;
      if (!/^\d{1,10}$/.test(item)) return NOT_FOUND;
      return stored(await get(Number(item), path), { force: true, lifetime: 0 });
    }
    return NOT_FOUND;
  }

  if (!user) return NOT_FOUND;
  let courseId: number;
  let hiddenModule = false;
  let path: readonly string[];
  /** index.html or index.htm when the URL names a page's own text. */
  let pageIndex: string | undefined;
  if (context.level === 'course') {
    if (component === 'course' && filearea === 'generated') {
      // The URL core_enrol_get_users_courses gives a course without an image (get_generated_url_for_course).
      const filename = rest[rest.length - 1] ?? '';
      if (!filename.endsWith('.svg') || !(await findCourse(db, context.courseId))) return NOT_FOUND;
      const refused = await courseRefusal(deps, user, context.courseId);
      if (refused) return { kind: 'refused', error: refused };
      return { kind: 'generated', filename, svg: generatedCourseSvg(context.courseId) };
    }
    if (component !== 'course' || (filearea !== 'summary' && filearea !== 'overviewfiles')) return NOT_FOUND;
    courseId = context.courseId;
    path = rest;
  } else if (context.level === 'module') {
    const cm = await moduleById(db, context.cmid);
    if (!cm || component !== `mod_${cm.modname}`) return NOT_FOUND;
    if (filearea === 'content') {
      path = rest.slice(1); // the revision, which only busts caches
      if (cm.modname === 'page') pageIndex = pageIndexName(rest);
    } else if (filearea === 'intro') path = rest;
    else return NOT_FOUND;
    courseId = cm.courseId;
    hiddenModule = !cm.visible;
  } else {
    return NOT_FOUND;
  }
  const refusal = await courseRefusal(deps, user, courseId);
  if (refusal) return { kind: 'refused', error: refusal };
  if (hiddenModule && !deps.authz.has(user, 'moodle/course:update')) {
    return { kind: 'refused', error: notAccessible('Activity is hidden') };
  }
  const file = await get(0, path);
  if (pageIndex && !(rest.length > 1 && file) && context.level === 'module') {
    const page = await pageContentOf(db, context.cmid);
    if (!page) return NOT_FOUND;
    return { kind: 'page', filename: pageIndex, html: pageIndexHtml(page.content, page.contentformat) };
  }
  return stored(file, { force: false, lifetime: FILE_LIFETIME });
}

/**
 * Whether a mod_page content path names the page's own text: `index.html` (or `index.htm`) right
 * after the file area, as page_export_contents writes the URL and page_pluginfile reads it; or,
 * beside Moodle, after a revision number (`<revision>/index.html`), the form of the page's other
 * files, unless a stored file of that name exists.
 */
function pageIndexName(rest: readonly string[]): string | undefined {
  const isIndex = (s: string | undefined) => s === 'index.html' || s === 'index.htm';
  if (rest.length === 1 && isIndex(rest[0])) return rest[0];
  if (rest.length === 2 && /^\d{1,10}$/.test(rest[0] ?? '') && isIndex(rest[1])) return rest[1];
  return undefined;
}

/** require_login($course): the site course for everyone; others when enrolled or holding moodle/course:view. */
async function courseRefusal(deps: Deps, user: UserRow, courseId: number): Promise<MoodleException | undefined> {
  const course = await findCourse(deps.store.db, courseId);
  if (!course) return notAccessible('No such course');
  if (course.id === 1) return undefined;
  const canView = deps.authz.has(user, 'moodle/course:view');
  const enrolled = await findEnrolment(deps.store.db, course.id, user.id);
  if (!enrolled && !canView) return notAccessible('Not enrolled');
  if (!course.visible && !canView && enrolled?.role !== 'editingteacher') {
    return notAccessible('This course is currently unavailable to students');
  }
  return undefined;
}
