import type { Deps } from '../deps';
import type { MoodleException } from './exceptions';

// Moodle's get_exception_info (lib/setuplib.php), as external_api::call_external_function hands it
// to lib/ajax/service.php and tool_mobile_call_external_functions: message, errorcode, link,
// moreinfourl, in that order, with `a` removed, and debuginfo (and the backtrace, which Gatehouse
// never sends) only at DEBUG_DEVELOPER.

/**
 * The documentation branch of the Moodle release whose web services Gatehouse follows (4.5), as
 * get_docs_url() builds it from $CFG->branch.
 */
const MOODLE_DOCS_BRANCH = '405';
const DOCS_ROOT = 'https://docs.moodle.org';

/** The error codes whose strings live in webservice's language file (module `webservice`). */
const WEBSERVICE_MODULE = new Set([
  'accessexception',
  'servicenotavailable',
  'servicerequireslogin',
  'errorinvalidparam',
  'errorcoursecontextnotvalid',
  'cannotgetcoursecontents',
  'invalidtoken',
  'wsaccessuserdeleted',
  'wsaccessusersuspended',
  'wsaccessusernologin',
  'wsaccessuserunconfirmed',
  'wsaccessuserexpired',
  'wsaccessusernotallowed',
]);

/** The exceptions constructed with module `debug` (invalid_parameter_exception & co.). */
const DEBUG_MODULE = new Set(['invalid_parameter_exception', 'invalid_response_exception', 'coding_exception']);

/** The language file an exception's string comes from, as get_exception_info names it in `moreinfourl`. */
function moduleOf(e: Pick<MoodleException, 'exception' | 'errorcode'>): string {
  if (DEBUG_MODULE.has(e.exception)) return 'debug';
  if (e.exception === 'webservice_access_exception' || WEBSERVICE_MODULE.has(e.errorcode)) return 'webservice';
  // Module `error` (or moodle/core) is linked as `moodle`.
  return 'moodle';
}

/** Whether Gatehouse's debugging level is Moodle's DEBUG_DEVELOPER, which alone adds debuginfo here. */
export function developerDebugging(deps: Deps): boolean {
  return deps.settings.get('debug') === 'developer';
}

export interface ExceptionInfo {
  message: string;
  errorcode: string;
  link: string;
  moreinfourl: string;
  debuginfo?: string;
}

/** The exception as get_exception_info describes it, cleaned as call_external_function sends it. */
export function exceptionInfo(deps: Deps, e: MoodleException): ExceptionInfo {
  const info: ExceptionInfo = {
    message: e.message,
    errorcode: e.errorcode,
    // No session, so no $SESSION->fromurl: the link is the site's front page.
    link: `${deps.env.wwwroot}/`,
    moreinfourl: `${DOCS_ROOT}/${MOODLE_DOCS_BRANCH}/en/error/${moduleOf(e)}/${e.errorcode}`,
  };
  if (e.debuginfo && developerDebugging(deps)) info.debuginfo = e.debuginfo;
  return info;
}
