import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalServices, externalTokens } from '../../db/schema';

// What the key documentation reads: a user's own visible key and its service.

/** The key `keyId` with its service, if `userId` owns it and it is not hidden. */
export async function findOwnKey(db: DbOrTx, keyId: number, userId: number) {
  return (
    await db
      .select({
        key: { id: externalTokens.id, name: externalTokens.name, stub: externalTokens.stub },
        service: {
          id: externalServices.id,
          name: externalServices.name,
          shortname: externalServices.shortname,
          downloadFiles: externalServices.downloadFiles,
          uploadFiles: externalServices.uploadFiles,
        },
      })
      .from(externalTokens)
      .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId))
      .where(and(eq(externalTokens.id, keyId), eq(externalTokens.userId, userId), eq(externalTokens.hidden, false)))
      .limit(1)
  ).at(0);
}

/** The service of the token whose keyed hash is `tokenHash` (the test client narrows its function list to it). */
export async function findTokenServiceByHash(db: DbOrTx, tokenHash: string) {
  return (
    await db
      .select({
        tokenHash: externalTokens.tokenHash,
        service: { id: externalServices.id, name: externalServices.name, shortname: externalServices.shortname },
      })
      .from(externalTokens)
      .innerJoin(externalServices, eq(externalServices.id, externalTokens.serviceId))
      .where(eq(externalTokens.tokenHash, tokenHash))
      .limit(1)
  ).at(0);
}
