import { type WriteActor, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { isDiskFull } from '../../lib/disk';
import type { Log } from '../../lib/log';
import { setLastLogin, type UserRow } from '../users/users.repo';
import { holdSession } from './memory-sessions';
import { bestEffortWrite, endSession, endSessionIn, logSkipped, newSession, sessionHash } from './sessions';
import { insertSession } from './sessions.repo';

// What signing in and out writes. On a full disk none of it may keep anybody out: a new
// session is held in memory (memory-sessions.ts) and the rest is skipped and logged.

/**
 * Starts a console session for a user whose login was accepted and returns its id, for the
 * cookie. One write: the session the browser presented before (`previousId`) ends (a new id
 * at every login: no fixation), the new one starts, the last login time and the audit row.
 */
export async function signIn(
  deps: Deps,
  log: Pick<Log, 'warn'>,
  user: UserRow,
  meta: { ip: string; userAgent: string },
  previousId?: string,
): Promise<string> {
  const { id, row } = newSession(deps, user.id, meta);
  const previous = previousId === undefined ? undefined : sessionHash(previousId);
  try {
    await withWrite(deps, async (tx, w) => {
      if (previous) await endSessionIn(tx, previous);
      await insertSession(tx, row);
      await setLastLogin(tx, user.id, row.createdAt);
      w.audit(
        { id: user.id, username: user.username, ip: meta.ip },
        { action: 'auth.login', targetType: 'user', targetId: user.id, summary: `${user.username} signed in` },
      );
    });
  } catch (e) {
    // A full disk must not lock anybody out: the session is held in memory meanwhile.
    if (!isDiskFull(e) || !holdSession(deps, row)) throw e;
    logSkipped(log, `the last login time of ${user.username}`);
    logSkipped(log, `the audit row of ${user.username}'s login`);
    if (previous) await bestEffortWrite(log, 'ending the previous session', () => endSession(deps, previous));
  }
  return id;
}

/** Ends the request's session (if any), with the audit row of the user's logout. */
export async function signOut(
  deps: Deps,
  log: Pick<Log, 'warn'>,
  actor: WriteActor,
  session: { hash?: string; user?: UserRow },
): Promise<void> {
  const { hash, user } = session;
  if (!hash && !user) return;
  try {
    await withWrite(deps, async (tx, w) => {
      if (hash) await endSessionIn(tx, hash);
      if (user)
        w.audit(actor, {
          action: 'auth.logout',
          targetType: 'user',
          targetId: user.id,
          summary: `${user.username} signed out`,
        });
    });
  } catch (e) {
    if (!isDiskFull(e)) throw e;
    if (user) logSkipped(log, `the audit row of ${user.username}'s logout`);
    // The session still ends: in memory when it was held, and in the database if it takes the delete.
    if (hash) await bestEffortWrite(log, 'ending a session', () => endSession(deps, hash));
  }
}

/** The audit row of a refused login; skipped (and logged) on a full disk, where every login would otherwise answer 500. */
export async function recordFailedLogin(
  deps: Deps,
  log: Pick<Log, 'warn'>,
  actor: WriteActor,
  event: { targetId?: number; summary: string },
): Promise<void> {
  await bestEffortWrite(log, 'the audit row of a failed login', () =>
    withWrite(deps, (_tx, w) =>
      w.audit(actor, {
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: event.targetId,
        summary: event.summary,
      }),
    ),
  );
}
