import { SETTING_DEFS } from '@gatehouse/shared';
import type { UserRow } from '../../db/rows';
import type { Deps } from '../../deps';

/**
 * The largest file the server takes in one upload whatever the settings say (Moodle's PHP
 * `upload_max_filesize`), the same for core_files_upload and webservice/upload.php: the former's
 * base64 form has to fit in a request body (4 MiB, the protocols' body limit), with 64 KiB left
 * for the other parameters. 3,096,576 bytes.
 */
export const SERVER_MAX_UPLOAD_BYTES = Math.floor((4 * 1024 * 1024 - 64 * 1024) / 4) * 3;

/** Moodle's USER_CAN_IGNORE_FILE_SIZE_LIMITS. */
const USER_CAN_IGNORE_FILE_SIZE_LIMITS = -1;

export interface UploadLimits {
  /** The largest file this user may upload now, in bytes (the server's limit for those who may ignore maxbytes). */
  maxBytes: number;
  /** As site info reports it (Moodle's get_user_max_upload_file_size): -1 when the user may ignore the limit. */
  reportedMaxBytes: number;
  /** The site's limit whoever uploads (Moodle's get_max_upload_file_size($CFG->maxbytes)). */
  siteMaxBytes: number;
  /** The user's quota in bytes, or null when they hold moodle/user:ignoreuserquota. */
  quota: number | null;
}

/**
 * The upload limits of a user, as Moodle computes them: `maxbytes` (0 = the server's limit)
 * capped by the server's limit unless the user holds moodle/course:ignorefilesizelimits, and
 * `userquota` unless they hold moodle/user:ignoreuserquota (site administrators hold both).
 */
export function uploadLimitsFor(deps: Deps, user: UserRow): UploadLimits {
  const site = sizeSetting(deps, 'maxbytes');
  const max = site > 0 ? Math.min(site, SERVER_MAX_UPLOAD_BYTES) : SERVER_MAX_UPLOAD_BYTES;
  const ignoreSize = deps.authz.has(user, 'moodle/course:ignorefilesizelimits');
  return {
    maxBytes: ignoreSize ? SERVER_MAX_UPLOAD_BYTES : max,
    reportedMaxBytes: ignoreSize ? USER_CAN_IGNORE_FILE_SIZE_LIMITS : max,
    siteMaxBytes: max,
    quota: deps.authz.has(user, 'moodle/user:ignoreuserquota') ? null : sizeSetting(deps, 'userquota'),
  };
}

/** A size setting as a number; a value the rules refuse (written to the database by hand) counts as the default. */
function sizeSetting(deps: Deps, name: 'maxbytes' | 'userquota'): number {
  const v = deps.settings.get(name);
  const last = parsedSizes[name];
  if (last && last.raw === v) return last.bytes;
  const def = SETTING_DEFS[name];
  const bytes = Number(def.schema.safeParse(v).success ? v : def.default);
  parsedSizes[name] = { raw: v, bytes };
  return bytes;
}

/** The last value each size setting had and what it came to (site info reads both on every call). */
const parsedSizes: Partial<Record<'maxbytes' | 'userquota', { raw: unknown; bytes: number }>> = {};
