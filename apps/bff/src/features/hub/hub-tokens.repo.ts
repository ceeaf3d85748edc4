import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalTokens, type TokenRow } from '../../db/schema';

// The hub's own tokens (origin 'hub'): the hub directory's, the public token, and each
// registered site's. The tokens feature issues and deletes them (issueToken, tokens.repo); here
// the hub finds its own.

/** The hub's tokens of a user on a service. */
export async function hubTokensOf(db: DbOrTx, userId: number, serviceId: number): Promise<TokenRow[]> {
  return await db
    .select()
    .from(externalTokens)
    .where(
      and(eq(externalTokens.userId, userId), eq(externalTokens.serviceId, serviceId), eq(externalTokens.origin, 'hub')),
    );
}

/** The id of the hub's token with this hash, if it holds one. */
export async function hubTokenIdWithHash(db: DbOrTx, tokenHash: string): Promise<number | undefined> {
  return (
    await db
      .select({ id: externalTokens.id })
      .from(externalTokens)
      .where(and(eq(externalTokens.tokenHash, tokenHash), eq(externalTokens.origin, 'hub')))
      .limit(1)
  ).at(0)?.id;
}
