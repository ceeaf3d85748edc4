import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { externalServices, externalTokens, users } from '../db/schema';
import type { AuthorisationRow, ServiceRow } from '../features/services/services.repo';
import type { TokenRow, UserRow } from '../features/tokens/tokens.repo';

// What the access-check chain reads that no feature's repository has: a token by its hash,
// with its owner and its service, in one read. (A token by id, a service's functions and an
// authorisation come from the tokens' and services' repositories.) access.ts caches it all.

export type { AuthorisationRow, ServiceRow, TokenRow, UserRow };

/** A token with its owner and its service. */
export interface TokenParties {
  t: TokenRow;
  u: UserRow;
  s: ServiceRow;
}

/** The token whose secret hashes to `hash`, with its owner and service (hidden ones too). */
export async function findTokenByHash(db: DbOrTx, hash: string): Promise<TokenParties | undefined> {
  return (
    await db
      .select({ t: externalTokens, u: users, s: externalServices })
      .from(externalTokens)
      .innerJoin(users, eq(users.id, externalTokens.userId))
      .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId))
      .where(eq(externalTokens.tokenHash, hash))
      .limit(1)
  ).at(0);
}
