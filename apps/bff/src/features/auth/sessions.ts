import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt, ne, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { sessions, type UserRow, users } from '../../db/schema';
import type { Deps } from '../../deps';
import { bestEffort, isDiskFull } from '../../lib/disk';
import { dropHeldSession, dropHeldUserSessions, heldSessionRow, holdSession, touchSession } from './memory-sessions';

export const sessionHash = (id: string) => createHash('sha256').update(id).digest('base64url');

export function cookieName(secure: boolean): string {
  // The __Host- prefix pins the cookie to this host and path, and requires Secure.
  return secure ? '__Host-gatehouse' : 'gatehouse_session';
}

/** Creates a session for the user and returns its id (256 random bits), which only the cookie holds. */
export function createSession(deps: Deps, userId: number, meta: { ip: string; userAgent: string }): string {
  const id = randomBytes(32).toString('base64url');
  const now = deps.now();
  const row = {
    idHash: sessionHash(id),
    userId,
    createdAt: now,
    lastSeenAt: now,
    ip: meta.ip,
    userAgent: meta.userAgent.slice(0, 300),
  };
  try {
    deps.store.db.insert(sessions).values(row).run();
  } catch (e) {
    // A full disk must not lock anybody out: the session is held in memory meanwhile.
    if (!isDiskFull(e) || !holdSession(deps, row)) throw e;
  }
  return id;
}

/**
 * Resolves a session id to its live user, ending the session when it is past its idle or
 * absolute timeout or its user may no longer sign in (every state that refuses a console login
 * ends a session too, however it was set: console, web service, CLI or another node). Last-seen
 * is written at most once a minute.
 */
export function resolveSession(deps: Deps, id: string): { user: UserRow; hash: string } | undefined {
  const hash = sessionHash(id);
  const row =
    deps.store.db
      .select()
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.idHash, hash))
      .get() ?? heldSessionRow(deps, hash);
  if (!row) return undefined;
  const now = deps.now();
  const idle = deps.env.GATEHOUSE_SESSION_IDLE_MINUTES * 60;
  const max = deps.env.GATEHOUSE_SESSION_MAX_HOURS * 3600;
  const u = row.users;
  const dead =
    now - row.sessions.lastSeenAt > idle ||
    now - row.sessions.createdAt > max ||
    u.deleted ||
    u.suspended ||
    !u.confirmed ||
    u.auth === 'nologin' ||
    u.auth === 'webservice' ||
    u.passwordExpired ||
    u.isGuest;
  if (dead) {
    bestEffort(deps.log, 'ending a dead session', () => endSession(deps.store.db, hash));
    return undefined;
  }
  // Skipped, not failed, when the disk is full: reading must not need a write.
  if (now - row.sessions.lastSeenAt >= 60) touchSession(deps, hash, now);
  return { user: u, hash };
}

export function endSession(db: DbOrTx, hash: string): void {
  dropHeldSession(hash);
  db.delete(sessions).where(eq(sessions.idHash, hash)).run();
}

/** Ends every session of a user, except one (the caller's own, when they change their own password). */
export function endUserSessions(db: DbOrTx, userId: number, exceptHash?: string): void {
  dropHeldUserSessions(userId, exceptHash);
  db.delete(sessions)
    .where(exceptHash ? and(eq(sessions.userId, userId), ne(sessions.idHash, exceptHash)) : eq(sessions.userId, userId))
    .run();
}

export function purgeExpiredSessions(deps: Deps): void {
  const now = deps.now();
  deps.store.db
    .delete(sessions)
    .where(
      or(
        lt(sessions.lastSeenAt, now - deps.env.GATEHOUSE_SESSION_IDLE_MINUTES * 60),
        lt(sessions.createdAt, now - deps.env.GATEHOUSE_SESSION_MAX_HOURS * 3600),
      ),
    )
    .run();
}
