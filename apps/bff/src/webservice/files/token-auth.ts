import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import { AccessDenied, cachedToken, checkService, checkToken, loadToken } from '../access';
import type { TokenAccess } from '../access-cache';
import { MoodleException, moodleError, moodleExceptionOf } from '../exceptions';

// The token check of Moodle's file scripts (webservice::authenticate_user): web services on,
// the token found and valid, its user active, its service enabled and open to the user, as the
// protocols check them, without a protocol's use capability (no protocol is involved).

/** `Authorization: Bearer <token>`, which Gatehouse accepts beside Moodle's token parameter. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return m ? m[1] : undefined;
}

/**
 * The token's access, or Moodle's refusal (thrown). Counts as a use of the token (its last
 * access and address, its calls); a refusal counts too, under its reason (`script` names the
 * file script for the audit log's first occurrence: upload.php, pluginfile.php).
 */
export async function authenticate(
  deps: Deps,
  token: string | undefined,
  ip: string,
  script = 'file',
): Promise<TokenAccess> {
  if (token === undefined || token === '') {
    if (!deps.settings.flag('enablewebservices')) throw new AccessDenied('webservicesdisabled');
    deps.usage.recordUnknown(deps.now(), 'invalidtoken');
    throw moodleError('missingparam', 'A required parameter (token) was missing');
  }
  const found = cachedToken(deps, token) ?? (await loadToken(deps, token));
  try {
    if (!deps.settings.flag('enablewebservices')) throw new AccessDenied('webservicesdisabled');
    const held = checkToken(deps, null, found, ip);
    checkService(deps, held, ip);
    deps.usage.record(held.t.id, held.t.serviceId, deps.now(), ip);
    return held;
  } catch (err) {
    if (err instanceof AccessDenied) {
      if (found === undefined) deps.usage.recordUnknown(deps.now(), err.reason);
      else {
        const text = `${err.reason}: ${err.debuginfo ?? err.message}`;
        deps.usage.recordRefusal(found, deps.now(), ip, err.reason, text, script, 'file');
      }
    }
    throw err;
  }
}

/** Any error as the Moodle exception a client is shown (an unexpected one says no more than that). */
export function toMoodle(err: unknown): MoodleException {
  if (err instanceof MoodleException) return err;
  if (err instanceof DomainError) return moodleExceptionOf(err);
  return new MoodleException(
    'moodle_exception',
    'unexpectederror',
    'An unexpected error occurred. It has been logged.',
  );
}
