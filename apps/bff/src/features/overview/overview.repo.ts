import { and, count, countDistinct, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  externalServiceFunctions,
  externalServices,
  externalServiceUsers,
  externalTokens,
  roleCapabilities,
  users,
} from '../../db/schema';

// The counts behind the web services overview's live statuses.

/** Users (not deleted) who sign in with the web services authentication. */
export async function countWebServiceUsers(db: DbOrTx): Promise<number> {
  return (
    db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.auth, 'webservice'), eq(users.deleted, false)))
      .get()?.n ?? 0
  );
}

/** Roles that allow at least one of `capabilities`. */
export async function countRolesAllowing(db: DbOrTx, capabilities: readonly string[]): Promise<number> {
  if (!capabilities.length) return 0;
  return (
    db
      .select({ n: countDistinct(roleCapabilities.roleId) })
      .from(roleCapabilities)
      .where(and(inArray(roleCapabilities.capability, [...capabilities]), eq(roleCapabilities.permission, 'allow')))
      .get()?.n ?? 0
  );
}

/** The enabled services a site administrator manages (not the protected ones), and whether each has functions. */
export async function listEnabledServices(
  db: DbOrTx,
): Promise<{ id: number; restrictedUsers: boolean; hasFunctions: boolean }[]> {
  const services = db
    .select({ id: externalServices.id, restrictedUsers: externalServices.restrictedUsers })
    .from(externalServices)
    .where(and(eq(externalServices.enabled, true), eq(externalServices.protected, false)))
    .all();
  if (!services.length) return [];
  const withFunctions = new Set(
    db
      .selectDistinct({ id: externalServiceFunctions.serviceId })
      .from(externalServiceFunctions)
      .where(
        inArray(
          externalServiceFunctions.serviceId,
          services.map((s) => s.id),
        ),
      )
      .all()
      .map((r) => r.id),
  );
  return services.map((s) => ({ ...s, hasFunctions: withFunctions.has(s.id) }));
}

/** The entries of the services' authorised-user lists, all services together. */
export async function countAuthorisedUsers(db: DbOrTx): Promise<number> {
  return db.select({ n: count() }).from(externalServiceUsers).get()?.n ?? 0;
}

/** Tokens the console shows (not the hidden ones); with `used`, only those used at least once. */
export async function countTokens(db: DbOrTx, opts: { used?: boolean } = {}): Promise<number> {
  const visible = eq(externalTokens.hidden, false);
  return (
    db
      .select({ n: count() })
      .from(externalTokens)
      .where(opts.used ? and(visible, isNotNull(externalTokens.lastAccess)) : visible)
      .get()?.n ?? 0
  );
}
