import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { roleAssignments, roleCapabilities, roles } from '../../db/schema';

// The roles' tables: roles, their capabilities (role_capabilities) and who holds them
// (role_assignments). The start of the roles feature's repository: for now it holds what the
// hub's set-up needs (roles.service.ts and authz.ts still read and write the tables themselves).

export type RoleRow = typeof roles.$inferSelect;
type NewRoleRow = typeof roles.$inferInsert;

export async function findRoleByShortname(db: DbOrTx, shortname: string): Promise<RoleRow | undefined> {
  return db.select().from(roles).where(eq(roles.shortname, shortname)).get();
}

export async function findRoleByName(db: DbOrTx, name: string): Promise<RoleRow | undefined> {
  return db.select().from(roles).where(eq(roles.name, name)).get();
}

/** The highest sort order of any role (0 when there is none). */
export async function maxRoleSortorder(db: DbOrTx): Promise<number> {
  return db
    .select({ n: roles.sortorder })
    .from(roles)
    .all()
    .reduce((m, r) => Math.max(m, r.n), 0);
}

export async function insertRole(tx: DbOrTx, values: NewRoleRow): Promise<RoleRow> {
  return tx.insert(roles).values(values).returning().get();
}

/** Makes `capabilities` the role's allowed capabilities, and only them. */
export async function setAllowedCapabilities(
  tx: DbOrTx,
  roleId: number,
  capabilities: readonly string[],
): Promise<void> {
  tx.delete(roleCapabilities).where(eq(roleCapabilities.roleId, roleId)).run();
  if (!capabilities.length) return;
  tx.insert(roleCapabilities)
    .values(capabilities.map((capability) => ({ roleId, capability, permission: 'allow' as const })))
    .run();
}

/** Gives a user a role unless they hold it. */
export async function ensureRoleAssignment(tx: DbOrTx, roleId: number, userId: number, now: number): Promise<void> {
  tx.insert(roleAssignments).values({ roleId, userId, timecreated: now }).onConflictDoNothing().run();
}
