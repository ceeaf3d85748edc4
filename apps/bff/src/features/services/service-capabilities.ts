import type { DbOrTx } from '../../db/client';
import type { Deps } from '../../deps';
import { functionNamesOf, type ServiceRow } from './services.repo';

// What a service's functions are and what its users need to call them: read by the services
// feature, by tokens (a token's status) and by the docs. Kept out of services.service.ts,
// which deletes tokens, so that tokens can read these without a cycle.

/** The names of a service's functions, sorted. */
export function serviceFunctionNames(db: DbOrTx, serviceId: number): Promise<string[]> {
  return functionNamesOf(db, serviceId);
}

/** The capabilities a service's user needs: its required one and its functions'. */
export async function neededCapabilities(deps: Deps, s: ServiceRow): Promise<string[]> {
  const needed = new Set<string>();
  if (s.requiredCapability) needed.add(s.requiredCapability);
  for (const name of await functionNamesOf(deps.store.db, s.id)) {
    for (const c of deps.catalogue.get(name)?.capabilities ?? []) needed.add(c);
  }
  return [...needed].sort();
}

/** The capabilities a user lacks to call every function of a service (and its required capability). */
export async function missingCapabilities(
  deps: Deps,
  s: ServiceRow,
  user: Parameters<Deps['authz']['has']>[0],
  needed?: string[],
): Promise<string[]> {
  return (needed ?? (await neededCapabilities(deps, s))).filter((c) => !deps.authz.has(user, c));
}
