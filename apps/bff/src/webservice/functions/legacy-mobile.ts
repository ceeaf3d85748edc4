import type { ExternalFunction } from '../types';
import { ENROL_FUNCTIONS } from './enrol';
import { MESSAGE_FUNCTIONS } from './message';
import { NOTES_FUNCTIONS } from './notes';
import { PARTICIPANTS_FUNCTIONS } from './participants';
import { WEBSERVICE_FUNCTIONS } from './webservice';

// The pre-2.2 names the seed era's Moodle Mobile app (moodlehq/moodlemobile) calls, kept as
// deprecated aliases in the built-in mobile service as Moodle 2.2–2.8 kept them (lib/db/services.php,
// "Moodle mobile web service"; Moodle removed them in 3.1). Each is its current function under the
// old name: the same parameters, returns, capabilities and code, so a change to the function is a
// change to its alias.

/** The function of `list` named `name` (a name the catalogue's own test keeps existing). */
function current(list: readonly ExternalFunction[], name: string): ExternalFunction {
  const fn = list.find((f) => f.name === name);
  if (!fn) throw new Error(`No external function ${name} to alias`);
  return fn;
}

/** `fn` under its pre-2.2 name, deprecated in favour of it, in the built-in mobile service. */
function legacyAlias(legacyName: string, fn: ExternalFunction): ExternalFunction {
  return {
    ...fn,
    name: legacyName,
    description: `DEPRECATED: this deprecated function will be removed in a future version. This function has been renamed as ${fn.name}(). ${fn.description}`,
    deprecated: { since: '2.2', replacedBy: fn.name },
    services: ['moodle_mobile_app'],
  };
}

export const LEGACY_MOBILE_FUNCTIONS: readonly ExternalFunction[] = [
  legacyAlias('moodle_webservice_get_siteinfo', current(WEBSERVICE_FUNCTIONS, 'core_webservice_get_site_info')),
  legacyAlias('moodle_enrol_get_users_courses', current(ENROL_FUNCTIONS, 'core_enrol_get_users_courses')),
  legacyAlias('moodle_user_get_users_by_courseid', current(PARTICIPANTS_FUNCTIONS, 'core_enrol_get_enrolled_users')),
  legacyAlias(
    'moodle_user_get_course_participants_by_id',
    current(PARTICIPANTS_FUNCTIONS, 'core_user_get_course_user_profiles'),
  ),
  legacyAlias('moodle_notes_create_notes', current(NOTES_FUNCTIONS, 'core_notes_create_notes')),
  legacyAlias('moodle_message_send_instantmessages', current(MESSAGE_FUNCTIONS, 'core_message_send_instant_messages')),
];
