import { multiple, single, value } from '@gatehouse/shared';
import { userPrivateAccessKey } from '../../features/files/user-key';
import { defineFunction } from '../types';
import { fullname, profileImageUrl, RELEASE, SITE_NAME, SITEID, siteUrl, VERSION } from './common';
import { uploadLimits } from './files';

// core_webservice_get_site_info as Moodle 4.5's webservice/externallib.php
// (core_webservice_external::get_site_info / get_site_info_returns): the same keys in the same
// order, each with Moodle's value, or the value Moodle gives when the feature is off.

/** Moodle's HOMEPAGE_MY: $CFG->defaulthomepage on a new 4.x site; Gatehouse has no other home page. */
const HOMEPAGE_MY = 1;
/** $CFG->calendartype on a new site: the only calendar type Gatehouse knows. */
const SITE_CALENDAR_TYPE = 'gregorian';
/**
 * $PAGE->theme->name. Moodle takes the user's own theme only when `allowuserthemes` is on (off by
 * default, and Gatehouse has no such setting), so every user gets the site theme: Moodle's default.
 */
const SITE_THEME = 'boost';
/** The site language: Moodle's current_language() when the user has none. */
const SITE_LANG = 'en';

/**
 * Moodle's advanced features, in Moodle's order: the nine `$CFG` flags that are set, then
 * `mnet_dispatcher_mode` (1 when 'strict'). Gatehouse has notes and messaging; it has no comments,
 * tags, blogs, completion tracking, badges, site-wide messaging or custom reports, so those are 0,
 * as a Moodle site with the feature disabled says, and MNet is off. The mobile app hides a feature
 * whose value is 0. Built once: the same entries for every call.
 */
const ADVANCED_FEATURES: readonly { name: string; value: number }[] = Object.freeze(
  (
    [
      ['usecomments', 0],
      ['usetags', 0],
      ['enablenotes', 1],
      ['messaging', 1],
      ['enableblogs', 0],
      ['enablecompletion', 0],
      ['enablebadges', 0],
      ['messagingallusers', 0],
      ['enablecustomreports', 0],
      ['mnet_dispatcher_mode', 0],
    ] as const
  ).map(([name, value]) => Object.freeze({ name, value })),
);

const getSiteInfo = defineFunction({
  name: 'core_webservice_get_site_info',
  component: 'core_webservice',
  description:
    'Return some site info / user info / list web service functions. The functions are those of the service the token belongs to. ' +
    "Gatehouse answers as a Moodle 4.5 site with its defaults: `lang` is the user's language (else the site's, `en`); " +
    "`mobilecssurl` is empty (no custom mobile CSS); `advancedfeatures` lists Moodle's ten entries, with 1 only for " +
    '`enablenotes` and `messaging` (Gatehouse has no comments, tags, blogs, completion tracking, badges, custom reports or MNet); ' +
    '`userhomepage` is 1 (the dashboard), so `userhomepageurl` is left out; `sitecalendartype` is `gregorian` and ' +
    "`usercalendartype` the user's calendar type; `theme` is the site theme `boost` (user themes are off, as by default in Moodle); " +
    "`limitconcurrentlogins` is 0 (no limit), so `usersessionscount` is left out; `policyagreed` is the user's flag (0 unless set). " +
    "`userprivateaccesskey` is the key of /tokenpluginfile.php: Gatehouse derives it from the server's secret, so it is the same on every call " +
    'and changes only when the secret is rotated.',
  type: 'read',
  capabilities: [],
  services: ['moodle_mobile_app'],
  parameters: single({
    serviceshortnames: multiple(
      value('alphanumext', 'service shortname'),
      'DEPRECATED PARAMETER - it was a design error in the original implementation. \\ It is ignored now. (parameter kept for backward compatibility)',
      { default: [] },
    ),
  }),
  returns: single({
    sitename: value('raw', 'site name'),
    username: value('raw', 'username'),
    firstname: value('text', 'first name'),
    lastname: value('text', 'last name'),
    fullname: value('text', 'user full name'),
    lang: value('lang', 'Current language.'),
    userid: value('int', 'user id'),
    siteurl: value('raw', 'site url'),
    userpictureurl: value(
      'url',
      'the user profile picture. Warning: this url is the public URL that only works when forcelogin is set to NO and guestaccess is set to YES. ' +
        'In order to retrieve user profile pictures independently of the Moodle config, replace "pluginfile.php" by ' +
        '"webservice/pluginfile.php?token=WSTOKEN&file=" Of course the user can only see profile picture depending ' +
        'on his/her permissions. Moreover it is recommended to use HTTPS too.',
    ),
    functions: multiple(
      single(
        {
          name: value('raw', 'function name'),
          version: value('text', 'The version number of the component to which the function belongs'),
        },
        'functions that are available',
      ),
    ),
    downloadfiles: value('int', '1 if users are allowed to download files, 0 if not', { optional: true }),
    uploadfiles: value('int', '1 if users are allowed to upload files, 0 if not', { optional: true }),
    release: value('text', 'Moodle release number', { optional: true }),
    version: value('text', 'Moodle version number', { optional: true }),
    mobilecssurl: value('url', 'Mobile custom CSS theme', { optional: true }),
    advancedfeatures: multiple(
      single(
        {
          name: value('alphanumext', 'feature name'),
          value: value('int', 'feature value. Usually 1 means enabled.'),
        },
        'Advanced features availability',
      ),
      'Advanced features availability',
      { optional: true },
    ),
    usercanmanageownfiles: value('bool', 'true if the user can manage his own files', { optional: true }),
    userquota: value('int', 'user quota (bytes). 0 means user can ignore the quota', { optional: true }),
    usermaxuploadfilesize: value(
      'int',
      'user max upload file size (bytes). -1 means the user can ignore the upload file size',
      { optional: true },
    ),
    userhomepage: value('int', 'the default home page for the user: 0 for the site home, 1 for dashboard', {
      optional: true,
    }),
    userhomepageurl: value('url', 'The URL of default home page when userhomepage is 4 (HOMEPAGE_URL).', {
      optional: true,
    }),
    userprivateaccesskey: value('alphanum', 'Private user access key for fetching files.', { optional: true }),
    siteid: value('int', 'Site course ID', { optional: true }),
    sitecalendartype: value('plugin', 'Calendar type set in the site.', { optional: true }),
    usercalendartype: value('plugin', 'Calendar typed used by the user.', { optional: true }),
    userissiteadmin: value('bool', 'Whether the user is a site admin or not.', { optional: true }),
    // PARAM_THEME in Moodle: a plugin name.
    theme: value('plugin', 'Current theme for the user.', { optional: true }),
    limitconcurrentlogins: value('int', 'Number of concurrent sessions allowed', { optional: true }),
    usersessionscount: value(
      'int',
      'Number of active sessions for current user. Only returned when limitconcurrentlogins is used.',
      { optional: true },
    ),
    policyagreed: value('int', 'Whether user accepted all the policies.', { optional: true }),
  }),
  execute(ctx) {
    const u = ctx.user;
    // As Moodle's webservice/externallib.php: the quota unless the user may ignore it (then 0),
    // and get_user_max_upload_file_size(context, $CFG->maxbytes) (-1 when they may ignore it).
    const limits = uploadLimits(ctx);
    return {
      sitename: SITE_NAME,
      username: u.username,
      firstname: u.firstname,
      lastname: u.lastname,
      fullname: fullname(u),
      // current_language(): the user's language, else the site's.
      lang: u.lang || SITE_LANG,
      userid: u.id,
      siteurl: siteUrl(ctx),
      userpictureurl: profileImageUrl(ctx, u.id),
      functions: ctx.service.functions.map((name) => ({ name, version: VERSION })),
      downloadfiles: ctx.service.downloadFiles ? 1 : 0,
      uploadfiles: ctx.service.uploadFiles ? 1 : 0,
      release: RELEASE,
      version: VERSION,
      // !empty($CFG->mobilecssurl) ? $CFG->mobilecssurl : '': Gatehouse has no mobile CSS.
      mobilecssurl: '',
      advancedfeatures: ADVANCED_FEATURES as { name: string; value: number }[],
      usercanmanageownfiles: ctx.hasCapability('moodle/user:manageownfiles'),
      userquota: limits.quota ?? 0,
      usermaxuploadfilesize: limits.reportedMaxBytes,
      // get_home_page(): HOMEPAGE_MY; userhomepageurl is set only for HOMEPAGE_URL (4).
      userhomepage: HOMEPAGE_MY,
      // Moodle's get_user_key('core_files', $USER->id): the key of tokenpluginfile.php.
      userprivateaccesskey: userPrivateAccessKey(ctx.deps.tokenSecret, u.id),
      siteid: SITEID,
      sitecalendartype: SITE_CALENDAR_TYPE,
      // empty($USER->calendartype) ? $CFG->calendartype : $USER->calendartype.
      usercalendartype: u.calendartype || SITE_CALENDAR_TYPE,
      userissiteadmin: u.siteAdmin,
      theme: SITE_THEME,
      // (int) $CFG->limitconcurrentlogins: no limit; usersessionscount only when there is one.
      limitconcurrentlogins: 0,
      policyagreed: u.policyagreed,
    };
  },
});

export const WEBSERVICE_FUNCTIONS = [getSiteInfo];
