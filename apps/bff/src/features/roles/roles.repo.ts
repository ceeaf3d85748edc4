import type { Permission } from '@gatehouse/shared';
import { and, asc, count, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { roleAssignments, roleCapabilities, roles, type UserRow, users } from '../../db/schema';
import { affected, firstRow } from '../../db/sql';

// The roles' tables: roles, their capabilities (role_capabilities) and who holds them
// (role_assignments, system context). The only module of the roles feature that touches them;
// the rules are in roles.service.ts and escalation.ts, the in-memory checks in authz.ts.

export type RoleRow = typeof roles.$inferSelect;
type NewRoleRow = typeof roles.$inferInsert;
/** The fields of a role that an update may change. */
export type RoleFields = Partial<Pick<NewRoleRow, 'name' | 'description'>>;

export interface RoleCapabilityRow {
  roleId: number;
  capability: string;
  permission: Permission;
}

export interface RoleAssignmentRow {
  roleId: number;
  userId: number;
}

// ---- roles ---------------------------------------------------------------------------------

export async function findRole(db: DbOrTx, id: number): Promise<RoleRow | undefined> {
  return (await db.select().from(roles).where(eq(roles.id, id)).limit(1)).at(0);
}

export async function findRoleByShortname(db: DbOrTx, shortname: string): Promise<RoleRow | undefined> {
  return (await db.select().from(roles).where(eq(roles.shortname, shortname)).limit(1)).at(0);
}

export async function findRoleByName(db: DbOrTx, name: string): Promise<RoleRow | undefined> {
  return (await db.select().from(roles).where(eq(roles.name, name)).limit(1)).at(0);
}

/** Every role, in the console's order (sort order, then id). */
export async function listRoleRows(db: DbOrTx): Promise<RoleRow[]> {
  return await db.select().from(roles).orderBy(asc(roles.sortorder), asc(roles.id));
}

/** The highest sort order of any role (0 when there is none). */
export async function maxRoleSortorder(db: DbOrTx): Promise<number> {
  return (await db.select({ n: roles.sortorder }).from(roles)).reduce((m, r) => Math.max(m, r.n), 0);
}

export async function insertRole(tx: DbOrTx, values: NewRoleRow): Promise<RoleRow> {
  return firstRow(await tx.insert(roles).values(values).returning());
}

export async function updateRoleRow(tx: DbOrTx, id: number, fields: RoleFields): Promise<void> {
  await tx.update(roles).set(fields).where(eq(roles.id, id));
}

/** Deletes a role; its capabilities and assignments go with it (foreign keys, on delete cascade). */
export async function deleteRoleRow(tx: DbOrTx, id: number): Promise<void> {
  await tx.delete(roles).where(eq(roles.id, id));
}

// ---- capabilities --------------------------------------------------------------------------

/** The capabilities set in one role, or (no id) in every role. */
export async function roleCapabilityRows(db: DbOrTx, roleId?: number): Promise<RoleCapabilityRow[]> {
  return await db
    .select({
      roleId: roleCapabilities.roleId,
      capability: roleCapabilities.capability,
      permission: roleCapabilities.permission,
    })
    .from(roleCapabilities)
    .where(roleId === undefined ? undefined : eq(roleCapabilities.roleId, roleId));
}

/** Sets capabilities in a role that has none of them yet. */
export async function insertRoleCapabilities(
  tx: DbOrTx,
  roleId: number,
  capabilities: Readonly<Record<string, Permission>>,
): Promise<void> {
  const entries = Object.entries(capabilities);
  if (!entries.length) return;
  await tx
    .insert(roleCapabilities)
    .values(entries.map(([capability, permission]) => ({ roleId, capability, permission })));
}

/** Sets one capability's permission in a role, or (null) removes it: not set. */
export async function putRolePermission(
  tx: DbOrTx,
  roleId: number,
  capability: string,
  permission: Permission | null,
): Promise<void> {
  if (permission) {
    await tx
      .insert(roleCapabilities)
      .values({ roleId, capability, permission })
      .onConflictDoUpdate({ target: [roleCapabilities.roleId, roleCapabilities.capability], set: { permission } });
  } else {
    await tx
      .delete(roleCapabilities)
      .where(and(eq(roleCapabilities.roleId, roleId), eq(roleCapabilities.capability, capability)));
  }
}

/** Makes `capabilities` the role's allowed capabilities, and only them. */
export async function setAllowedCapabilities(
  tx: DbOrTx,
  roleId: number,
  capabilities: readonly string[],
): Promise<void> {
  await tx.delete(roleCapabilities).where(eq(roleCapabilities.roleId, roleId));
  if (!capabilities.length) return;
  await tx
    .insert(roleCapabilities)
    .values(capabilities.map((capability) => ({ roleId, capability, permission: 'allow' as const })));
}

// ---- assignments ---------------------------------------------------------------------------

/** Every role assignment (system context). */
export async function roleAssignmentRows(db: DbOrTx): Promise<RoleAssignmentRow[]> {
  return await db.select({ roleId: roleAssignments.roleId, userId: roleAssignments.userId }).from(roleAssignments);
}

export async function countRoleAssignments(db: DbOrTx, roleId: number): Promise<number> {
  return (
    (await db.select({ n: count() }).from(roleAssignments).where(eq(roleAssignments.roleId, roleId)).limit(1)).at(0)
      ?.n ?? 0
  );
}

export async function hasRoleAssignment(db: DbOrTx, roleId: number, userId: number): Promise<boolean> {
  const row = (
    await db
      .select({ roleId: roleAssignments.roleId })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.roleId, roleId), eq(roleAssignments.userId, userId)))
      .limit(1)
  ).at(0);
  return row !== undefined;
}

/** The users who hold a role, by last name then first name. */
export async function listRoleHolders(db: DbOrTx, roleId: number): Promise<UserRow[]> {
  return (
    await db
      .select({ u: users })
      .from(roleAssignments)
      .innerJoin(users, eq(users.id, roleAssignments.userId))
      .where(eq(roleAssignments.roleId, roleId))
      .orderBy(asc(users.lastname), asc(users.firstname))
  ).map((r) => r.u);
}

export async function insertRoleAssignment(tx: DbOrTx, roleId: number, userId: number, now: number): Promise<void> {
  await tx.insert(roleAssignments).values({ roleId, userId, timecreated: now });
}

/** Gives a user a role unless they hold it. */
export async function ensureRoleAssignment(tx: DbOrTx, roleId: number, userId: number, now: number): Promise<void> {
  await tx.insert(roleAssignments).values({ roleId, userId, timecreated: now }).onConflictDoNothing();
}

/** Takes a role from a user; false when they did not hold it. */
export async function deleteRoleAssignment(tx: DbOrTx, roleId: number, userId: number): Promise<boolean> {
  const res = await tx
    .delete(roleAssignments)
    .where(and(eq(roleAssignments.roleId, roleId), eq(roleAssignments.userId, userId)));
  return affected(res) > 0;
}
