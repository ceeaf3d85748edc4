import { USAGE_OK } from '@gatehouse/shared';
import { and, asc, count, countDistinct, eq, gte, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  externalServiceFunctions,
  externalServices,
  externalServiceUsers,
  externalTokens,
  roleCapabilities,
  usageBuckets,
  users,
} from '../../db/schema';
import { USAGE_SCOPE } from '../usage/usage.repo';

// The counts behind the web services overview's live statuses.

/** Users (neither deleted nor suspended) who sign in with the web services authentication. */
export async function countWebServiceUsers(db: DbOrTx): Promise<number> {
  return (
    (
      await db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.auth, 'webservice'), eq(users.deleted, false), eq(users.suspended, false)))
        .limit(1)
    ).at(0)?.n ?? 0
  );
}

/** Roles that allow at least one of `capabilities`. */
export async function countRolesAllowing(db: DbOrTx, capabilities: readonly string[]): Promise<number> {
  if (!capabilities.length) return 0;
  return (
    (
      await db
        .select({ n: countDistinct(roleCapabilities.roleId) })
        .from(roleCapabilities)
        .where(and(inArray(roleCapabilities.capability, [...capabilities]), eq(roleCapabilities.permission, 'allow')))
        .limit(1)
    ).at(0)?.n ?? 0
  );
}

/** The enabled services a site administrator manages (not the protected ones), and whether each has functions. */
export async function listEnabledServices(
  db: DbOrTx,
): Promise<{ id: number; restrictedUsers: boolean; hasFunctions: boolean }[]> {
  const services = await db
    .select({ id: externalServices.id, restrictedUsers: externalServices.restrictedUsers })
    .from(externalServices)
    .where(and(eq(externalServices.enabled, true), eq(externalServices.protected, false)));
  if (!services.length) return [];
  const withFunctions = new Set(
    (
      await db
        .selectDistinct({ id: externalServiceFunctions.serviceId })
        .from(externalServiceFunctions)
        .where(
          inArray(
            externalServiceFunctions.serviceId,
            services.map((s) => s.id),
          ),
        )
    ).map((r) => r.id),
  );
  return services.map((s) => ({ ...s, hasFunctions: withFunctions.has(s.id) }));
}

/**
 * The authorised users that let a call through today: on an enabled, restricted service the
 * console manages, a user neither deleted nor suspended, Valid until not past; and the entries
 * whose Valid until has passed (on any such service, enabled or not).
 */
export async function countAuthorisedUsers(db: DbOrTx, now: number): Promise<{ active: number; expired: number }> {
  const base = and(
    eq(externalServices.restrictedUsers, true),
    eq(externalServices.protected, false),
    eq(users.deleted, false),
  );
  const counted = async (where: ReturnType<typeof and>) =>
    (
      await db
        .select({ n: count() })
        .from(externalServiceUsers)
        .innerJoin(externalServices, eq(externalServices.id, externalServiceUsers.serviceId))
        .innerJoin(users, eq(users.id, externalServiceUsers.userId))
        .where(where)
        .limit(1)
    ).at(0)?.n ?? 0;
  return {
    active: await counted(
      and(
        base,
        eq(externalServices.enabled, true),
        eq(users.suspended, false),
        or(isNull(externalServiceUsers.validUntil), gte(externalServiceUsers.validUntil, now)),
      ),
    ),
    expired: await counted(and(base, lt(externalServiceUsers.validUntil, now))),
  };
}

/** The first `limit` authorised users whose Valid until has passed, soonest expired first, for the Overview's warning. */
export async function listExpiredAuthorisations(db: DbOrTx, now: number, limit: number) {
  return await db
    .select({
      serviceId: externalServices.id,
      serviceName: externalServices.name,
      userId: users.id,
      username: users.username,
      firstname: users.firstname,
      lastname: users.lastname,
      validUntil: externalServiceUsers.validUntil,
    })
    .from(externalServiceUsers)
    .innerJoin(externalServices, eq(externalServices.id, externalServiceUsers.serviceId))
    .innerJoin(users, eq(users.id, externalServiceUsers.userId))
    .where(
      and(
        lt(externalServiceUsers.validUntil, now),
        eq(externalServices.restrictedUsers, true),
        eq(externalServices.protected, false),
        eq(users.deleted, false),
      ),
    )
    .orderBy(asc(externalServiceUsers.validUntil), asc(externalServices.id), asc(users.id))
    .limit(limit);
}

/**
 * Tokens the console shows (not the hidden ones), by expiry: all of them, those expired but
 * still listed, and those expiring within `soon` seconds from now. Each is a range of the
 * (hidden, valid_until) index, read from the index alone.
 */
export async function countTokensByExpiry(
  db: DbOrTx,
  now: number,
  soon: number,
): Promise<{ all: number; expired: number; expiringSoon: number }> {
  const visible = eq(externalTokens.hidden, false);
  const counted = async (where: ReturnType<typeof and>) =>
    (await db.select({ n: count() }).from(externalTokens).where(where).limit(1)).at(0)?.n ?? 0;
  return {
    all: await counted(visible),
    expired: await counted(and(visible, lt(externalTokens.validUntil, now))),
    expiringSoon: await counted(
      and(visible, gte(externalTokens.validUntil, now), lte(externalTokens.validUntil, now + soon)),
    ),
  };
}

/**
 * Whether a call of a token the console shows (not a hidden one) has gone through: a success
 * in its usage buckets (the flush writes them; refused calls count under their reasons, and set
 * last access too, so last access does not tell). The site's own few buckets are asked first,
 * so a site without any success answers from them alone.
 */
export async function anyTokenSucceeded(db: DbOrTx): Promise<boolean> {
  const ok = (scope: number) => and(eq(usageBuckets.scope, scope), eq(usageBuckets.reason, USAGE_OK));
  const site = (
    await db
      .select({ n: usageBuckets.calls })
      .from(usageBuckets)
      .where(and(ok(USAGE_SCOPE.site), eq(usageBuckets.scopeId, 0)))
      .limit(1)
  ).at(0);
  if (!site) return false;
  return !!(
    await db
      .select({ id: usageBuckets.scopeId })
      .from(usageBuckets)
      .innerJoin(externalTokens, eq(externalTokens.id, usageBuckets.scopeId))
      .where(and(ok(USAGE_SCOPE.token), eq(externalTokens.hidden, false)))
      .limit(1)
  ).at(0);
}
