import { and, count, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalTokens } from '../../db/schema';

// The tokens of a user or a service, as the features they belong to (services, users, the hub)
// count and delete them. Kept out of tokens.service.ts, which reads the services' capabilities,
// so that the services feature can use them without importing it back.

/** Deletes the tokens of a user, a service, or a user on a service; returns how many went. */
export function deleteTokensOf(db: DbOrTx, where: { serviceId?: number; userId?: number }): number {
  const conds: SQL[] = [];
  if (where.serviceId !== undefined) conds.push(eq(externalTokens.serviceId, where.serviceId));
  if (where.userId !== undefined) conds.push(eq(externalTokens.userId, where.userId));
  if (!conds.length) throw new Error('deleteTokensOf needs a user or a service');
  return db
    .delete(externalTokens)
    .where(and(...conds))
    .run().changes;
}

export function countTokensByService(db: DbOrTx): Map<number, number> {
  return new Map(
    db
      .select({ serviceId: externalTokens.serviceId, n: count() })
      .from(externalTokens)
      .where(eq(externalTokens.hidden, false))
      .groupBy(externalTokens.serviceId)
      .all()
      .map((r) => [r.serviceId, r.n]),
  );
}
