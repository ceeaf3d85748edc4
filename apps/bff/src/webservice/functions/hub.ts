import { randomBytes } from 'node:crypto';
import { cleanScalar, isEmail, multiple, single, value } from '@gatehouse/shared';
import { type HubConfig, hubUrl, readHubConfig } from '../../features/hub/hub-config';
import { HUB_COMPONENT, HUB_SERVICE } from '../../features/hub/hub-constants';
import { contentsOfCourses, outcomesOfCourses } from '../../features/hub/hub-courses.repo';
import { publishCourses, searchCourses, unpublishCourses } from '../../features/hub/hub-courses.service';
import {
  assertUrlFreeFor,
  confirmSiteByUser,
  registerSite,
  unregisterSite,
  updateSiteInfo,
} from '../../features/hub/hub-registration';
import { countVisibleSites } from '../../features/hub/hub-sites.repo';
import { normaliseSiteUrl, siteOfUser } from '../../features/hub/hub-sites.service';
import { backupSizes, deleteScreenshots, hubLogoExists } from '../../features/hub/local-hub-files';
import { isRemoteSiteValid } from '../../features/hub/site-registration-reachability';
import { MoodleException, moodleError } from '../exceptions';
import { always, type CallContext, defineFunction } from '../types';
import { actorOf } from './common';

// The community hub's functions (Moodle's local_hub), in the hub's three services:
// Hub directory (hub_get_info), Registered sites (what a registered site does with its own
// token) and Public sites (what any site does with the hub's public token).

/** A course's contents as local_hub's register_courses takes and get_courses returns them. */
const courseContents = () =>
  multiple(
    single({
      moduletype: value('alpha', 'the type of module (activity/block)'),
      modulename: value('text', 'the name of the module (forum, resource etc)'),
      contentcount: value('int', 'how many time the module is used in the course'),
    }),
    'contents',
    { optional: true },
  );

const { directory: DIRECTORY, registered: REGISTERED, public: PUBLIC } = HUB_SERVICE;

/**
 * The registered site that is calling (by the user its token belongs to), or undefined for the
 * directory's and the public token. Its first call with its token confirms its registration.
 */
async function siteOfCaller(ctx: CallContext) {
  const site = await siteOfUser(ctx.deps.store.db, ctx.user.id);
  if (site && site.timeConfirmed === null && !site.deleted) {
    await confirmSiteByUser(ctx.deps, ctx.user.id, actorOf(ctx));
  }
  return site && !site.deleted ? site : undefined;
}

/** The registered site that is calling; local_hub's noexistingcommunication for any other caller. */
async function callerSite(ctx: CallContext) {
  const site = await siteOfCaller(ctx);
  if (!site) {
    throw moodleError('noexistingcommunication', 'This token does not belong to a site registered with this hub');
  }
  return site;
}

/**
 * A private hub has no public service: whatever reaches a hub function with the public token
 * (published while the hub was public, or given to a site for registering) is refused, as
 * Moodle's hub refuses its public token ('publichub') when the hub is private. Registering is
 * the one thing the public token still does there, and it needs the hub password.
 */
async function refusePublicOnPrivateHub(ctx: CallContext, hub?: HubConfig) {
  if (ctx.service.shortname !== PUBLIC) return;
  if ((hub ?? (await readHubConfig(ctx.deps.store.db))).privacy !== 'private') return;
  throw new MoodleException(
    'webservice_access_exception',
    'accessexception',
    'Access control exception',
    'This hub is private: its public service only registers sites that give the hub password [hubprivate]',
  );
}

const TAGS = /<\/?[a-zA-Z!?][^>]*>/g;

/**
 * Stored text as PARAM_TEXT returns it. The console and the functions only store such text;
 * a value stored before they checked (markup typed into a hub field) is returned without its
 * tags rather than failing the call for everyone (invalid_response_exception).
 */
function textOut(v: string): string {
  let s = v;
  for (let i = 0; i < 5 && cleanScalar('text', s) === undefined; i++) s = s.replace(TAGS, '');
  return cleanScalar('text', s) === undefined ? '' : s;
}

/** A stored address as PARAM_EMAIL returns it: one valid address, or '' (as Moodle cleans one). */
const emailOut = (v: string) => (v === '' || isEmail(v) ? v : '');

// local_hub's siteinfo (externallib.php, update_site_info_parameters), as a Moodle site's
// registration_manager::get_site_info builds it. The fields a site of every version sends have
// defaults here too, so that hub_register_site (Gatehouse's) takes the short form it always took.
const siteInfoKeys = {
  name: value('text', 'site name'),
  url: value('url', 'site url'),
  description: value('text', 'site description', { default: '' }),
  contactname: value('text', 'site server administrator name', { default: '' }),
  contactemail: value('email', 'site server administrator email', { default: '' }),
  contactphone: value('text', 'site server administrator phone', { optional: true }),
  imageurl: value('url', 'site logo url', { optional: true }),
  privacy: value('alpha', 'site privacy', { optional: true }),
  language: value('alphanumext', 'site main language', { default: 'en' }),
  users: value('float', '-1 if private info, otherwise, number of users', { default: -1 }),
  courses: value('float', '-1 if private info, otherwise, number of courses', { default: -1 }),
  street: value('text', 'physical address', { optional: true }),
  regioncode: value('alphanumext', 'ISO 3166-2 region code', { optional: true }),
  countrycode: value('alphanumext', 'ISO 3166 country code', { default: '' }),
  geolocation: value('raw', 'geolocation', { optional: true }),
  contactable: value('bool', '1 if the administrator can be contacted by Moodle form on the hub', {
    optional: true,
  }),
  emailalert: value('bool', '1 if the administrator receive email notification from the hub', { optional: true }),
  enrolments: value('float', '-1 if private info, otherwise number of enrolments', { optional: true }),
  posts: value('float', '-1 if private info, otherwise number of posts', { optional: true }),
  questions: value('float', '-1 if private info, otherwise number of questions', { optional: true }),
  resources: value('float', '-1 if private info, otherwise number of resources', { optional: true }),
  participantnumberaverage: value('float', '-1 if private info, otherwise average number of participants', {
    optional: true,
  }),
  modulenumberaverage: value('float', '-1 if private info, otherwise verage number of course modules', {
    optional: true,
  }),
  moodleversion: value('float', 'moodle version', { optional: true }),
  moodlerelease: value('text', 'moodle release', { optional: true }),
  badges: value('int', '-1 if private info, otherwise number of badges.', { optional: true }),
  issuedbadges: value('int', '-1 if private info, otherwise number of issued badges.', { optional: true }),
  // Moodle 3.1–3.3 send these too (registration lib get_site_info; the typo is Moodle's); not kept.
  mobileservicesenabled: value('int', '1 if the mobile services are enabled', { optional: true }),
  mobilenotificacionsenabled: value('bool', '1 if the mobile notifications are configured', { optional: true }),
  registereduserdevices: value('int', 'number of registered user devices', { optional: true }),
  registeredactiveuserdevices: value('int', 'number of active user devices', { optional: true }),
};

/** Whether the caller may read the hub's contact details: local_hub's local/hub:viewinfo, the hub directory's. */
const viewsInfo = (ctx: CallContext) => ctx.service.shortname === DIRECTORY;

const hubGetInfo = defineFunction({
  name: 'hub_get_info',
  component: HUB_COMPONENT,
  description:
    "Returns the hub information as local_hub's hub_get_info: name, description, whether it has a logo, language, address, and how many sites and visible courses it lists; the contact details and the privacy only to the hub directory. imgurl (a Gatehouse addition, which Moodle 3.x's course publication page shows) is the hub logo's address.",
  type: 'read',
  capabilities: [always('local/hub:viewinfo', 'View hub information')],
  example: {},
  services: [DIRECTORY, REGISTERED, PUBLIC],
  parameters: single({}),
  returns: single(
    {
      name: value('text', 'hub name'),
      description: value('text', 'hub description'),
      contactname: value('text', 'hub server administrator name', { optional: true }),
      contactemail: value('email', 'hub server administrator email', { optional: true }),
      hublogo: value('int', 'does a hub logo exist'),
      privacy: value('alpha', 'hub privacy', { optional: true }),
      language: value('alphanumext', 'hub main language'),
      url: value('url', 'hub url'),
      imgurl: value('url', 'hub logo url (Gatehouse)', { optional: true }),
      sites: value('float', 'number of registered sites on this hub', { optional: true }),
      courses: value('float', 'number total of courses from all registered sites on this hub', { optional: true }),
      enrollablecourses: value('int', 'number total of visible enrollable courses on this hub', { optional: true }),
      downloadablecourses: value('int', 'number total of visible downloadable courses on this hub', {
        optional: true,
      }),
    },
    'hub information',
  ),
  async execute(ctx) {
    await refusePublicOnPrivateHub(ctx);
    await siteOfCaller(ctx);
    const { db } = ctx.deps.store;
    const hub = await readHubConfig(db);
    const all = { from: 0, num: 0 };
    const [sites, enrollable, downloadable, logo] = await Promise.all([
      countVisibleSites(db),
      searchCourses(db, { enrollable: true }, all),
      searchCourses(db, { enrollable: false }, all),
      hubLogoExists(ctx.deps),
    ]);
    const url = hubUrl(ctx.deps.env);
    return {
      name: textOut(hub.name),
      description: textOut(hub.description),
      ...(viewsInfo(ctx)
        ? { contactname: textOut(hub.contactName), contactemail: emailOut(hub.contactEmail), privacy: hub.privacy }
        : {}),
      hublogo: logo ? 1 : 0,
      language: hub.language,
      url,
      imgurl: `${url}/local/hub/webservice/download.php?filetype=hubscreenshot`,
      sites,
      courses: enrollable.total + downloadable.total,
      enrollablecourses: enrollable.total,
      downloadablecourses: downloadable.total,
    };
  },
});

const hubRegisterSite = defineFunction({
  name: 'hub_register_site',
  component: HUB_COMPONENT,
  description:
    "A Gatehouse extension, not a local_hub function: Moodle sites register through the browser at /local/hub/siteregistration.php (admin/registration/register.php). This registers the calling site with the hub over web services instead (called with the hub's public token from /local/hub/publictoken.php). A private hub requires its password (error wronghubpassword); a URL can register once (error sitealreadyregistered). Returns the new site's id and its own token for the Registered sites service: keep it, it is shown only once.",
  type: 'write',
  capabilities: [always('local/hub:updateinfo', 'Register a site with the hub')],
  example: {
    siteinfo: {
      name: 'Example site',
      url: 'https://moodle.example.org',
      description: 'A Moodle site that publishes its courses',
      contactname: 'Ada Admin',
      contactemail: 'admin@moodle.example.org',
      language: 'en',
      countrycode: 'NZ',
      courses: 12,
      users: 340,
    },
    password: 'The hub password',
  },
  services: [PUBLIC],
  parameters: single({
    siteinfo: single(siteInfoKeys, 'site info'),
    password: value('raw', 'the hub password (required by private hubs)', { default: '' }),
  }),
  returns: single(
    {
      siteid: value('int', 'id of the site on the hub'),
      token: value('alphanum', "the site's token for the Registered sites service"),
    },
    'registration',
  ),
  execute(ctx, { siteinfo, password }) {
    return registerSite(ctx.deps, siteinfo, password, { ...actorOf(ctx), ip: ctx.ip ?? '' });
  },
});

const hubUpdateSiteInfo = defineFunction({
  name: 'hub_update_site_info',
  component: HUB_COMPONENT,
  description:
    "Updates the information of the calling registered site, every field of local_hub's siteinfo, as local_hub's register_site in update mode: a new URL must not belong to another site (urlalreadyexist) and must answer (cannotregisternotavailablesite); a changed name or URL hides the site until the hub administrator checks it, and the administrator is told. The site's first call with its token confirms its registration.",
  type: 'write',
  capabilities: [always('local/hub:updateinfo', 'Update the hub information of a registered site')],
  example: {
    siteinfo: {
      name: 'Example college',
      url: 'https://moodle.example.edu',
      description: 'Updated description',
      contactname: 'Ada Admin',
      contactemail: 'admin@moodle.example.edu',
      language: 'en',
      countrycode: 'NZ',
      courses: 13,
      users: 352,
    },
  },
  services: [REGISTERED],
  parameters: single({ siteinfo: single(siteInfoKeys, 'site info') }),
  returns: value('bool', '1 if all went well'),
  async execute(ctx, { siteinfo }) {
    const site = await callerSite(ctx);
    // local_hub: is_remote_site_valid($siteinfo['url']) or cannotregisternotavailablesite; here
    // only for a new URL (the hub reached the registered one when the site registered), and
    // only once the URL is known to be free (urlalreadyexist), so that a taken URL is not probed.
    const url = normaliseSiteUrl(siteinfo.url);
    if (url !== site.url) {
      if (url) await assertUrlFreeFor(ctx.deps, ctx.deps.store.db, site, url);
      const hub = await readHubConfig(ctx.deps.store.db);
      if (!(await isRemoteSiteValid(siteinfo.url, { allowLocal: hub.allowLocalSites }))) {
        throw moodleError('cannotregisternotavailablesite', 'This hub cannot access your web site.', siteinfo.url);
      }
    }
    await updateSiteInfo(ctx.deps, site, siteinfo, actorOf(ctx), ctx.ip ?? '');
    return true;
  },
});

const courseKeys = {
  sitecourseid: value('int', 'the id of the course on the publishing site'),
  fullname: value('text', 'course name'),
  shortname: value('text', 'course short name'),
  description: value('text', 'course description', { default: '' }),
  language: value('alphanumext', 'course language', { default: 'en' }),
  publishername: value('text', 'publisher name', { default: '' }),
  publisheremail: value('email', 'publisher email', { default: '' }),
  contributornames: value('text', 'contributor names', { default: '' }),
  coverage: value('text', 'coverage', { default: '' }),
  creatorname: value('text', 'creator name', { default: '' }),
  licenceshortname: value('alphanumext', 'licence short name', { default: 'unknown' }),
  subject: value('alphanum', 'subject', { default: '' }),
  audience: value('alpha', 'audience'),
  educationallevel: value('alpha', 'educational level'),
  creatornotes: value('raw', 'creator notes', { default: '' }),
  creatornotesformat: value('int', 'notes format', { default: 1 }),
  demourl: value('url', 'demo URL', { optional: true }),
  courseurl: value('url', 'course URL', { optional: true }),
  enrollable: value('bool', 'is the course enrollable', { default: false }),
  screenshots: value('int', 'the number of screenhots', { optional: true }),
  deletescreenshots: value(
    'int',
    'ask to delete all the existing screenshot files (it does not reset the screenshot number)',
    { default: 0 },
  ),
  contents: courseContents(),
  outcomes: multiple(single({ fullname: value('text', 'the outcome fullname') }), 'outcomes', { optional: true }),
  // Moodle 2.0's publication form sent it; not kept.
  screenshotsids: value('text', 'screenshotsids', { optional: true }),
};

const hubRegisterCourses = defineFunction({
  name: 'hub_register_courses',
  component: HUB_COMPONENT,
  description:
    "Publishes courses of the calling site on the hub, all of them or none, and returns their hub ids (the site then uploads their screenshots and, for a downloadable course, its backup to /local/hub/webservice/upload.php with its token: stricter than local_hub, upload.php takes files only for the token's own site's courses, a backup only as a .mbz archive of a downloadable course, once, and screenshots 1 to 10 only as PNG, JPEG, GIF or WebP images). An enrollable course published again is updated in place; a downloadable one is a new course each time. A trusted site's courses are visible at once; the others wait for the hub administrator. A site publishes at most its maximum of courses per day over the last 24 hours (local_hub's errormaxpublication; errornopublication when the hub takes none).",
  type: 'write',
  capabilities: [always('local/hub:registercourse', 'Publish courses on the hub')],
  example: {
    courses: [
      {
        sitecourseid: 2,
        fullname: 'Introduction to Computer Science',
        shortname: 'CS101',
        description: 'Algorithms, data and programs',
        language: 'en',
        publishername: 'Ada Admin',
        publisheremail: 'admin@moodle.example.edu',
        creatorname: 'Terry Teacher',
        licenceshortname: 'cc-sa',
        subject: '020109',
        audience: 'students',
        educationallevel: 'tertiary',
        enrollable: true,
        courseurl: 'https://moodle.example.edu/course/view.php?id=2',
        contents: [{ moduletype: 'activity', modulename: 'forum', contentcount: 2 }],
      },
    ],
  },
  services: [REGISTERED],
  parameters: single({ courses: multiple(single(courseKeys), 'courses to publish') }),
  returns: multiple(value('int', 'new id from the course directory table')),
  async execute(ctx, { courses }) {
    const site = await callerSite(ctx);
    const ids = await publishCourses(ctx.deps, site, courses, actorOf(ctx));
    const drop = ids.filter((_, i) => courses[i]?.deletescreenshots);
    if (drop.length) await deleteScreenshots(ctx.deps, drop);
    return ids;
  },
});

const courseReturn = single(
  {
    id: value('int', 'id'),
    fullname: value('text', 'course name'),
    shortname: value('text', 'course short name'),
    description: value('text', 'course description'),
    language: value('alphanumext', 'course language'),
    publishername: value('text', 'publisher name'),
    publisheremail: value('email', 'publisher email', { optional: true }),
    privacy: value('int', 'privacy: published or not', { optional: true }),
    sitecourseid: value('int', 'course id on the site', { optional: true }),
    contributornames: value('text', 'contributor names', { optional: true }),
    coverage: value('text', 'coverage', { optional: true }),
    creatorname: value('text', 'creator name'),
    licenceshortname: value('alphanumext', 'licence short name'),
    subject: value('alphanum', 'subject'),
    audience: value('alpha', 'audience'),
    educationallevel: value('alpha', 'educational level'),
    creatornotes: value('raw', 'creator notes'),
    creatornotesformat: value('int', 'notes format'),
    demourl: value('url', 'demo URL', { optional: true }),
    courseurl: value('url', 'course URL', { optional: true }),
    backupsize: value('int', 'course backup size in bytes', { optional: true }),
    enrollable: value('bool', 'is the course enrollable'),
    screenshots: value('int', 'total number of screenshots'),
    timemodified: value('int', 'time of last modification - timestamp'),
    contents: courseContents(),
    rating: single(
      {
        aggregate: value('float', 'Rating average', { optional: true }),
        scaleid: value('int', 'Rating scale'),
        count: value('int', 'Rating count'),
      },
      'rating',
      { optional: true },
    ),
    comments: multiple(
      single({
        comment: value('text', 'the comment'),
        commentator: value('text', 'the name of commentator'),
        date: value('int', 'date of the comment'),
      }),
      'contents',
      { optional: true },
    ),
    outcomes: multiple(single({ fullname: value('text', 'the outcome fullname') }), 'outcomes', { optional: true }),
  },
  'course info',
);

/** allsitecourses: a site's own courses, all of them (local_hub: no limit). */
const ALL_COURSES = 1_000_000;
/** local_hub's HUB_COURSE_RATING_SCALE. */
const RATING_SCALE = 10;

/** Moodle's sesskey(): ten random letters and digits (random_string). */
function sesskey(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(10)].map((b) => chars[b % chars.length]).join('');
}

function groupBy<T extends { courseId: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const list = out.get(r.courseId);
    if (list) list.push(r);
    else out.set(r.courseId, [r]);
  }
  return out;
}

const hubGetCourses = defineFunction({
  name: 'hub_get_courses',
  component: HUB_COMPONENT,
  description:
    "Searches the hub's visible courses of visible sites, as local_hub's hub_get_courses: keywords, the kind (downloadable, enrollable: neither finds nothing), options (orderby newest, eldest, publisher, fullname or ratingaverage; givememore, the position to start from, in pages of the hub's maxwscourseresult setting, 25 by default). A registered site can ask for all of its own courses, hidden ones included (allsitecourses = 1; no paging). A downloadable course is listed only once its backup is uploaded. Returns the courses and the total the search found.",
  type: 'read',
  capabilities: [always('local/hub:view', 'View the hub')],
  example: { search: 'computer science', downloadable: true, enrollable: true, options: { orderby: 'newest' } },
  services: [REGISTERED, PUBLIC],
  parameters: single({
    search: value('text', 'string to search', { default: '' }),
    downloadable: value('bool', 'course can be downloadable', { default: true }),
    enrollable: value('bool', 'course can be enrollable', { default: true }),
    options: single(
      {
        ids: multiple(value('int', 'id of a course in the hub course directory'), 'ids of course', { optional: true }),
        sitecourseids: multiple(value('int', 'id of a course in the site'), 'ids of course in the site', {
          optional: true,
        }),
        coverage: value('text', 'coverage', { optional: true }),
        licenceshortname: value('alphanumext', 'licence short name', { optional: true }),
        subject: value('alphanum', 'subject', { optional: true }),
        audience: value('alpha', 'audience', { optional: true }),
        educationallevel: value('alpha', 'educational level', { optional: true }),
        language: value('alphanumext', 'language', { optional: true }),
        orderby: value('alpha', 'orderby method: newest, eldest, publisher, fullname, ratingaverage', {
          optional: true,
        }),
        givememore: value('int', 'next range of result - range size being set by the hub server ', {
          optional: true,
        }),
        allsitecourses: value(
          'int',
          'if 1 return all not visible and visible courses whose siteid is the site matching token. Only courses of this site are returned. givememore parameter is ignored if this param = 1. In case of public token access, this param option is ignored',
          { default: 0 },
        ),
      },
      'course info',
      { default: {} },
    ),
  }),
  returns: single(
    {
      courses: multiple(courseReturn),
      coursetotal: value('int', 'total number of courses'),
    },
    'courses result',
  ),
  async execute(ctx, { search, downloadable, enrollable, options }) {
    const { deps } = ctx;
    const hubConfig = await readHubConfig(deps.store.db);
    await refusePublicOnPrivateHub(ctx, hubConfig);
    const site = await siteOfCaller(ctx);
    // Neither kind: local_hub's `enrollable = 4`, nothing.
    if (!downloadable && !enrollable) return { courses: [], coursetotal: 0 };
    const own = site && options.allsitecourses === 1 ? site.id : undefined;
    const from = own !== undefined ? 0 : Math.max(0, options.givememore ?? 0);
    const { rows, total } = await searchCourses(
      deps.store.db,
      {
        search,
        ownSiteId: own,
        ids: options.ids,
        sitecourseids: options.sitecourseids,
        // local_hub takes the coverage option and filters nothing with it (the community block
        // sends 'all' when left empty).
        licenceshortname: options.licenceshortname,
        subject: options.subject,
        audience: options.audience,
        educationallevel: options.educationallevel,
        language: options.language,
        orderby: options.orderby,
        // Both: no filter on the kind.
        enrollable: enrollable && downloadable ? undefined : enrollable,
      },
      // local_hub: a page of maxwscourseresult courses from givememore (an offset).
      { from, num: own !== undefined ? ALL_COURSES : hubConfig.maxWsCourseResult },
    );
    const ids = rows.map(({ c }) => c.id);
    const [sizes, contents, outcomes] = await Promise.all([
      backupSizes(deps, ids),
      contentsOfCourses(deps.store.db, ids).then(groupBy),
      outcomesOfCourses(deps.store.db, ids).then(groupBy),
    ]);
    const hub = hubUrl(deps.env);
    const key = sesskey();
    const courses = [];
    for (const { c } of rows) {
      const backupsize = sizes.get(c.id);
      // A downloadable course without its backup is left out (local_hub; coursetotal stays).
      if (!c.enrollable && backupsize === undefined) continue;
      const mine = !!site && c.siteId === site.id;
      courses.push({
        id: c.id,
        fullname: textOut(c.fullname),
        shortname: textOut(c.shortname),
        description: textOut(c.description),
        language: c.language,
        publishername: textOut(c.publisherName),
        ...(mine
          ? { publisheremail: emailOut(c.publisherEmail), privacy: c.visible ? 1 : 0, sitecourseid: c.siteCourseId }
          : {}),
        contributornames: textOut(c.contributorNames),
        coverage: textOut(c.coverage),
        creatorname: textOut(c.creatorName),
        licenceshortname: c.licence,
        subject: c.subject,
        audience: c.audience,
        educationallevel: c.educationalLevel,
        creatornotes: c.creatorNotes,
        creatornotesformat: c.creatorNotesFormat,
        // local_hub: the course URL, else the demo URL, else the hub's front page for the course.
        ...(c.courseUrl
          ? { courseurl: c.courseUrl }
          : { demourl: c.demoUrl || `${hub}/?sesskey=${key}&redirectcourseid=${c.id}` }),
        ...(backupsize !== undefined && !c.enrollable ? { backupsize } : {}),
        enrollable: c.enrollable,
        screenshots: c.screenshots,
        timemodified: c.timeModified,
        contents: (contents.get(c.id) ?? []).map((x) => ({
          moduletype: x.moduleType,
          modulename: textOut(x.moduleName),
          contentcount: x.contentCount,
        })),
        rating: { scaleid: RATING_SCALE, count: 0 },
        comments: [],
        outcomes: (outcomes.get(c.id) ?? []).map((o) => ({ fullname: textOut(o.fullname) })),
      });
    }
    return { courses, coursetotal: total };
  },
});

const hubUnregisterCourses = defineFunction({
  name: 'hub_unregister_courses',
  component: HUB_COMPONENT,
  description:
    "Unpublishes courses of the calling site, as local_hub: they are kept, marked deleted, and leave every search and list; an id the hub does not know is ignored; another site's course refuses the call, all or none (error triedtounregisteracourseforwrongsite).",
  type: 'write',
  capabilities: [always('local/hub:unregistercourse', 'Unpublish courses from the hub')],
  example: { courseids: [1] },
  services: [REGISTERED],
  parameters: single({
    courseids: multiple(value('int', 'the id of the course to unregister'), 'hub course ids'),
  }),
  returns: value('int', '1 for successfull'),
  async execute(ctx, { courseids }) {
    await unpublishCourses(ctx.deps, await callerSite(ctx), courseids, actorOf(ctx));
    return 1;
  },
});

const hubUnregisterSite = defineFunction({
  name: 'hub_unregister_site',
  component: HUB_COMPONENT,
  description:
    'Unregisters the calling site, as local_hub: the site is kept, marked deleted (hidden, not trusted), with its courses; its token stops working. Moodle 2.x–3.3 send no parameter; Moodle 3.4+ send the url list, which is not needed (the token names the site).',
  type: 'write',
  capabilities: [always('local/hub:updateinfo', 'Unregister a site from the hub')],
  example: {},
  services: [REGISTERED],
  parameters: single({
    url: multiple(value('url', 'the site url'), 'the site url (Moodle 3.4+)', { optional: true }),
  }),
  returns: value('int', '1 for successfull'),
  async execute(ctx) {
    await unregisterSite(ctx.deps, await callerSite(ctx), actorOf(ctx));
    return 1;
  },
});

export const HUB_FUNCTIONS = [
  hubGetInfo,
  hubRegisterSite,
  hubUpdateSiteInfo,
  hubRegisterCourses,
  hubGetCourses,
  hubUnregisterCourses,
  hubUnregisterSite,
];
