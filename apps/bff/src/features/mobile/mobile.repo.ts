import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { roleCapabilities } from '../../db/schema';

/** Allows `capability` for the role, or (null) takes the role's permission away: not set. */
export async function putRoleCapability(
  tx: DbOrTx,
  roleId: number,
  capability: string,
  permission: 'allow' | null,
): Promise<void> {
  if (permission) {
    tx.insert(roleCapabilities)
      .values({ roleId, capability, permission })
      .onConflictDoUpdate({ target: [roleCapabilities.roleId, roleCapabilities.capability], set: { permission } })
      .run();
  } else {
    tx.delete(roleCapabilities)
      .where(and(eq(roleCapabilities.roleId, roleId), eq(roleCapabilities.capability, capability)))
      .run();
  }
}
