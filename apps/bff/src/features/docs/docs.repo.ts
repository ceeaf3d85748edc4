import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalServices, externalTokens } from '../../db/schema';

// What the key documentation reads: a user's own visible key and its service.

/** The key `keyId` with its service, if `userId` owns it and it is not hidden. */
export async function findOwnKey(db: DbOrTx, keyId: number, userId: number) {
  return db
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
    .get();
}
