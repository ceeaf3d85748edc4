import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalServiceFunctions, type externalServices } from '../../db/schema';
import type { Deps } from '../../deps';

// What a service's functions are and what its users need to call them: read by the services
// feature, by tokens (a token's status) and by the access checks. Kept out of
// services.service.ts, which deletes tokens, so that tokens can read these without a cycle.

type ServiceRow = typeof externalServices.$inferSelect;

export function serviceFunctionNames(db: DbOrTx, serviceId: number): string[] {
  return db
    .select({ name: externalServiceFunctions.functionName })
    .from(externalServiceFunctions)
    .where(eq(externalServiceFunctions.serviceId, serviceId))
    .orderBy(asc(externalServiceFunctions.functionName))
    .all()
    .map((r) => r.name);
}

/** The capabilities a service's user needs: its required one and its functions'. */
export function neededCapabilities(deps: Deps, s: ServiceRow): string[] {
  const needed = new Set<string>();
  if (s.requiredCapability) needed.add(s.requiredCapability);
  for (const name of serviceFunctionNames(deps.store.db, s.id)) {
    for (const c of deps.catalogue.get(name)?.capabilities ?? []) needed.add(c);
  }
  return [...needed].sort();
}

/** The capabilities a user lacks to call every function of a service (and its required capability). */
export function missingCapabilities(
  deps: Deps,
  s: ServiceRow,
  user: Parameters<Deps['authz']['has']>[0],
  needed: string[] = neededCapabilities(deps, s),
): string[] {
  return needed.filter((c) => !deps.authz.has(user, c));
}
