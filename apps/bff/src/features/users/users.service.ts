import type { UserCreate, UserDto, UserListQuery, UserUpdate } from '@gatehouse/shared';
import { userListQuerySchema } from '@gatehouse/shared';
import { and, asc, count, desc, eq, inArray, or, type SQL } from 'drizzle-orm';
import { roleAssignments, type UserRow, users } from '../../db/schema';
import type { Deps } from '../../deps';
import { conflict, forbidden, HttpError, notFound } from '../../lib/http-error';
import { hashPassword } from '../../lib/password';
import { contains, searchCondition } from '../../lib/sql';
import { type Actor, writeAudit } from '../audit/audit.service';
import { endUserSessions } from '../auth/sessions';
import { assertNotStronger } from '../roles/escalation';
import { deleteTokensOf } from '../tokens/tokens-of';

export function toUserDto(u: UserRow): UserDto {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}

const SORTS = {
  username: [users.username],
  firstname: [users.firstname, users.lastname],
  lastname: [users.lastname, users.firstname],
  email: [users.email],
  timecreated: [users.timecreated],
  lastlogin: [users.lastlogin],
} as const;

export function listUsers(deps: Deps, input: UserListQuery) {
  const q = userListQuerySchema.parse(input);
  const where: SQL[] = [];
  const status = q.status ?? 'active';
  if (status !== 'deleted' && status !== 'all') where.push(eq(users.deleted, false));
  if (status === 'deleted') where.push(eq(users.deleted, true));
  if (status === 'suspended') where.push(eq(users.suspended, true));
  if (status === 'unconfirmed') where.push(eq(users.confirmed, false));
  const { db } = deps.store;
  if (q.search) {
    const s = q.search;
    const like = or(
      contains(users.username, s),
      contains(users.firstname, s),
      contains(users.lastname, s),
      contains(users.email, s),
    ) as SQL;
    where.push(
      searchCondition(db, users.id, 'users_search', ['username', 'firstname', 'lastname', 'email'], s, like).where,
    );
  }
  const cond = where.length ? and(...where) : undefined;
  const dir = q.dir === 'desc' ? desc : asc;
  // The page's ids from the index alone, then only those rows (a deep OFFSET skips index
  // entries, not table rows).
  const pageIds = db
    .select({ id: users.id })
    .from(users)
    .where(cond)
    .orderBy(...SORTS[q.sort].map((c) => dir(c)), dir(users.id))
    .limit(q.perPage)
    .offset((q.page - 1) * q.perPage)
    .all()
    .map((r) => r.id);
  const byId = new Map(
    (pageIds.length ? db.select().from(users).where(inArray(users.id, pageIds)).all() : []).map((u) => [u.id, u]),
  );
  const key = JSON.stringify(['users', status, q.search]);
  const total = deps.counts.get(key, () => db.select({ n: count() }).from(users).where(cond).get()?.n ?? 0);
  const items = pageIds.flatMap((id) => {
    const u = byId.get(id);
    return u ? [toUserDto(u)] : [];
  });
  return { items, total, page: q.page, perPage: q.perPage };
}

export function getUser(deps: Deps, id: number): UserRow {
  const u = deps.store.db.select().from(users).where(eq(users.id, id)).get();
  if (!u) throw notFound('User');
  return u;
}

function usernameTaken(deps: Deps, username: string, exceptId?: number): boolean {
  const row = deps.store.db.select({ id: users.id }).from(users).where(eq(users.username, username)).get();
  return !!row && row.id !== exceptId;
}

export async function createUser(deps: Deps, input: UserCreate, actor: Actor, actorIsAdmin: boolean): Promise<UserRow> {
  if (input.siteAdmin && !actorIsAdmin)
    throw forbidden('Only site administrators can make a user a site administrator');
  if (usernameTaken(deps, input.username)) {
    throw conflict('This username is already taken', { username: 'This username is already taken' });
  }
  const passwordHash = await hashPassword(input.password);
  const now = deps.now();
  const { password: _p, ...fields } = input;
  const row = deps.store.db.transaction((tx) => {
    const created = tx
      .insert(users)
      .values({ ...fields, passwordHash, timecreated: now, timemodified: now })
      .returning()
      .get();
    writeAudit(tx, actor, {
      action: 'user.create',
      targetType: 'user',
      targetId: created.id,
      summary: `Created user ${created.username}`,
      details: { ...fields },
    });
    return created;
  });
  deps.gen.bump();
  return row;
}

export async function updateUser(
  deps: Deps,
  id: number,
  patch: UserUpdate,
  actor: Actor,
  /**
   * `by` is the signed-in console user (undefined for trusted callers such as the CLI): they may
   * change another user only when that user holds no capability they lack.
   */
  ctx: { actorIsAdmin: boolean; sessionHash?: string; by?: UserRow },
): Promise<UserRow> {
  const user = getUser(deps, id);
  if (user.deleted) throw new HttpError(409, 'deleted', 'This user is deleted and cannot be edited');
  if (user.protected) throw new HttpError(403, 'protected', 'This user is protected and cannot be modified');
  if (patch.siteAdmin !== undefined && patch.siteAdmin !== user.siteAdmin && !ctx.actorIsAdmin) {
    throw forbidden('Only site administrators can grant or remove site administration');
  }
  if (user.siteAdmin && !ctx.actorIsAdmin) throw forbidden('Only site administrators can edit a site administrator');
  // Setting the password, the authentication or the suspension of a stronger user is taking
  // their account over (or locking them out): nothing of a stronger user's account is changed.
  assertNotStronger(deps, ctx.by, user, 'change');
  if (user.isGuest && (patch.siteAdmin || patch.username !== undefined)) {
    throw new HttpError(409, 'guest', 'The guest account cannot be renamed or made a site administrator');
  }
  if (id === actor.id) {
    if (patch.siteAdmin === false) throw new HttpError(409, 'self', 'You cannot remove your own site administration');
    if (patch.suspended === true) throw new HttpError(409, 'self', 'You cannot suspend yourself');
    if (patch.auth === 'nologin')
      throw new HttpError(409, 'self', 'You cannot set your own authentication to No login');
    // Both block a console login, so both would end the session making the change.
    if (patch.auth === 'webservice' && user.auth !== 'webservice')
      throw new HttpError(409, 'self', 'You cannot set your own authentication to Web services');
    if (patch.passwordExpired === true && !user.passwordExpired)
      throw new HttpError(409, 'self', 'You cannot expire your own password');
  }
  if (patch.username !== undefined && usernameTaken(deps, patch.username, id)) {
    throw conflict('This username is already taken', { username: 'This username is already taken' });
  }
  const { password, ...fields } = patch;
  const changed = Object.fromEntries(
    Object.entries(fields).filter(([k, v]) => user[k as keyof UserRow] !== v),
  ) as Partial<UserRow>;
  const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
  if (!Object.keys(changed).length && !passwordHash) return user;
  // The password hash took a while: the target may have grown stronger (or become a site
  // administrator) meanwhile. Checked again right before the write (nothing awaited between).
  if (ctx.by) {
    const now = getUser(deps, id);
    if (now.siteAdmin && !ctx.actorIsAdmin) throw forbidden('Only site administrators can edit a site administrator');
    assertNotStronger(deps, ctx.by, now, 'change');
  }
  const row = deps.store.db.transaction((tx) => {
    const updated = tx
      .update(users)
      .set({ ...changed, ...(passwordHash ? { passwordHash } : {}), timemodified: deps.now() })
      .where(eq(users.id, id))
      .returning()
      .get();
    // A new password, and every flag that blocks a console login (suspended, not confirmed, an
    // expired password, an auth method other than manual), end the user's console sessions.
    if (
      passwordHash ||
      changed.suspended ||
      changed.confirmed === false ||
      changed.passwordExpired === true ||
      changed.auth === 'nologin' ||
      changed.auth === 'webservice'
    ) {
      endUserSessions(tx, id, id === actor.id ? ctx.sessionHash : undefined);
    }
    const fieldsChanged = Object.keys(changed);
    if (passwordHash) fieldsChanged.push('password');
    writeAudit(tx, actor, {
      action: 'user.update',
      targetType: 'user',
      targetId: id,
      summary: `Updated user ${updated.username}: ${fieldsChanged.join(', ')}`,
      details: { changed },
    });
    return updated;
  });
  deps.gen.bump();
  return row;
}

/** Soft delete, as Moodle does: the row stays, marked deleted; sessions and role assignments go. */
export function deleteUser(deps: Deps, id: number, actor: Actor, by?: UserRow): UserRow {
  const user = getUser(deps, id);
  if (user.deleted) throw new HttpError(409, 'deleted', 'This user is already deleted');
  if (user.protected) throw new HttpError(403, 'protected', 'This user is protected and cannot be deleted');
  if (user.isGuest) throw new HttpError(409, 'guest', 'The guest account cannot be deleted');
  if (id === actor.id) throw new HttpError(409, 'self', 'You cannot delete yourself');
  if (user.siteAdmin) {
    throw new HttpError(
      409,
      'siteadmin',
      'Site administrators cannot be deleted: remove their site administration first',
    );
  }
  assertNotStronger(deps, by, user, 'delete');
  const row = deps.store.db.transaction((tx) => {
    const updated = tx
      .update(users)
      .set({ deleted: true, suspended: true, timemodified: deps.now() })
      .where(eq(users.id, id))
      .returning()
      .get();
    endUserSessions(tx, id);
    tx.delete(roleAssignments).where(eq(roleAssignments.userId, id)).run();
    const tokensDeleted = deleteTokensOf(tx, { userId: id });
    writeAudit(tx, actor, {
      action: 'user.delete',
      targetType: 'user',
      targetId: id,
      summary: `Deleted user ${user.username} and their ${tokensDeleted} token(s)`,
      details: { tokensDeleted },
    });
    return updated;
  });
  deps.gen.bump();
  return row;
}
