import { multiple, phpJsonEncode, single, value } from '@gatehouse/shared';
import { findCourse, sectionsOf } from '../../features/courses/courses.repo';
import { COURSE_COLORS } from '../../features/files/generated-image';
import { developerDebugging, exceptionInfo } from '../exception-info';
import { invokeFunction } from '../invoke';
import { defineFunction } from '../types';
import { externalWarnings, SITE_NAME, SITEID, siteUrl } from './common';

// The functions of Moodle's tool_mobile that the Moodle app needs to get past its first screens
// (admin/tool/mobile/classes/external.php and classes/api.php), and core_get_component_strings,
// which the seed era's app looks for in site info as its version gate. Where Gatehouse has no
// such setting, the value is Moodle's default with the feature off.

const MOBILE = 'moodle_mobile_app';

/**
 * tool_mobile's disabledfeatures (feature ids of api::get_features_list): the app's screens that
 * need functions Gatehouse does not have (messaging and notifications beyond sending, calendar,
 * grades, badges, blogs, competencies, completion, tags, comments, ratings, global search,
 * private files listing, policies and data privacy; the timeline, calendar, recent and starred
 * blocks; the assignment, quiz and forum activities, which the app then offers to open in the
 * browser). Sent in tool_mobile_get_public_config and tool_mobile_get_config, as Moodle sends the
 * setting, so the app hides them instead of failing on a missing function.
 */
export const DISABLED_FEATURES = [
  'NoDelegate_CoreComments',
  'NoDelegate_CoreRating',
  'NoDelegate_CoreTag',
  'NoDelegate_GlobalSearch',
  'CoreReportBuilderDelegate',
  'CoreMainMenuDelegate_AddonMessages',
  'CoreMainMenuDelegate_AddonNotifications',
  'CoreMainMenuDelegate_AddonCalendar',
  'CoreMainMenuDelegate_AddonBlog',
  'CoreMainMenuDelegate_CoreTag',
  'CoreUserDelegate_CoreGrades',
  'CoreUserDelegate_AddonPrivateFiles',
  'CoreUserDelegate_AddonBadges:account',
  'CoreUserDelegate_AddonBlog:account',
  'CoreUserDelegate_AddonCompetency',
  'CoreUserDelegate_CorePolicy',
  'CoreUserDelegate_CoreDataPrivacy',
  'CoreCourseOptionsDelegate_CoreGrades',
  'CoreCourseOptionsDelegate_AddonCompetency',
  'CoreCourseOptionsDelegate_AddonNotes',
  'CoreCourseOptionsDelegate_AddonCourseCompletion',
  'CoreCourseOptionsDelegate_AddonBlog',
  'CoreCourseOptionsDelegate_search',
  'CoreCourseOptionsDelegate_CoreCourseOverview',
  'CoreUserDelegate_CoreGrades:viewGrades',
  'CoreUserDelegate_AddonCourseCompletion:viewCompletion',
  'CoreUserDelegate_AddonBadges',
  'CoreUserDelegate_AddonNotes:notes',
  'CoreUserDelegate_AddonBlog:blogs',
  'CoreUserDelegate_AddonCompetency:learningPlan',
  'CoreUserDelegate_AddonMessages:sendMessage',
  'AddonPrivateFilesPrivateFiles',
  'AddonPrivateFilesSiteFiles',
  'AddonPrivateFilesUpload',
  'CoreBlockDelegate_AddonBlockTimeline',
  'CoreBlockDelegate_AddonBlockCalendarMonth',
  'CoreBlockDelegate_AddonBlockCalendarUpcoming',
  'CoreBlockDelegate_AddonBlockRecentlyAccessedCourses',
  'CoreBlockDelegate_AddonBlockRecentlyAccessedItems',
  'CoreBlockDelegate_AddonBlockStarredCourses',
  'CoreBlockDelegate_AddonBlockBadges',
  'CoreCourseModuleDelegate_AddonModAssign',
  'CoreCourseModuleDelegate_AddonModQuiz',
  'CoreCourseModuleDelegate_AddonModForum',
].join(',');

/** tool_mobile\api::LOGIN_VIA_APP: the app's own login form, then login/token.php. */
const LOGIN_VIA_APP = 1;
/** tool_mobile\api::DEFAULT_IOS_APP_ID and DEFAULT_ANDROID_APP_ID. */
const DEFAULT_IOS_APP_ID = '633359593';
const DEFAULT_ANDROID_APP_ID = 'com.moodle.moodlemobile';
/** tool_mobile's `setuplink` default (admin/tool/mobile/settings.php). */
const DEFAULT_SETUP_LINK = 'https://download.moodle.org/mobile';

/**
 * Moodle's format_text for FORMAT_MOODLE (text_to_html with paragraphs and new lines), which
 * external_format_text applies to the maintenance message. An empty text stays empty.
 */
function moodleFormatText(text: string): string {
  if (text === '') return '';
  const withBreaks = text.replace(/\r\n?/g, '\n').replace(/([^>])\n/g, '$1<br />\n');
  return `<div class="text_to_html">${withBreaks}</div>`;
}

const getPublicConfig = defineFunction({
  name: 'tool_mobile_get_public_config',
  component: 'tool_mobile',
  description:
    "Returns a list of the site public settings, those not requiring authentication. Needs no login: it is what the Moodle app asks first, through lib/ajax/service.php. tool_mobile_disabledfeatures names the app's screens that need functions Gatehouse does not have, so that the app hides them.",
  type: 'read',
  capabilities: [],
  services: [MOBILE],
  ajax: true,
  loginRequired: false,
  parameters: single({}),
  returns: single({
    wwwroot: value('raw', 'Site URL.'),
    httpswwwroot: value('raw', 'Site https URL (if httpslogin is enabled).'),
    sitename: value('raw', 'Site name.'),
    guestlogin: value('int', 'Whether guest login is enabled.'),
    rememberusername: value('int', 'Values: 0 for No, 1 for Yes, 2 for optional.'),
    authloginviaemail: value('int', 'Whether log in via email is enabled.'),
    // PARAM_PLUGIN, which Moodle lets be empty (no self-registration); Gatehouse's plugin type may not be.
    registerauth: value('alphanumext', 'Authentication method for user registration.'),
    forgottenpasswordurl: value('url', 'Forgotten password URL.'),
    authinstructions: value('raw', 'Authentication instructions.'),
    authnoneenabled: value('int', 'Whether auth none is enabled.'),
    enablewebservices: value('int', 'Whether Web Services are enabled.'),
    enablemobilewebservice: value('int', 'Whether the Mobile service is enabled.'),
    maintenanceenabled: value('int', 'Whether site maintenance is enabled.'),
    maintenancemessage: value('raw', 'Maintenance message.'),
    logourl: value('url', 'The site logo URL', { optional: true }),
    compactlogourl: value('url', 'The site compact logo URL', { optional: true }),
    typeoflogin: value('int', 'The type of login. 1 for app, 2 for browser, 3 for embedded.'),
    launchurl: value('url', 'SSO login launch URL.', { optional: true }),
    mobilecssurl: value('url', 'Mobile custom CSS theme', { optional: true }),
    tool_mobile_disabledfeatures: value('raw', 'Disabled features in the app', { optional: true }),
    identityproviders: multiple(
      single({
        name: value('text', 'The identity provider name.'),
        iconurl: value('url', 'The icon URL for the provider.'),
        url: value('url', 'The URL of the provider.'),
      }),
      'Identity providers',
      { optional: true },
    ),
    country: value('notags', 'Default site country', { optional: true }),
    agedigitalconsentverification: value('bool', 'Whether age digital consent verification is enabled.', {
      optional: true,
    }),
    supportname: value('notags', 'Site support contact name (only if age verification is enabled).', {
      optional: true,
    }),
    supportemail: value('email', 'Site support contact email (only if age verification is enabled).', {
      optional: true,
    }),
    supportpage: value('url', 'Site support page link.', { optional: true }),
    supportavailability: value('int', 'Determines who has access to contact site support.', { optional: true }),
    autolang: value('int', 'Whether to detect default language from browser setting.', { optional: true }),
    lang: value('lang', 'Default language for the site.', { optional: true }),
    langmenu: value('int', 'Whether the language menu should be displayed.', { optional: true }),
    langlist: value('raw', 'Languages on language menu.', { optional: true }),
    locale: value('raw', 'Sitewide locale.', { optional: true }),
    tool_mobile_minimumversion: value('notags', 'Minimum required version to access.', { optional: true }),
    tool_mobile_iosappid: value('alphanum', "iOS app's unique identifier.", { optional: true }),
    tool_mobile_androidappid: value('notags', "Android app's unique identifier.", { optional: true }),
    tool_mobile_setuplink: value('url', 'App download page.', { optional: true }),
    tool_mobile_qrcodetype: value('int', 'QR login configuration.', { optional: true }),
    warnings: externalWarnings(),
    showloginform: value('int', 'Display default login form.'),
    tool_mfa_enabled: value('bool', 'Whether MFA is enabled for the site.', { optional: true }),
    enableloginrecaptcha: value('bool', 'Whether login reCAPTCHA is enabled.', { optional: true }),
    enableforgotpasswordrecaptcha: value('bool', 'Whether forgot password reCAPTCHA is enabled.', {
      optional: true,
    }),
  }),
  execute(ctx) {
    const { settings } = ctx.deps;
    const wwwroot = siteUrl(ctx);
    return {
      wwwroot,
      httpswwwroot: wwwroot,
      sitename: SITE_NAME,
      // Gatehouse has no guest access, self-registration, login by email, auth "none" or login
      // instructions: each as Moodle answers with the feature off.
      guestlogin: 0,
      rememberusername: 2,
      authloginviaemail: 0,
      registerauth: '',
      forgottenpasswordurl: '',
      authinstructions: '',
      authnoneenabled: 0,
      enablewebservices: settings.flag('enablewebservices') ? 1 : 0,
      enablemobilewebservice: settings.flag('enablemobilewebservice') ? 1 : 0,
      maintenanceenabled: settings.flag('maintenance_enabled') ? 1 : 0,
      maintenancemessage: moodleFormatText(settings.get('maintenance_message')),
      typeoflogin: LOGIN_VIA_APP,
      launchurl: `${wwwroot}/admin/tool/mobile/launch.php`,
      mobilecssurl: '',
      tool_mobile_disabledfeatures: DISABLED_FEATURES,
      country: '',
      agedigitalconsentverification: false,
      supportpage: '',
      // CONTACT_SUPPORT_DISABLED: Gatehouse has no support contact form.
      supportavailability: 0,
      autolang: 1,
      lang: 'en',
      langmenu: 1,
      langlist: '',
      locale: '',
      tool_mobile_minimumversion: '',
      tool_mobile_iosappid: DEFAULT_IOS_APP_ID,
      tool_mobile_androidappid: DEFAULT_ANDROID_APP_ID,
      tool_mobile_setuplink: DEFAULT_SETUP_LINK,
      // QR_CODE_DISABLED: no QR login.
      tool_mobile_qrcodetype: 0,
      warnings: [],
      showloginform: 1,
      tool_mfa_enabled: false,
      enableloginrecaptcha: false,
      enableforgotpasswordrecaptcha: false,
    };
  },
});

const getPluginsSupportingMobile = defineFunction({
  name: 'tool_mobile_get_plugins_supporting_mobile',
  component: 'tool_mobile',
  description:
    'Returns a list of Moodle plugins supporting the mobile app. Gatehouse has no plugins with mobile add-ons: the list is empty.',
  type: 'read',
  capabilities: [],
  services: [MOBILE],
  ajax: true,
  loginRequired: false,
  parameters: single({}),
  returns: single({
    plugins: multiple(
      single({
        component: value('component', 'The plugin component name.'),
        version: value('notags', 'The plugin version number.'),
        addon: value('component', 'The Mobile addon (package) name.'),
        dependencies: multiple(
          value('component', 'Mobile addon name.'),
          'The list of Mobile addons this addon depends on.',
        ),
        fileurl: value('url', "The addon package url for download or empty if it doesn't exist."),
        filehash: value('raw', "The addon package hash or empty if it doesn't exist."),
        filesize: value('int', "The addon package size or empty if it doesn't exist."),
        handlers: value('raw', 'Handlers definition (JSON)', { optional: true }),
        lang: value('raw', 'Language strings used by the handlers (JSON)', { optional: true }),
      }),
    ),
    warnings: externalWarnings(),
  }),
  execute: () => ({ plugins: [], warnings: [] }),
});

type SettingValue = string | null;

const getConfig = defineFunction({
  name: 'tool_mobile_get_config',
  component: 'tool_mobile',
  description:
    "Returns a list of the site configurations, filtering by section. Settings Gatehouse does not have are given as Moodle answers with the feature off; tool_mobile_disabledfeatures (section mobileapp) names the app's screens Gatehouse cannot serve, as in tool_mobile_get_public_config.",
  type: 'read',
  capabilities: [],
  example: { section: 'mobileapp' },
  services: [MOBILE],
  parameters: single({
    section: value('alphanumext', 'Settings section name.', { default: '' }),
  }),
  returns: single({
    settings: multiple(
      single({
        name: value('raw', 'The name of the setting'),
        value: value('raw', 'The value of the setting', { allowNull: true }),
      }),
      'Settings',
    ),
    warnings: externalWarnings(),
  }),
  async execute(ctx, { section }) {
    const wwwroot = siteUrl(ctx);
    const want = (name: string) => section === '' || section === name;
    const out: [string, SettingValue][] = [];
    if (want('frontpagesettings')) {
      const db = ctx.deps.store.db;
      const site = await findCourse(db, SITEID);
      const sections = site ? await sectionsOf(db, site.id) : [];
      const lastSection = sections.reduce((max, s) => Math.max(max, s.section), 0);
      out.push(
        ['fullname', SITE_NAME],
        ['shortname', site?.shortname ?? ''],
        ['summary', site?.summary ?? ''],
        ['summaryformat', '1'],
        ['frontpage', '6'],
        ['frontpageloggedin', '6'],
        ['maxcategorydepth', '2'],
        ['frontpagecourselimit', '200'],
        ['numsections', String(lastSection)],
        ['newsitems', '3'],
        ['commentsperpage', '15'],
      );
      // No front page role: Gatehouse assigns none.
      if (ctx.hasCapability('moodle/site:config')) out.push(['defaultfrontpageroleid', '0']);
    }
    if (want('sitepolicies')) {
      out.push(['sitepolicy', ''], ['sitepolicyhandler', ''], ['disableuserimages', '0']);
    }
    if (want('gradessettings')) out.push(['mygradesurl', `${wwwroot}/grade/report/overview/index.php`]);
    if (want('mobileapp')) {
      out.push(
        ['tool_mobile_forcelogout', '0'],
        ['tool_mobile_customlangstrings', ''],
        ['tool_mobile_disabledfeatures', DISABLED_FEATURES],
        ['tool_mobile_showlogoinappheader', '0'],
        ['tool_mobile_filetypeexclusionlist', ''],
        ['tool_mobile_custommenuitems', ''],
        ['tool_mobile_customusermenuitems', ''],
        ['tool_mobile_scriptallowlist', ''],
        ['tool_mobile_apppolicy', ''],
        ['tool_mobile_autologinmintimebetweenreq', '360'],
        ['tool_mobile_autologout', '0'],
        ['tool_mobile_autologouttime', '86400'],
      );
    }
    if (want('calendar')) {
      out.push(
        ['calendartype', 'gregorian'],
        ['calendar_site_timeformat', '0'],
        ['calendar_startwday', '1'],
        ['calendar_adminseesall', '0'],
        ['calendar_lookahead', '21'],
        ['calendar_maxevents', '10'],
      );
    }
    if (want('coursecolors')) {
      COURSE_COLORS.forEach((color, i) => {
        out.push([`core_admin_coursecolor${i + 1}`, color]);
      });
    }
    if (want('supportcontact')) {
      // CONTACT_SUPPORT_DISABLED: the contact details are null.
      out.push(['supportavailability', '0'], ['supportname', null], ['supportemail', null], ['supportpage', null]);
    }
    if (want('graceperiodsettings')) out.push(['coursegraceperiodafter', '0'], ['coursegraceperiodbefore', '0']);
    if (want('navigation')) out.push(['enablemyhome', '1'], ['enabledashboard', '1'], ['enablemycourses', '1']);
    if (want('themesettings') || want('themesettingsadvanced')) out.push(['customusermenuitems', '']);
    if (want('locationsettings')) out.push(['timezone', 'UTC'], ['forcetimezone', '99']);
    if (want('manageglobalsearch')) {
      out.push(
        ['searchengine', 'simpledb'],
        ['searchenablecategories', '0'],
        ['searchdefaultcategory', 'core-all'],
        ['searchhideallcategory', '0'],
        ['searchmaxtopresults', '3'],
        ['searchbannerenable', '0'],
        ['searchbanner', ''],
      );
    }
    if (want('privacysettings')) {
      out.push(
        ['tool_dataprivacy_contactdataprotectionofficer', '0'],
        ['tool_dataprivacy_showdataretentionsummary', '1'],
      );
    }
    if (want('blog')) out.push(['useblogassociations', '1'], ['bloglevel', '4'], ['blogusecomments', '1']);
    return { settings: out.map(([name, v]) => ({ name, value: v })), warnings: [] };
  },
});

/** PHP's json_decode($json, true) where the answer is used only if is_array(): anything else is []. */
function decodeArguments(json: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (Array.isArray(parsed)) return Object.fromEntries(parsed.entries());
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

type BatchResponse = { error: boolean; data?: string; exception?: string };

const callExternalFunctions = defineFunction({
  name: 'tool_mobile_call_external_functions',
  component: 'tool_mobile',
  description:
    "Call multiple external functions and return all responses. Each request names a function of the token's service and its arguments as a JSON object; each answer's data or exception comes back as JSON text. Processing stops at the first error.",
  type: 'write',
  capabilities: [],
  example: { requests: [{ function: 'core_webservice_get_site_info', arguments: '{}' }] },
  services: [MOBILE],
  parameters: single({
    requests: multiple(
      single({
        function: value('alphanumext', 'Function name'),
        arguments: value('raw', 'JSON-encoded object with named arguments', { default: '{}' }),
        settingraw: value('bool', 'Return raw text', { default: false }),
        settingfilter: value('bool', 'Filter text', { default: false }),
        settingfileurl: value('bool', 'Rewrite plugin file URLs', { default: true }),
        settinglang: value('lang', 'Session language', { default: '' }),
      }),
    ),
  }),
  returns: single({
    responses: multiple(
      single({
        error: value('bool', 'Whether an exception was thrown.'),
        data: value('raw', 'JSON-encoded response data', { optional: true }),
        exception: value('raw', 'JSON-encoed exception info', { optional: true }),
      }),
    ),
  }),
  async execute(ctx, { requests }) {
    const responses: BatchResponse[] = [];
    for (const request of requests) {
      // Only the functions of the token's service, as webservice::service_function_exists checks.
      const fn = ctx.service.functions.includes(request.function)
        ? ctx.deps.catalogue.get(request.function)
        : undefined;
      let response: BatchResponse;
      if (!fn) {
        const exception: Record<string, string> = { errorcode: 'accessexception', module: 'webservice' };
        if (developerDebugging(ctx.deps)) exception.debuginfo = 'Access to the function is not allowed.';
        response = { error: true, exception: phpJsonEncode(exception) };
      } else {
        const outcome = await invokeFunction(ctx, fn, decodeArguments(request.arguments));
        if (outcome.ok) {
          // isset($response['data']): a function that returns nothing answers without data.
          response =
            outcome.value === null || outcome.value === undefined
              ? { error: false }
              : { error: false, data: phpJsonEncode(outcome.value) };
        } else {
          response = { error: true, exception: phpJsonEncode(exceptionInfo(ctx.deps, outcome.error)) };
        }
      }
      responses.push(response);
      if (response.error) break;
    }
    return { responses };
  },
});

const getComponentStrings = defineFunction({
  name: 'core_get_component_strings',
  component: 'moodle',
  description:
    'Return all raw strings (with {$a->xxx}) for a specific component - similar to core get_component_strings() call. Gatehouse has no language packs: the list is empty.',
  type: 'read',
  capabilities: [],
  example: { component: 'mobile', lang: 'en' },
  services: [MOBILE],
  parameters: single({
    component: value('component', 'component'),
    lang: value('lang', 'lang', { default: null, allowNull: true }),
  }),
  returns: multiple(
    single({
      stringid: value('text', 'string id'),
      string: value('raw', 'translated string'),
    }),
  ),
  execute: () => [],
});

export const MOBILE_FUNCTIONS = [
  getPublicConfig,
  getConfig,
  getPluginsSupportingMobile,
  callExternalFunctions,
  getComponentStrings,
];
