import { cleanScalar, isEmail, multiple, single, value } from '@gatehouse/shared';
import { hubUrl, readHubConfig } from '../../features/hub/hub-config';
import { HUB_COMPONENT, HUB_SERVICE } from '../../features/hub/hub-constants';
import { publishCourses, searchCourses, unpublishCourses } from '../../features/hub/hub-courses.service';
import { registerSite, unregisterSite, updateSiteInfo } from '../../features/hub/hub-registration';
import { countVisibleSites } from '../../features/hub/hub-sites.repo';
import { siteOfUser } from '../../features/hub/hub-sites.service';
import { MoodleException, moodleError } from '../exceptions';
import { always, type CallContext, defineFunction } from '../types';
import { actorOf } from './common';

// The community hub's functions (Moodle's local_hub), in the hub's three services:
// Hub directory (hub_get_info), Registered sites (what a registered site does with its own
// token) and Public sites (what any site does with the hub's public token).

const { directory: DIRECTORY, registered: REGISTERED, public: PUBLIC } = HUB_SERVICE;

/** The registered site that is calling (by the user its token belongs to). */
async function callerSite(ctx: CallContext) {
  const site = await siteOfUser(ctx.deps.store.db, ctx.user.id);
  if (!site) {
    throw moodleError('sitenotregistered', 'This token does not belong to a site registered with this hub');
  }
  return site;
}

/**
 * A private hub has no public service: whatever reaches a hub function with the public token
 * (published while the hub was public, or given to a site for registering) is refused, as
 * Moodle's hub refuses its public token ('publichub') when the hub is private. Registering is
 * the one thing the public token still does there, and it needs the hub password.
 */
async function refusePublicOnPrivateHub(ctx: CallContext) {
  if (ctx.service.shortname !== PUBLIC) return;
  if ((await readHubConfig(ctx.deps.store.db)).privacy !== 'private') return;
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
  users: value('float', '-1 if private info, otherwise number of users', { default: -1 }),
  courses: value('float', '-1 if private info, otherwise number of courses', { default: -1 }),
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
  modulenumberaverage: value('float', '-1 if private info, otherwise average number of course modules', {
    optional: true,
  }),
  moodleversion: value('int', 'moodle version', { optional: true }),
  moodlerelease: value('text', 'moodle release', { optional: true }),
};

const hubGetInfo = defineFunction({
  name: 'hub_get_info',
  component: HUB_COMPONENT,
  description:
    'Returns the hub information: name, description, contact, privacy, language, address, whether it is enabled, and how many sites and visible courses it lists.',
  type: 'read',
  capabilities: [always('local/hub:viewinfo', 'View hub information')],
  example: {},
  services: [DIRECTORY, REGISTERED, PUBLIC],
  parameters: single({}),
  returns: single(
    {
      name: value('text', 'hub name'),
      description: value('text', 'hub description'),
      contactname: value('text', 'hub server administrator name'),
      contactemail: value('email', 'hub server administrator email'),
      privacy: value('alpha', 'hub privacy: private, public or publicsearch'),
      language: value('alphanumext', 'hub main language'),
      url: value('url', 'hub url'),
      enabled: value('bool', '1 when the hub is enabled'),
      sites: value('int', 'number of visible registered sites on this hub'),
      courses: value('int', 'number of visible courses from visible sites on this hub'),
    },
    'hub information',
  ),
  async execute(ctx) {
    await refusePublicOnPrivateHub(ctx);
    const { db } = ctx.deps.store;
    const hub = await readHubConfig(db);
    const sites = await countVisibleSites(db);
    const courses = (await searchCourses(db, {}, { from: 0, num: 0 })).total;
    return {
      name: textOut(hub.name),
      description: textOut(hub.description),
      contactname: textOut(hub.contactName),
      contactemail: emailOut(hub.contactEmail),
      privacy: hub.privacy,
      language: hub.language,
      url: hubUrl(ctx.deps.env),
      enabled: hub.enabled,
      sites,
      courses,
    };
  },
});

const hubRegisterSite = defineFunction({
  name: 'hub_register_site',
  component: HUB_COMPONENT,
  description:
    "Registers the calling site with the hub (called with the hub's public token). A private hub requires its password (error wronghubpassword); a URL can register once (error sitealreadyregistered). Returns the new site's id and its own token for the Registered sites service: keep it, it is shown only once.",
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
  description: 'Updates the information of the calling registered site (a new URL must not belong to another site).',
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
    await updateSiteInfo(ctx.deps, await callerSite(ctx), siteinfo, actorOf(ctx));
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
  licenceshortname: value('alphanumext', 'licence short name (cc, cc-sa, allrightsreserved, ...)', {
    default: 'unknown',
  }),
  subject: value('alphanum', 'subject', { default: '' }),
  audience: value('alpha', 'audience: educators, students or admins'),
  educationallevel: value('alpha', 'educational level: primary, secondary, tertiary, government, ...'),
  creatornotes: value('raw', 'creator notes', { default: '' }),
  creatornotesformat: value('int', 'notes format', { default: 1 }),
  demourl: value('url', 'demo URL', { optional: true }),
  courseurl: value('url', 'course URL (required for an enrollable course)', { optional: true }),
  enrollable: value('bool', 'is the course enrollable (otherwise downloadable)', { default: false }),
  screenshotsids: value('text', 'screenshotsids', { optional: true }),
};

const hubRegisterCourses = defineFunction({
  name: 'hub_register_courses',
  component: HUB_COMPONENT,
  description:
    "Publishes courses of the calling site on the hub, all of them or none. A trusted site's courses are visible at once; the others wait for the hub administrator. A site publishes at most its maximum of courses per day (error maxcoursesperday).",
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
        subject: '0613',
        audience: 'students',
        educationallevel: 'tertiary',
        enrollable: true,
        courseurl: 'https://moodle.example.edu/course/view.php?id=2',
      },
    ],
  },
  services: [REGISTERED],
  parameters: single({ courses: multiple(single(courseKeys, 'course info'), 'courses to publish') }),
  returns: multiple(value('int', 'new id from the course directory table')),
  async execute(ctx, { courses }) {
    const site = await callerSite(ctx);
    return publishCourses(ctx.deps, site, courses, actorOf(ctx));
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
    publisheremail: value('email', 'publisher email (own courses only)', { optional: true }),
    sitecourseid: value('int', 'course id on the site (own courses only)', { optional: true }),
    visible: value('bool', 'whether the course is visible on the hub (own courses only)', { optional: true }),
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
    enrollable: value('bool', 'is the course enrollable'),
    timemodified: value('int', 'last change on the hub'),
  },
  'course info',
);

const hubGetCourses = defineFunction({
  name: 'hub_get_courses',
  component: HUB_COMPONENT,
  description:
    "Searches the hub's visible courses of visible sites by keywords and options; courses of prioritised sites come first. A registered site can ask for all of its own courses, hidden ones included (allsitecourses = 1).",
  type: 'read',
  capabilities: [always('local/hub:view', 'View the hub')],
  example: { search: 'computer science', downloadable: true, enrollable: true },
  services: [REGISTERED, PUBLIC],
  parameters: single({
    search: value('text', 'string to search', { default: '' }),
    downloadable: value('bool', 'include downloadable courses', { default: true }),
    enrollable: value('bool', 'include enrollable courses', { default: true }),
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
        allsitecourses: value(
          'int',
          "1: all the calling site's own courses, visible or not (ignored for callers that are not registered sites)",
          { default: 0 },
        ),
        limitfrom: value('int', 'return courses from this position', { default: 0 }),
        limitnum: value('int', 'at most this many courses (1 to 500)', { default: 100 }),
      },
      'search options',
      { default: {} },
    ),
  }),
  returns: multiple(courseReturn),
  async execute(ctx, { search, downloadable, enrollable, options }) {
    await refusePublicOnPrivateHub(ctx);
    const site = await siteOfUser(ctx.deps.store.db, ctx.user.id);
    const own = site && options.allsitecourses === 1 ? site.id : undefined;
    const { rows } = await searchCourses(
      ctx.deps.store.db,
      {
        search,
        ownSiteId: own,
        ids: options.ids,
        sitecourseids: options.sitecourseids,
        coverage: options.coverage,
        licenceshortname: options.licenceshortname,
        subject: options.subject,
        audience: options.audience,
        educationallevel: options.educationallevel,
        language: options.language,
        // Both or neither: no filter on the kind.
        enrollable: enrollable === downloadable ? undefined : enrollable,
      },
      { from: Math.max(0, options.limitfrom), num: Math.min(500, Math.max(1, options.limitnum)) },
    );
    return rows.map(({ c }) => {
      const mine = !!site && c.siteId === site.id;
      return {
        id: c.id,
        fullname: textOut(c.fullname),
        shortname: textOut(c.shortname),
        description: textOut(c.description),
        language: c.language,
        publishername: textOut(c.publisherName),
        ...(mine
          ? { publisheremail: emailOut(c.publisherEmail), sitecourseid: c.siteCourseId, visible: c.visible }
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
        ...(c.demoUrl ? { demourl: c.demoUrl } : {}),
        ...(c.courseUrl ? { courseurl: c.courseUrl } : {}),
        enrollable: c.enrollable,
        timemodified: c.timeModified,
      };
    });
  },
});

const hubUnregisterCourses = defineFunction({
  name: 'hub_unregister_courses',
  component: HUB_COMPONENT,
  description:
    "Removes courses of the calling site from the hub, all of them or none; another site's course is refused (error coursenotfound).",
  type: 'write',
  capabilities: [always('local/hub:unregistercourse', 'Unpublish courses from the hub')],
  example: { courseids: [1] },
  services: [REGISTERED],
  parameters: single({
    courseids: multiple(value('int', 'the id of the course to unregister'), 'hub course ids'),
  }),
  returns: value('int', '1 for successful'),
  async execute(ctx, { courseids }) {
    await unpublishCourses(ctx.deps, await callerSite(ctx), courseids, actorOf(ctx));
    return 1;
  },
});

const hubUnregisterSite = defineFunction({
  name: 'hub_unregister_site',
  component: HUB_COMPONENT,
  description:
    'Unregisters the calling site: its courses are removed from the hub, its hub user is deleted and its token stops working.',
  type: 'write',
  capabilities: [always('local/hub:updateinfo', 'Unregister a site from the hub')],
  example: {},
  services: [REGISTERED],
  parameters: single({}),
  returns: value('bool', '1 if all went well'),
  async execute(ctx) {
    await unregisterSite(ctx.deps, await callerSite(ctx), actorOf(ctx));
    return true;
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
