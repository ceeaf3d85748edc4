import { createHash, randomBytes } from 'node:crypto';
import type { DbOrTx } from '../../db/client';
import { withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { isDiskFull } from '../../lib/disk';
import type { Log } from '../../lib/log';
import { findUser, type UserRow } from '../users/users.repo';
import { dropHeldSession, dropHeldUserSessions, heldSession, releaseHeldSession } from './memory-sessions';
import {
  deleteSession,
  deleteSessionsOf,
  deleteSessionsOlderThan,
  findSessionWithUser,
  insertSessionIfAbsent,
  type SessionRow,
  setSessionLastSeen,
} from './sessions.repo';

export const sessionHash = (id: string) => createHash('sha256').update(id).digest('base64url');

export function cookieName(secure: boolean): string {
  // The __Host- prefix pins the cookie to this host and path, and requires Secure.
  return secure ? '__Host-gatehouse' : 'gatehouse_session';
}

/** Logs a write skipped because the disk is full. */
export function logSkipped(log: Pick<Log, 'warn'>, what: string): void {
  log.warn({ skipped: what }, `Disk full: skipped ${what}`);
}

/**
 * Runs a write that a request can do without (an audit row of a login, a last-seen time): when
 * the disk is full it is logged and skipped instead of failing the request (withWrite has rolled
 * it back). Every other error is thrown as usual.
 */
export async function bestEffortWrite<T>(
  log: Pick<Log, 'warn'>,
  what: string,
  write: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await write();
  } catch (e) {
    if (!isDiskFull(e)) throw e;
    logSkipped(log, what);
    return undefined;
  }
}

/** A new session of the user: its id (256 random bits), which only the cookie holds, and its row. */
export function newSession(
  deps: Pick<Deps, 'now'>,
  userId: number,
  meta: { ip: string; userAgent: string },
): { id: string; row: SessionRow } {
  const id = randomBytes(32).toString('base64url');
  const now = deps.now();
  return {
    id,
    row: {
      idHash: sessionHash(id),
      userId,
      createdAt: now,
      lastSeenAt: now,
      ip: meta.ip,
      userAgent: meta.userAgent.slice(0, 300),
    },
  };
}

/** A session held in memory (full disk), with its user, as the database would return it. */
async function heldSessionWithUser(
  deps: Deps,
  hash: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const s = heldSession(hash);
  if (!s) return undefined;
  const user = await findUser(deps.store.db, s.userId);
  if (!user) {
    dropHeldSession(hash);
    return undefined;
  }
  return { session: { ...s }, user };
}

/**
 * Resolves a session id to its live user, ending the session when it is past its idle or
 * absolute timeout or its user may no longer sign in (every state that refuses a console login
 * ends a session too, however it was set: console, web service, CLI or another node). Last-seen
 * is written at most once a minute.
 */
export async function resolveSession(deps: Deps, id: string): Promise<{ user: UserRow; hash: string } | undefined> {
  const hash = sessionHash(id);
  const found = (await findSessionWithUser(deps.store.db, hash)) ?? (await heldSessionWithUser(deps, hash));
  if (!found) return undefined;
  const now = deps.now();
  const idle = deps.env.GATEHOUSE_SESSION_IDLE_MINUTES * 60;
  const max = deps.env.GATEHOUSE_SESSION_MAX_HOURS * 3600;
  const { session, user: u } = found;
  const dead =
    now - session.lastSeenAt > idle ||
    now - session.createdAt > max ||
    u.deleted ||
    u.suspended ||
    !u.confirmed ||
    u.auth === 'nologin' ||
    u.auth === 'webservice' ||
    u.passwordExpired ||
    u.isGuest;
  if (dead) {
    await bestEffortWrite(deps.log, 'ending a dead session', () => endSession(deps, hash));
    return undefined;
  }
  // Skipped, not failed, when the disk is full: reading must not need a write.
  if (now - session.lastSeenAt >= 60) await touchSession(deps, hash, now);
  return { user: u, hash };
}

/**
 * Writes a session's last-seen time: in the database (skipped when the disk is full), or for a
 * held session in memory, after trying to move it into the database.
 */
async function touchSession(deps: Deps, hash: string, now: number): Promise<void> {
  const s = heldSession(hash);
  if (!s) {
    await bestEffortWrite(deps.log, 'a session last-seen update', () =>
      withWrite(deps, (tx) => setSessionLastSeen(tx, hash, now)),
    );
    return;
  }
  s.lastSeenAt = now;
  const stored = await bestEffortWrite(deps.log, 'moving a held session into the database', () =>
    withWrite(deps, async (tx) => {
      // Ended (signed out, the password changed) while this write waited its turn: not stored
      // again, even if the end's own delete does not reach the disk.
      if (heldSession(hash) !== s) return false;
      await insertSessionIfAbsent(tx, s);
      return true;
    }),
  );
  if (stored) releaseHeldSession(s);
}

/** Ends a session, held or stored, as its own write. */
export async function endSession(deps: Deps, hash: string): Promise<void> {
  // A held session (full disk) ends in memory even when the database refuses the delete.
  dropHeldSession(hash);
  await withWrite(deps, (tx) => endSessionIn(tx, hash));
}

/** Ends a session, as part of the caller's write. */
export async function endSessionIn(tx: DbOrTx, hash: string): Promise<void> {
  dropHeldSession(hash);
  await deleteSession(tx, hash);
}

/**
 * Ends every session of a user, except one (the caller's own, when they change their own
 * password), as part of the caller's write: whatever ends a user's sessions (a new password,
 * a flag that blocks a console login, a deletion) commits with it.
 */
export async function endUserSessionsIn(tx: DbOrTx, userId: number, exceptHash?: string): Promise<void> {
  dropHeldUserSessions(userId, exceptHash);
  await deleteSessionsOf(tx, userId, exceptHash);
}

export async function purgeExpiredSessions(deps: Deps): Promise<void> {
  const now = deps.now();
  await withWrite(deps, (tx) =>
    deleteSessionsOlderThan(tx, {
      seenBefore: now - deps.env.GATEHOUSE_SESSION_IDLE_MINUTES * 60,
      createdBefore: now - deps.env.GATEHOUSE_SESSION_MAX_HOURS * 3600,
    }),
  );
}
