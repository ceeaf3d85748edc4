import type { Permission, RoleCreate, RoleDto, RoleUpdate } from '@gatehouse/shared';
import { roleCreateSchema } from '@gatehouse/shared';
import { and, asc, count, eq } from 'drizzle-orm';
import { roleAssignments, roleCapabilities, roles, type UserRow, users } from '../../db/schema';
import { writeAudit } from '../../db/write';
import type { Deps } from '../../deps';
import { conflict, DomainError, forbidden, notFound } from '../../lib/errors';
import type { Actor } from '../audit/audit.service';
import { toUserDto } from '../users/users.service';
import { AUTHENTICATED_ROLE, GUEST_ROLE } from './authz';
import { assertMayDefineRole, assertMayLiftProhibits, type CapabilityChange } from './escalation';

const isAutomatic = (shortname: string) => shortname === AUTHENTICATED_ROLE || shortname === GUEST_ROLE;

function loadRole(deps: Deps, id: number) {
  const r = deps.store.db.select().from(roles).where(eq(roles.id, id)).get();
  if (!r) throw notFound('Role');
  return r;
}

function toDto(deps: Deps, r: typeof roles.$inferSelect): RoleDto {
  const caps: Record<string, Permission> = {};
  for (const rc of deps.store.db.select().from(roleCapabilities).where(eq(roleCapabilities.roleId, r.id)).all()) {
    caps[rc.capability] = rc.permission;
  }
  const assignedCount =
    deps.store.db.select({ n: count() }).from(roleAssignments).where(eq(roleAssignments.roleId, r.id)).get()?.n ?? 0;
  return {
    id: r.id,
    shortname: r.shortname,
    name: r.name,
    description: r.description,
    archetype: r.archetype,
    automatic: isAutomatic(r.shortname),
    protected: r.protected,
    capabilities: caps,
    assignedCount,
  };
}

export function listRoles(deps: Deps): RoleDto[] {
  return deps.store.db
    .select()
    .from(roles)
    .orderBy(asc(roles.sortorder), asc(roles.id))
    .all()
    .map((r) => toDto(deps, r));
}

export function getRole(deps: Deps, id: number): RoleDto {
  return toDto(deps, loadRole(deps, id));
}

function assertUnique(deps: Deps, field: 'shortname' | 'name', value: string, exceptId?: number) {
  const row = deps.store.db.select({ id: roles.id }).from(roles).where(eq(roles[field], value)).get();
  if (row && row.id !== exceptId) {
    const label = field === 'name' ? 'name' : 'short name';
    throw conflict(`A role with this ${label} already exists`, { [field]: `A role with this ${label} already exists` });
  }
}

/**
 * Creates a role. `by` is the console user who asks (undefined for trusted callers): they may
 * not allow a capability they do not hold.
 */
export function createRole(deps: Deps, input: RoleCreate, actor: Actor, by?: UserRow): RoleDto {
  const data = roleCreateSchema.parse(input);
  assertMayDefineRole(
    deps,
    by,
    undefined,
    Object.entries(data.capabilities).map(([capability, after]) => ({ capability, before: 'notset', after })),
  );
  assertUnique(deps, 'shortname', data.shortname);
  assertUnique(deps, 'name', data.name);
  const id = deps.store.db.transaction((tx) => {
    const max = tx
      .select({ n: roles.sortorder })
      .from(roles)
      .all()
      .reduce((m, r) => Math.max(m, r.n), 0);
    const created = tx
      .insert(roles)
      .values({ shortname: data.shortname, name: data.name, description: data.description, sortorder: max + 1 })
      .returning()
      .get();
    const entries = Object.entries(data.capabilities);
    if (entries.length) {
      tx.insert(roleCapabilities)
        .values(entries.map(([capability, permission]) => ({ roleId: created.id, capability, permission })))
        .run();
    }
    writeAudit(tx, actor, {
      action: 'role.create',
      targetType: 'role',
      targetId: created.id,
      summary: `Created role ${created.name}`,
      details: { shortname: created.shortname, capabilities: data.capabilities },
    });
    return created.id;
  });
  deps.gen.bump();
  return getRole(deps, id);
}

/**
 * Updates a role. `by` is the console user who asks (undefined for trusted callers): unless a
 * site administrator, they may not allow or lift a prohibit on a capability they do not hold,
 * nor change the automatic roles' capabilities without moodle/site:config.
 */
export function updateRole(deps: Deps, id: number, patch: RoleUpdate, actor: Actor, by?: UserRow): RoleDto {
  const role = loadRole(deps, id);
  if (role.protected) throw new DomainError('protected', 'This role is protected and cannot be modified');
  const before = getRole(deps, id).capabilities;
  const capChanges = Object.entries(patch.capabilities ?? {}).filter(([cap, p]) => (before[cap] ?? 'notset') !== p);
  assertMayDefineRole(
    deps,
    by,
    role,
    capChanges.map(
      ([capability, after]): CapabilityChange => ({ capability, before: before[capability] ?? 'notset', after }),
    ),
  );
  if (patch.name !== undefined) assertUnique(deps, 'name', patch.name, id);
  deps.store.db.transaction((tx) => {
    const fields: Partial<typeof roles.$inferInsert> = {};
    if (patch.name !== undefined && patch.name !== role.name) fields.name = patch.name;
    if (patch.description !== undefined && patch.description !== role.description)
      fields.description = patch.description;
    if (Object.keys(fields).length) tx.update(roles).set(fields).where(eq(roles.id, id)).run();
    for (const [capability, permission] of capChanges) {
      if (permission === 'notset') {
        tx.delete(roleCapabilities)
          .where(and(eq(roleCapabilities.roleId, id), eq(roleCapabilities.capability, capability)))
          .run();
      } else {
        tx.insert(roleCapabilities)
          .values({ roleId: id, capability, permission })
          .onConflictDoUpdate({ target: [roleCapabilities.roleId, roleCapabilities.capability], set: { permission } })
          .run();
      }
    }
    if (Object.keys(fields).length || capChanges.length) {
      writeAudit(tx, actor, {
        action: 'role.update',
        targetType: 'role',
        targetId: id,
        summary: `Updated role ${fields.name ?? role.name}${capChanges.length ? `: ${capChanges.map(([c, p]) => `${c} → ${p}`).join(', ')}` : ''}`,
        details: { fields, capabilities: Object.fromEntries(capChanges) },
      });
    }
  });
  deps.gen.bump();
  return getRole(deps, id);
}

export function deleteRole(deps: Deps, id: number, actor: Actor, by?: UserRow): void {
  const role = loadRole(deps, id);
  if (role.protected) throw new DomainError('protected', 'This role is protected and cannot be deleted');
  if (isAutomatic(role.shortname)) {
    throw new DomainError('automatic', `The ${role.name} role is given automatically and cannot be deleted`);
  }
  assertMayLiftProhibits(deps, by, getRole(deps, id).capabilities, 'delete');
  deps.store.db.transaction((tx) => {
    tx.delete(roles).where(eq(roles.id, id)).run();
    writeAudit(tx, actor, {
      action: 'role.delete',
      targetType: 'role',
      targetId: id,
      summary: `Deleted role ${role.name}`,
    });
  });
  deps.gen.bump();
}

export function listAssignments(deps: Deps, roleId: number) {
  loadRole(deps, roleId);
  return deps.store.db
    .select({ u: users })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(eq(roleAssignments.roleId, roleId))
    .orderBy(asc(users.lastname), asc(users.firstname))
    .all()
    .map((r) => toUserDto(r.u));
}

/**
 * A user who is not a site administrator may only hand out what they hold themselves: a role
 * that allows a capability the assigner lacks would raise privileges (Moodle limits this with
 * its allow-assign table; here the rule is derived from the capabilities).
 */
function assertNoEscalation(deps: Deps, roleId: number, assigner: UserRow | undefined, removing = false): void {
  if (!assigner || assigner.siteAdmin) return;
  const caps = getRole(deps, roleId).capabilities;
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
function refuseProtectedAssignment(deps: Deps, role: typeof roles.$inferSelect, userId: number): void {
  if (role.protected) {
    throw new DomainError('protected', `The role ${role.name} is protected: it cannot be assigned or unassigned`);
  }
  const user = deps.store.db.select().from(users).where(eq(users.id, userId)).get();
  if (user?.protected) {
    throw new DomainError('protected', `The user ${user.username} is protected: their roles cannot be changed`);
  }
}

/** Only a site administrator gives a site administrator a role, or takes one away. */
function refuseSiteAdminTarget(deps: Deps, userId: number, assigner: UserRow | undefined): void {
  if (!assigner || assigner.siteAdmin) return;
  const user = deps.store.db.select().from(users).where(eq(users.id, userId)).get();
  if (user?.siteAdmin) throw forbidden('Only site administrators can change the roles of a site administrator');
}

export function assignRole(deps: Deps, roleId: number, userId: number, actor: Actor, assigner?: UserRow): void {
  const role = loadRole(deps, roleId);
  refuseProtectedAssignment(deps, role, userId);
  refuseSiteAdminTarget(deps, userId, assigner);
  assertNoEscalation(deps, roleId, assigner);
  if (isAutomatic(role.shortname)) {
    throw new DomainError('automatic', `The ${role.name} role is given automatically and cannot be assigned`);
  }
  const user = deps.store.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) throw notFound('User');
  if (user.deleted) throw new DomainError('deleted', 'A deleted user cannot be given a role');
  if (user.isGuest) throw new DomainError('guest', 'The guest account cannot be given a role');
  const exists = deps.store.db
    .select()
    .from(roleAssignments)
    .where(and(eq(roleAssignments.roleId, roleId), eq(roleAssignments.userId, userId)))
    .get();
  if (exists) throw conflict(`${user.username} already has the role ${role.name}`);
  deps.store.db.transaction((tx) => {
    tx.insert(roleAssignments).values({ roleId, userId, timecreated: deps.now() }).run();
    writeAudit(tx, actor, {
      action: 'role.assign',
      targetType: 'user',
      targetId: userId,
      summary: `Assigned role ${role.name} to ${user.username}`,
      details: { roleId },
    });
  });
  deps.gen.bump();
}

export function unassignRole(deps: Deps, roleId: number, userId: number, actor: Actor, assigner?: UserRow): void {
  const role = loadRole(deps, roleId);
  refuseProtectedAssignment(deps, role, userId);
  refuseSiteAdminTarget(deps, userId, assigner);
  assertNoEscalation(deps, roleId, assigner, true);
  const user = deps.store.db.select().from(users).where(eq(users.id, userId)).get();
  const removed = deps.store.db.transaction((tx) => {
    const res = tx
      .delete(roleAssignments)
      .where(and(eq(roleAssignments.roleId, roleId), eq(roleAssignments.userId, userId)))
      .run();
    if (res.changes) {
      writeAudit(tx, actor, {
        action: 'role.unassign',
        targetType: 'user',
        targetId: userId,
        summary: `Removed role ${role.name} from ${user?.username ?? `user ${userId}`}`,
        details: { roleId },
      });
    }
    return res.changes;
  });
  if (!removed) throw notFound('Role assignment');
  deps.gen.bump();
}
