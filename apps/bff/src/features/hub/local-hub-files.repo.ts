import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { externalTokens, files, type HubSiteRow, hubCourses, hubSites } from '../../db/schema';

// What the hub's file scripts read: the site a hub token belongs to, and the hub's files (the
// files table, component local_hub, in the system context, item = the hub course id).

export interface HubTokenSite {
  site: HubSiteRow;
  tokenId: number;
  validUntil: number | null;
}

/** The site whose hub token has this hash (the token's user is the site's user). */
export async function hubSiteOfTokenHash(db: DbOrTx, tokenHash: string): Promise<HubTokenSite | undefined> {
  const row = (
    await db
      .select({ site: hubSites, tokenId: externalTokens.id, validUntil: externalTokens.validUntil })
      .from(externalTokens)
      .innerJoin(hubSites, eq(hubSites.userId, externalTokens.userId))
      .where(and(eq(externalTokens.tokenHash, tokenHash), eq(externalTokens.origin, 'hub')))
      .limit(1)
  ).at(0);
  return row ?? undefined;
}

export interface HubFileRow {
  id: number;
  itemid: number;
  filename: string;
  filesize: number;
  contenthash: string | null;
}

const hubFileColumns = {
  id: files.id,
  itemid: files.itemid,
  filename: files.filename,
  filesize: files.filesize,
  contenthash: files.contenthash,
};

/** The files of one of the hub's areas for these hub courses. */
export async function hubFilesOf(
  db: DbOrTx,
  contextid: number,
  component: string,
  filearea: string,
  courseIds: readonly number[],
): Promise<HubFileRow[]> {
  if (courseIds.length === 0) return [];
  return await db
    .select(hubFileColumns)
    .from(files)
    .where(
      and(
        eq(files.contextid, contextid),
        eq(files.component, component),
        eq(files.filearea, filearea),
        inArray(files.itemid, [...courseIds]),
      ),
    );
}

/** The files of these hub areas that belong to the courses of one site (deleted courses included). */
export async function hubFilesOfSite(
  db: DbOrTx,
  contextid: number,
  component: string,
  fileareas: readonly string[],
  siteId: number,
): Promise<HubFileRow[]> {
  return await db
    .select(hubFileColumns)
    .from(files)
    .innerJoin(hubCourses, eq(hubCourses.id, files.itemid))
    .where(
      and(
        eq(files.contextid, contextid),
        eq(files.component, component),
        inArray(files.filearea, [...fileareas]),
        eq(hubCourses.siteId, siteId),
      ),
    );
}
