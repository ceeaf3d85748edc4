import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalServiceFunctions, externalServices, externalServiceUsers, type UserRow, users } from '../../db/schema';
import { affected, firstRow } from '../../db/sql';

// The services' tables: external_services, their functions (external_service_functions) and
// their authorised users (external_service_users). Reads take the database, writes the
// transaction of the caller's withWrite; no rules here (services.service.ts has them).

export type ServiceRow = typeof externalServices.$inferSelect;
type ServiceInsert = typeof externalServices.$inferInsert;
export type AuthorisationRow = typeof externalServiceUsers.$inferSelect;
type AuthorisationPatch = Partial<Pick<AuthorisationRow, 'ipRestriction' | 'validUntil'>>;

// ---- services ------------------------------------------------------------------------------

export async function findService(db: DbOrTx, id: number): Promise<ServiceRow | undefined> {
  return (await db.select().from(externalServices).where(eq(externalServices.id, id)).limit(1)).at(0);
}

export async function findServiceByShortname(db: DbOrTx, shortname: string): Promise<ServiceRow | undefined> {
  return (await db.select().from(externalServices).where(eq(externalServices.shortname, shortname)).limit(1)).at(0);
}

/** The id of the service whose name (or short name) is `value`, if any. */
export async function serviceIdWith(
  db: DbOrTx,
  field: 'name' | 'shortname',
  value: string,
): Promise<number | undefined> {
  return (
    await db
      .select({ id: externalServices.id })
      .from(externalServices)
      .where(eq(externalServices[field], value))
      .limit(1)
  ).at(0)?.id;
}

/** Every service, by name. */
export async function listServiceRows(db: DbOrTx): Promise<ServiceRow[]> {
  return await db.select().from(externalServices).orderBy(asc(externalServices.name));
}

/** The services the console may make tokens for (every one but the hub's), by name. */
export async function listUnprotectedServices(db: DbOrTx) {
  return await db
    .select({
      id: externalServices.id,
      name: externalServices.name,
      shortname: externalServices.shortname,
      enabled: externalServices.enabled,
      restrictedUsers: externalServices.restrictedUsers,
    })
    .from(externalServices)
    .where(eq(externalServices.protected, false))
    .orderBy(asc(externalServices.name));
}

/** The enabled services that are not the hub's, by name. */
export async function listEnabledUnprotectedServices(db: DbOrTx): Promise<ServiceRow[]> {
  return await db
    .select()
    .from(externalServices)
    .where(and(eq(externalServices.enabled, true), eq(externalServices.protected, false)))
    .orderBy(asc(externalServices.name));
}

/** How many functions and authorised users a service has. */
export async function serviceMemberCounts(
  db: DbOrTx,
  serviceId: number,
): Promise<{ functionCount: number; authorisedCount: number }> {
  const functionCount =
    (
      await db
        .select({ n: count() })
        .from(externalServiceFunctions)
        .where(eq(externalServiceFunctions.serviceId, serviceId))
        .limit(1)
    ).at(0)?.n ?? 0;
  const authorisedCount =
    (
      await db
        .select({ n: count() })
        .from(externalServiceUsers)
        .where(eq(externalServiceUsers.serviceId, serviceId))
        .limit(1)
    ).at(0)?.n ?? 0;
  return { functionCount, authorisedCount };
}

export async function insertService(tx: DbOrTx, values: ServiceInsert): Promise<ServiceRow> {
  return firstRow(await tx.insert(externalServices).values(values).returning());
}

export async function updateServiceRow(tx: DbOrTx, id: number, set: Partial<ServiceInsert>): Promise<void> {
  await tx.update(externalServices).set(set).where(eq(externalServices.id, id));
}

/** Deletes a service; its functions and authorised users go with it (foreign keys cascade). */
export async function deleteServiceRow(tx: DbOrTx, id: number): Promise<void> {
  await tx.delete(externalServices).where(eq(externalServices.id, id));
}

// ---- functions of a service ----------------------------------------------------------------

/** The names of a service's functions, sorted. */
export async function functionNamesOf(db: DbOrTx, serviceId: number): Promise<string[]> {
  return (
    await db
      .select({ name: externalServiceFunctions.functionName })
      .from(externalServiceFunctions)
      .where(eq(externalServiceFunctions.serviceId, serviceId))
      .orderBy(asc(externalServiceFunctions.functionName))
  ).map((r) => r.name);
}

export async function insertServiceFunctions(tx: DbOrTx, serviceId: number, names: readonly string[]): Promise<void> {
  if (!names.length) return;
  await tx.insert(externalServiceFunctions).values(names.map((functionName) => ({ serviceId, functionName })));
}

/** Removes functions from a service; returns how many it held. */
export async function deleteServiceFunctions(tx: DbOrTx, serviceId: number, names: readonly string[]): Promise<number> {
  if (!names.length) return 0;
  return affected(
    await tx
      .delete(externalServiceFunctions)
      .where(
        and(
          eq(externalServiceFunctions.serviceId, serviceId),
          inArray(externalServiceFunctions.functionName, [...names]),
        ),
      ),
  );
}

// ---- authorised users ----------------------------------------------------------------------

/** A service's authorised users with their accounts, by last name and first name. */
export async function listAuthorisations(
  db: DbOrTx,
  serviceId: number,
): Promise<{ authorisation: AuthorisationRow; user: UserRow }[]> {
  return await db
    .select({ authorisation: externalServiceUsers, user: users })
    .from(externalServiceUsers)
    .innerJoin(users, eq(users.id, externalServiceUsers.userId))
    .where(eq(externalServiceUsers.serviceId, serviceId))
    .orderBy(asc(users.lastname), asc(users.firstname));
}

export async function findAuthorisation(
  db: DbOrTx,
  serviceId: number,
  userId: number,
): Promise<AuthorisationRow | undefined> {
  return (
    await db
      .select()
      .from(externalServiceUsers)
      .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)))
      .limit(1)
  ).at(0);
}

/** Which of `userIds` are authorised users of the service. */
export async function authorisedAmong(db: DbOrTx, serviceId: number, userIds: readonly number[]): Promise<Set<number>> {
  if (!userIds.length) return new Set();
  return new Set(
    (
      await db
        .select({ id: externalServiceUsers.userId })
        .from(externalServiceUsers)
        .where(and(eq(externalServiceUsers.serviceId, serviceId), inArray(externalServiceUsers.userId, [...userIds])))
    ).map((r) => r.id),
  );
}

export async function insertAuthorisations(
  tx: DbOrTx,
  rows: readonly { serviceId: number; userId: number; timecreated: number }[],
): Promise<void> {
  if (!rows.length) return;
  await tx.insert(externalServiceUsers).values([...rows]);
}

export async function updateAuthorisation(
  tx: DbOrTx,
  serviceId: number,
  userId: number,
  set: AuthorisationPatch,
): Promise<void> {
  await tx
    .update(externalServiceUsers)
    .set(set)
    .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)));
}

export async function deleteAuthorisation(tx: DbOrTx, serviceId: number, userId: number): Promise<void> {
  await tx
    .delete(externalServiceUsers)
    .where(and(eq(externalServiceUsers.serviceId, serviceId), eq(externalServiceUsers.userId, userId)));
}

/** The accounts with these ids (those that exist). */
export async function usersWithIds(db: DbOrTx, ids: readonly number[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  return await db
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]));
}
