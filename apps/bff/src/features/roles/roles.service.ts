import type { Permission, RoleCreate, RoleDto, RoleUpdate, UserDto } from '@gatehouse/shared';
import { roleCreateSchema } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import type { UserRow } from '../../db/rows';
import { withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { conflict, DomainError, forbidden, notFound } from '../../lib/errors';
import type { Actor } from '../audit/audit.service';
import { findUser } from '../users/users.repo';
import { toUserDto } from '../users/users.service';
import { AUTHENTICATED_ROLE, GUEST_ROLE } from './authz';
import { assertMayDefineRole, assertMayLiftProhibits, type CapabilityChange } from './escalation';
import {
  countRoleAssignments,
  deleteRoleAssignment,
  deleteRoleRow,
  findRole,
  findRoleByName,
  findRoleByShortname,
  hasRoleAssignment,
  insertRole,
  insertRoleAssignment,
  insertRoleCapabilities,
  listRoleHolders,
  listRoleRows,
  maxRoleSortorder,
  putRolePermission,
  type RoleFields,
  type RoleRow,
  roleCapabilityRows,
  updateRoleRow,
} from './roles.repo';

// The console's roles: definitions, capabilities and assignments. Each change is one write
// (withWrite) with its audit row; it names the role (and the user) it changed, and awaits the
// capability checks' reload (authz.ready()) before it returns, so that the caller's next check
// sees it as the next request does.

const isAutomatic = (shortname: string) => shortname === AUTHENTICATED_ROLE || shortname === GUEST_ROLE;

async function loadRole(db: DbOrTx, id: number): Promise<RoleRow> {
  const r = await findRole(db, id);
  if (!r) throw notFound('Role');
  return r;
}

async function capabilitiesOf(db: DbOrTx, roleId: number): Promise<Record<string, Permission>> {
  const caps: Record<string, Permission> = {};
  for (const rc of await roleCapabilityRows(db, roleId)) caps[rc.capability] = rc.permission;
  return caps;
}

async function toDto(db: DbOrTx, r: RoleRow): Promise<RoleDto> {
  return {
    id: r.id,
    shortname: r.shortname,
    name: r.name,
    description: r.description,
    archetype: r.archetype,
    automatic: isAutomatic(r.shortname),
    protected: r.protected,
    capabilities: await capabilitiesOf(db, r.id),
    assignedCount: await countRoleAssignments(db, r.id),
  };
}

export async function listRoles(deps: Deps): Promise<RoleDto[]> {
  const db = deps.store.db;
  const out: RoleDto[] = [];
  for (const r of await listRoleRows(db)) out.push(await toDto(db, r));
  return out;
}

export async function getRole(deps: Deps, id: number): Promise<RoleDto> {
  return toDto(deps.store.db, await loadRole(deps.store.db, id));
}

async function assertUnique(db: DbOrTx, field: 'shortname' | 'name', value: string, exceptId?: number) {
  const row = field === 'name' ? await findRoleByName(db, value) : await findRoleByShortname(db, value);
  if (row && row.id !== exceptId) {
    const label = field === 'name' ? 'name' : 'short name';
    throw conflict(`A role with this ${label} already exists`, { [field]: `A role with this ${label} already exists` });
  }
}

/**
 * Creates a role. `by` is the console user who asks (undefined for trusted callers): they may
 * not allow a capability they do not hold.
 */
export async function createRole(deps: Deps, input: RoleCreate, actor: Actor, by?: UserRow): Promise<RoleDto> {
  const data = roleCreateSchema.parse(input);
  assertMayDefineRole(
    deps,
    by,
    undefined,
    Object.entries(data.capabilities).map(([capability, after]) => ({ capability, before: 'notset', after })),
  );
  const role = await withWrite(deps, async (tx, w) => {
    await assertUnique(tx, 'shortname', data.shortname);
    await assertUnique(tx, 'name', data.name);
    const sortorder = (await maxRoleSortorder(tx)) + 1;
    const created = await insertRole(tx, {
      shortname: data.shortname,
      name: data.name,
      description: data.description,
      sortorder,
    });
    await insertRoleCapabilities(tx, created.id, data.capabilities);
    w.audit(actor, {
      action: 'role.create',
      targetType: 'role',
      targetId: created.id,
      summary: `Created role ${created.name}`,
      details: { shortname: created.shortname, capabilities: data.capabilities },
    });
    w.invalidate({ kind: 'roles', id: created.id });
    return toDto(tx, created);
  });
  await deps.authz.ready();
  return role;
}

/**
 * Updates a role. `by` is the console user who asks (undefined for trusted callers): unless a
 * site administrator, they may not allow or lift a prohibit on a capability they do not hold,
 * nor change the automatic roles' capabilities without moodle/site:config.
 */
export async function updateRole(
  deps: Deps,
  id: number,
  patch: RoleUpdate,
  actor: Actor,
  by?: UserRow,
): Promise<RoleDto> {
  const role = await withWrite(deps, async (tx, w) => {
    const role = await loadRole(tx, id);
    if (role.protected) throw new DomainError('protected', 'This role is protected and cannot be modified');
    const before = await capabilitiesOf(tx, id);
    const capChanges = Object.entries(patch.capabilities ?? {}).filter(([cap, p]) => (before[cap] ?? 'notset') !== p);
    assertMayDefineRole(
      deps,
      by,
      role,
      capChanges.map(
        ([capability, after]): CapabilityChange => ({ capability, before: before[capability] ?? 'notset', after }),
      ),
    );
    if (patch.name !== undefined) await assertUnique(tx, 'name', patch.name, id);
    const fields: RoleFields = {};
    if (patch.name !== undefined && patch.name !== role.name) fields.name = patch.name;
    if (patch.description !== undefined && patch.description !== role.description)
      fields.description = patch.description;
    if (Object.keys(fields).length) await updateRoleRow(tx, id, fields);
    for (const [capability, permission] of capChanges) {
      await putRolePermission(tx, id, capability, permission === 'notset' ? null : permission);
    }
    if (Object.keys(fields).length || capChanges.length) {
      w.audit(actor, {
        action: 'role.update',
        targetType: 'role',
        targetId: id,
        summary: `Updated role ${fields.name ?? role.name}${capChanges.length ? `: ${capChanges.map(([c, p]) => `${c} → ${p}`).join(', ')}` : ''}`,
        details: { fields, capabilities: Object.fromEntries(capChanges) },
      });
      w.invalidate({ kind: 'roles', id });
    }
    return toDto(tx, await loadRole(tx, id));
  });
  await deps.authz.ready();
  return role;
}

export async function deleteRole(deps: Deps, id: number, actor: Actor, by?: UserRow): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const role = await loadRole(tx, id);
    if (role.protected) throw new DomainError('protected', 'This role is protected and cannot be deleted');
    if (isAutomatic(role.shortname)) {
      throw new DomainError('automatic', `The ${role.name} role is given automatically and cannot be deleted`);
    }
    assertMayLiftProhibits(deps, by, await capabilitiesOf(tx, id), 'delete');
    // Its capabilities and assignments go with it: every holder's checks change.
    await deleteRoleRow(tx, id);
    w.audit(actor, {
      action: 'role.delete',
      targetType: 'role',
      targetId: id,
      summary: `Deleted role ${role.name}`,
    });
    w.invalidate({ kind: 'roles', id });
  });
  await deps.authz.ready();
}

export async function listAssignments(deps: Deps, roleId: number): Promise<UserDto[]> {
  await loadRole(deps.store.db, roleId);
  return (await listRoleHolders(deps.store.db, roleId)).map(toUserDto);
}

/**
 * A user who is not a site administrator may only hand out what they hold themselves: a role
 * that allows a capability the assigner lacks would raise privileges (Moodle limits this with
 * its allow-assign table; here the rule is derived from the capabilities).
 */
function assertNoEscalation(
  deps: Deps,
  caps: Record<string, Permission>,
  assigner: UserRow | undefined,
  removing = false,
): void {
  if (!assigner || assigner.siteAdmin) return;
  // Taking a role away lifts its prohibits: as much an escalation as handing out its allows.
  if (removing) assertMayLiftProhibits(deps, assigner, caps, 'remove');
  const beyond = Object.entries(caps)
    .filter(([c, p]) => p === 'allow' && !deps.authz.has(assigner, c))
    .map(([c]) => c);
  if (beyond.length) {
    throw new DomainError(
      'forbidden',
      `You cannot assign a role that allows capabilities you do not have: ${beyond.join(', ')}`,
    );
  }
}

/**
 * The hub's roles and users are its own (never delete or modify them, says the seed): no role
 * is assigned to or removed from a protected user, and no one gets or loses a protected role here.
 */
function refuseProtectedAssignment(role: RoleRow, user: UserRow | undefined): void {
  if (role.protected) {
    throw new DomainError('protected', `The role ${role.name} is protected: it cannot be assigned or unassigned`);
  }
  if (user?.protected) {
    throw new DomainError('protected', `The user ${user.username} is protected: their roles cannot be changed`);
  }
}

/** Only a site administrator gives a site administrator a role, or takes one away. */
function refuseSiteAdminTarget(user: UserRow | undefined, assigner: UserRow | undefined): void {
  if (!assigner || assigner.siteAdmin) return;
  if (user?.siteAdmin) throw forbidden('Only site administrators can change the roles of a site administrator');
}

/**
 * The role and the user of an assignment being given (or, `removing`, taken away), after the
 * checks both share: protected roles and users, site administrators, and escalation.
 */
async function assignmentParties(
  deps: Deps,
  tx: DbOrTx,
  roleId: number,
  userId: number,
  assigner: UserRow | undefined,
  removing: boolean,
) {
  const role = await loadRole(tx, roleId);
  const user = await findUser(tx, userId);
  refuseProtectedAssignment(role, user);
  refuseSiteAdminTarget(user, assigner);
  assertNoEscalation(deps, await capabilitiesOf(tx, roleId), assigner, removing);
  return { role, user };
}

export async function assignRole(
  deps: Deps,
  roleId: number,
  userId: number,
  actor: Actor,
  assigner?: UserRow,
): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const { role, user } = await assignmentParties(deps, tx, roleId, userId, assigner, false);
    if (isAutomatic(role.shortname)) {
      throw new DomainError('automatic', `The ${role.name} role is given automatically and cannot be assigned`);
    }
    if (!user) throw notFound('User');
    if (user.deleted) throw new DomainError('deleted', 'A deleted user cannot be given a role');
    if (user.isGuest) throw new DomainError('guest', 'The guest account cannot be given a role');
    if (await hasRoleAssignment(tx, roleId, userId))
      throw conflict(`${user.username} already has the role ${role.name}`);
    await insertRoleAssignment(tx, roleId, userId, deps.now());
    w.audit(actor, {
      action: 'role.assign',
      targetType: 'user',
      targetId: userId,
      summary: `Assigned role ${role.name} to ${user.username}`,
      details: { roleId },
    });
    w.invalidate({ kind: 'user', id: userId }, { kind: 'roles', id: roleId });
  });
  await deps.authz.ready();
}

export async function unassignRole(
  deps: Deps,
  roleId: number,
  userId: number,
  actor: Actor,
  assigner?: UserRow,
): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const { role, user } = await assignmentParties(deps, tx, roleId, userId, assigner, true);
    if (!(await deleteRoleAssignment(tx, roleId, userId))) throw notFound('Role assignment');
    w.audit(actor, {
      action: 'role.unassign',
      targetType: 'user',
      targetId: userId,
      summary: `Removed role ${role.name} from ${user?.username ?? `user ${userId}`}`,
      details: { roleId },
    });
    w.invalidate({ kind: 'user', id: userId }, { kind: 'roles', id: roleId });
  });
  await deps.authz.ready();
}
