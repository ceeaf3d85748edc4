import type { ListPageDto, UserBulkSuspend, UserCreate, UserDto, UserListQuery, UserUpdate } from '@gatehouse/shared';
import { LIST_COUNT_CAP, userListQuerySchema } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteScope, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { conflict, DomainError, forbidden, notFound } from '../../lib/errors';
import { decodeCursor, encodeCursor } from '../../lib/list-cursor';
import { hashPassword } from '../../lib/password';
import type { Actor } from '../audit/audit.service';
import { endUserSessionsIn } from '../auth/sessions';
import { assertNotStronger } from '../roles/escalation';
import { deleteTokensOf } from '../tokens/tokens-of';
import {
  deleteRoleAssignmentsOf,
  findUserByUsername as findByUsername,
  findUser,
  findUsersByIds,
  insertUser,
  markUserDeleted,
  type UserRow,
  updateUserRow,
  userIdByUsername,
  userPage,
  userSortKey,
  userSortKeySize,
} from './users.repo';

export function toUserDto(u: UserRow): UserDto {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}

/**
 * Browse list of users, filtered, sorted and paged in the database: by keyset with `cursor` (the
 * `next` and `prev` of the page before), else by page number. The total is counted up to
 * LIST_COUNT_CAP ("10 000+") and cached per filter until the database changes.
 */
export async function listUsers(deps: Deps, input: UserListQuery): Promise<ListPageDto<UserDto>> {
  const q = userListQuerySchema.parse(input);
  const what = `users.${q.sort}.${q.dir}`;
  const seek = q.cursor ? decodeCursor(q.cursor, what, userSortKeySize(q.sort)) : undefined;
  const page = await userPage(deps.store.db, {
    status: q.status,
    search: q.search,
    sort: q.sort,
    dir: q.dir,
    perPage: q.perPage,
    page: q.page,
    seek,
  });
  const key = JSON.stringify(['users', q.status, q.search]);
  const counted = await deps.counts.getAsync(key, () => page.count(LIST_COUNT_CAP));
  const first = page.rows[0];
  const last = page.rows.at(-1);
  return {
    items: page.rows.map(toUserDto),
    total: Math.min(counted, LIST_COUNT_CAP),
    totalCapped: counted > LIST_COUNT_CAP,
    next: page.hasNext && last ? encodeCursor(what, 'after', userSortKey(q.sort, last)) : null,
    prev: page.hasPrev && first ? encodeCursor(what, 'before', userSortKey(q.sort, first)) : null,
    page: q.page,
    perPage: q.perPage,
  };
}

/** Why a user cannot be suspended or unsuspended from the list, or undefined when they can. */
function suspendRefusal(deps: Deps, u: UserRow, suspended: boolean, actor: Actor, by?: UserRow): string | undefined {
  if (u.deleted) return 'deleted';
  if (u.protected) return 'protected';
  if (u.isGuest) return 'the guest account';
  if (u.id === actor.id) return suspended ? 'yourself' : undefined;
  // Moodle's admin/user.php offers no suspension of site administrators (nor of oneself).
  if (u.siteAdmin) return 'a site administrator';
  try {
    assertNotStronger(deps, by, u, 'change');
  } catch {
    return 'holds capabilities you lack';
  }
  return undefined;
}

/**
 * Suspends (or unsuspends) the users named, all or none: a user who cannot be (deleted,
 * protected, the guest, oneself, a site administrator, stronger than the actor) refuses the whole
 * request, naming them. Users already in that state are left as they are. Each change is audited
 * as a user update and ends the suspended user's console sessions; their tokens stop at once
 * (the user is invalidated).
 */
export async function bulkSuspendUsers(
  deps: Deps,
  input: UserBulkSuspend,
  actor: Actor,
  by?: UserRow,
): Promise<{ count: number }> {
  const ids = [...new Set(input.ids)];
  return withWrite(deps, async (tx, w) => {
    const found = await findUsersByIds(tx, ids);
    const byId = new Map(found.map((u) => [u.id, u]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) {
      throw new DomainError('invalid', `No user with id ${missing.slice(0, 5).join(', ')}`, {
        ids: 'Some of the selected users no longer exist',
      });
    }
    const refused = found.flatMap((u) => {
      const why = suspendRefusal(deps, u, input.suspended, actor, by);
      return why ? [`${u.username} (${why})`] : [];
    });
    if (refused.length) {
      const verb = input.suspended ? 'suspended' : 'unsuspended';
      const shown = refused.slice(0, 5).join(', ');
      throw new DomainError(
        'invalid',
        `These users cannot be ${verb}: ${shown}${refused.length > 5 ? ` and ${refused.length - 5} more` : ''}`,
        { ids: `${refused.length} of the selected users cannot be ${verb}` },
      );
    }
    let count = 0;
    const now = deps.now();
    for (const id of ids) {
      const u = byId.get(id) as UserRow;
      if (u.suspended === input.suspended) continue;
      await updateUserRow(tx, id, { suspended: input.suspended, timemodified: now });
      if (input.suspended) await endUserSessionsIn(tx, id);
      w.audit(actor, {
        action: 'user.update',
        targetType: 'user',
        targetId: id,
        summary: `${input.suspended ? 'Suspended' : 'Unsuspended'} user ${u.username} (bulk action)`,
        details: { changed: { suspended: input.suspended }, bulk: true },
      });
      w.invalidate({ kind: 'user', id });
      count++;
    }
    return { count };
  });
}

export async function getUser(deps: Deps, id: number): Promise<UserRow> {
  const u = await findUser(deps.store.db, id);
  if (!u) throw notFound('User');
  return u;
}

/** The user with this username (stored in lower case), deleted or not. */
export function findUserByUsername(deps: Deps, username: string): Promise<UserRow | undefined> {
  return findByUsername(deps.store.db, username.toLowerCase());
}

async function usernameTaken(db: DbOrTx, username: string, exceptId?: number): Promise<boolean> {
  const id = await userIdByUsername(db, username);
  return id !== undefined && id !== exceptId;
}

const usernameConflict = () =>
  conflict('This username is already taken', { username: 'This username is already taken' });

export async function createUser(deps: Deps, input: UserCreate, actor: Actor, actorIsAdmin: boolean): Promise<UserRow> {
  if (input.siteAdmin && !actorIsAdmin)
    throw forbidden('Only site administrators can make a user a site administrator');
  if (await usernameTaken(deps.store.db, input.username)) throw usernameConflict();
  // Hashing takes a while: before the write, which may wait for nothing but the database.
  const passwordHash = await hashPassword(input.password);
  const now = deps.now();
  const { password: _p, ...fields } = input;
  return withWrite(deps, async (tx, w) => {
    // Taken while the password was hashed: answered as before the hash.
    if (await usernameTaken(tx, fields.username)) throw usernameConflict();
    const created = await insertUser(tx, { ...fields, passwordHash, timecreated: now, timemodified: now });
    w.audit(actor, {
      action: 'user.create',
      targetType: 'user',
      targetId: created.id,
      summary: `Created user ${created.username}`,
      details: { ...fields },
    });
    w.invalidate({ kind: 'user', id: created.id });
    return created;
  });
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
  const user = await getUser(deps, id);
  if (user.deleted) throw new DomainError('deleted', 'This user is deleted and cannot be edited');
  if (user.protected) throw new DomainError('protected', 'This user is protected and cannot be modified');
  if (patch.siteAdmin !== undefined && patch.siteAdmin !== user.siteAdmin && !ctx.actorIsAdmin) {
    throw forbidden('Only site administrators can grant or remove site administration');
  }
  if (user.siteAdmin && !ctx.actorIsAdmin) throw forbidden('Only site administrators can edit a site administrator');
  // Setting the password, the authentication or the suspension of a stronger user is taking
  // their account over (or locking them out): nothing of a stronger user's account is changed.
  assertNotStronger(deps, ctx.by, user, 'change');
  if (user.isGuest && (patch.siteAdmin || patch.username !== undefined)) {
    throw new DomainError('guest', 'The guest account cannot be renamed or made a site administrator');
  }
  if (id === actor.id) {
    if (patch.siteAdmin === false) throw new DomainError('self', 'You cannot remove your own site administration');
    if (patch.suspended === true) throw new DomainError('self', 'You cannot suspend yourself');
    if (patch.auth === 'nologin') throw new DomainError('self', 'You cannot set your own authentication to No login');
    // Both block a console login, so both would end the session making the change.
    if (patch.auth === 'webservice' && user.auth !== 'webservice')
      throw new DomainError('self', 'You cannot set your own authentication to Web services');
    if (patch.passwordExpired === true && !user.passwordExpired)
      throw new DomainError('self', 'You cannot expire your own password');
  }
  if (patch.username !== undefined && (await usernameTaken(deps.store.db, patch.username, id))) {
    throw usernameConflict();
  }
  const { password, ...fields } = patch;
  const changed = Object.fromEntries(
    Object.entries(fields).filter(([k, v]) => user[k as keyof UserRow] !== v),
  ) as Partial<UserRow>;
  // Hashing takes a while: before the write, which may wait for nothing but the database.
  const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
  if (!Object.keys(changed).length && !passwordHash) return user;
  return withWrite(deps, async (tx, w) => {
    // The password hash took a while: the target may have grown stronger (or become a site
    // administrator), or the username been taken, meanwhile. Checked again inside the write.
    if (ctx.by) {
      const now = await findUser(tx, id);
      if (!now) throw notFound('User');
      if (now.siteAdmin && !ctx.actorIsAdmin) throw forbidden('Only site administrators can edit a site administrator');
      assertNotStronger(deps, ctx.by, now, 'change');
    }
    if (changed.username !== undefined && (await usernameTaken(tx, changed.username, id))) throw usernameConflict();
    const updated = await updateUserRow(tx, id, {
      ...changed,
      ...(passwordHash ? { passwordHash } : {}),
      timemodified: deps.now(),
    });
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
      await endUserSessionsIn(tx, id, id === actor.id ? ctx.sessionHash : undefined);
    }
    const fieldsChanged = Object.keys(changed);
    if (passwordHash) fieldsChanged.push('password');
    w.audit(actor, {
      action: 'user.update',
      targetType: 'user',
      targetId: id,
      summary: `Updated user ${updated.username}: ${fieldsChanged.join(', ')}`,
      details: { changed },
    });
    w.invalidate({ kind: 'user', id });
    return updated;
  });
}

/** Soft delete, as Moodle does: the row stays, marked deleted; sessions, role assignments and tokens go. */
export function deleteUser(deps: Deps, id: number, actor: Actor, by?: UserRow): Promise<UserRow> {
  return withWrite(deps, (tx, w) => deleteUserIn(tx, w, deps, id, actor, by));
}

/** `deleteUser` as part of the caller's write (several users deleted all or none). */
export async function deleteUserIn(
  tx: DbOrTx,
  w: WriteScope,
  deps: Deps,
  id: number,
  actor: Actor,
  by?: UserRow,
): Promise<UserRow> {
  const user = await findUser(tx, id);
  if (!user) throw notFound('User');
  if (user.deleted) throw new DomainError('deleted', 'This user is already deleted');
  if (user.protected) throw new DomainError('protected', 'This user is protected and cannot be deleted');
  if (user.isGuest) throw new DomainError('guest', 'The guest account cannot be deleted');
  if (id === actor.id) throw new DomainError('self', 'You cannot delete yourself');
  if (user.siteAdmin) {
    throw new DomainError('siteadmin', 'Site administrators cannot be deleted: remove their site administration first');
  }
  assertNotStronger(deps, by, user, 'delete');
  const updated = await markUserDeleted(tx, id, deps.now());
  await endUserSessionsIn(tx, id);
  await deleteRoleAssignmentsOf(tx, id);
  const tokensDeleted = await deleteTokensOf(tx, w, { userId: id });
  w.audit(actor, {
    action: 'user.delete',
    targetType: 'user',
    targetId: id,
    summary: `Deleted user ${user.username} and their ${tokensDeleted} token(s)`,
    details: { tokensDeleted },
  });
  w.invalidate({ kind: 'user', id }, { kind: 'roles' });
  return updated;
}
