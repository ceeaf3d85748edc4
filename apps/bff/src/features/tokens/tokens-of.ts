import type { DbOrTx } from '../../db/client';
import type { WriteScope } from '../../db/write';
import { countVisibleTokensByService, deleteTokensWhere } from './tokens.repo';

// The tokens of a user or a service, as the features they belong to (services, users, the hub)
// count and delete them. Kept out of tokens.service.ts, which reads the services' capabilities,
// so that the services feature can use them without importing it back.

/** Beyond this many tokens, one event names every token rather than one event each. */
const TOKEN_EVENTS_MAX = 1000;

/** Names the tokens a write changed or deleted, by hash (all tokens, when there are very many). */
export function invalidateTokens(w: Pick<WriteScope, 'invalidate'>, hashes: readonly string[]): void {
  if (hashes.length > TOKEN_EVENTS_MAX) w.invalidate({ kind: 'token' });
  else w.invalidate(...hashes.map((id) => ({ kind: 'token' as const, id })));
}

/**
 * Deletes the tokens of a user, a service, or a user on a service, as part of the caller's
 * write (each deleted token is invalidated by its hash); returns how many went.
 */
export async function deleteTokensOf(
  tx: DbOrTx,
  w: Pick<WriteScope, 'invalidate'>,
  where: { serviceId?: number; userId?: number },
): Promise<number> {
  if (where.serviceId === undefined && where.userId === undefined) {
    throw new Error('deleteTokensOf needs a user or a service');
  }
  const hashes = await deleteTokensWhere(tx, where);
  invalidateTokens(w, hashes);
  return hashes.length;
}

/** The visible tokens of each service, by service id. */
export function countTokensByService(db: DbOrTx): Promise<Map<number, number>> {
  return countVisibleTokensByService(db);
}
