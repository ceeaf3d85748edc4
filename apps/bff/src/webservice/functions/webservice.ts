import { multiple, single, value } from '@gatehouse/shared';
import { userPrivateAccessKey } from '../../features/files/user-key';
import { defineFunction } from '../types';
import { fullname, profileImageUrl, RELEASE, SITE_NAME, SITEID, siteUrl, VERSION } from './common';
import { uploadLimits } from './files';

const getSiteInfo = defineFunction({
  name: 'core_webservice_get_site_info',
  component: 'core_webservice',
  description:
    'Return some site info / user info / list web service functions. The functions are those of the service the token belongs to.',
  type: 'read',
  capabilities: [],
  services: ['moodle_mobile_app'],
  parameters: single({
    serviceshortnames: multiple(
      value('text', 'service shortname'),
      'DEPRECATED PARAMETER - it was a design error in the original implementation. It is ignored now. (parameter kept for backward compatibility)',
      { default: [] },
    ),
  }),
  returns: single({
    sitename: value('raw', 'site name'),
    username: value('raw', 'username'),
    firstname: value('raw', 'first name'),
    lastname: value('raw', 'last name'),
    fullname: value('raw', 'user full name'),
    lang: value('lang', 'user language'),
    userid: value('int', 'user id'),
    siteurl: value('raw', 'site url'),
    userpictureurl: value(
      'url',
      'the user profile picture. Warning: this url is the public URL that only works when forcelogin is set to NO and guestaccess is set to YES.',
    ),
    functions: multiple(
      single({
        name: value('raw', 'function name'),
        version: value('text', 'The version number of the component to which the function belongs'),
      }),
      'functions that are available',
    ),
    downloadfiles: value('int', '1 if users are allowed to download files, 0 if not', { optional: true }),
    uploadfiles: value('int', '1 if users are allowed to upload files, 0 if not', { optional: true }),
    release: value('text', 'Moodle release number', { optional: true }),
    version: value('text', 'Moodle version number', { optional: true }),
    usercanmanageownfiles: value('bool', 'true if the user can manage his own files', { optional: true }),
    userquota: value(
      'int',
      'user quota (bytes for the total size of user private files). 0 if user can ignore the quota.',
      {
        optional: true,
      },
    ),
    usermaxuploadfilesize: value(
      'int',
      'user max upload file size (bytes). -1 if the user can ignore the upload file size',
      {
        optional: true,
      },
    ),
    userhomepage: value('int', 'the default home page for the user: 0 for the site home, 1 for dashboard', {
      optional: true,
    }),
    userprivateaccesskey: value('alphanum', 'Private user access key for fetching files.', { optional: true }),
    siteid: value('int', 'Site course ID', { optional: true }),
    userissiteadmin: value('bool', 'Whether the user is a site admin or not', { optional: true }),
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
      lang: 'en',
      userid: u.id,
      siteurl: siteUrl(ctx),
      userpictureurl: profileImageUrl(ctx, u.id),
      functions: ctx.service.functions.map((name) => ({ name, version: VERSION })),
      downloadfiles: ctx.service.downloadFiles ? 1 : 0,
      uploadfiles: ctx.service.uploadFiles ? 1 : 0,
      release: RELEASE,
      version: VERSION,
      usercanmanageownfiles: ctx.hasCapability('moodle/user:manageownfiles'),
      userquota: limits.quota ?? 0,
      usermaxuploadfilesize: limits.reportedMaxBytes,
      userhomepage: 1,
      // Moodle's get_user_key('core_files', $USER->id): the key of tokenpluginfile.php.
      userprivateaccesskey: userPrivateAccessKey(ctx.deps.tokenSecret, u.id),
      siteid: SITEID,
      userissiteadmin: u.siteAdmin,
    };
  },
});

export const WEBSERVICE_FUNCTIONS = [getSiteInfo];
