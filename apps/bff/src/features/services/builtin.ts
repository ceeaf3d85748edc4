import { and, eq, inArray } from 'drizzle-orm';
import type { Store } from '../../db/client';
import { externalServiceFunctions, externalServices } from '../../db/schema';
import type { Catalogue } from '../../deps';

/** The built-in mobile service's short name, as Moodle names it. */
export const MOBILE_SERVICE = 'moodle_mobile_app';

/** Built-in services: defined by code, created on first start, their function lists kept in step with the catalogue. */
const BUILTIN_SERVICES = [
  {
    shortname: MOBILE_SERVICE,
    name: 'Mobile web services',
    component: 'moodle',
    enabled: false,
    restrictedUsers: false,
    requiredCapability: null,
    downloadFiles: true,
    uploadFiles: true,
  },
] as const;

export function syncBuiltinServices(store: Store, catalogue: Catalogue, now = Math.floor(Date.now() / 1000)): void {
  store.db.transaction((tx) => {
    for (const def of BUILTIN_SERVICES) {
      let row = tx.select().from(externalServices).where(eq(externalServices.shortname, def.shortname)).get();
      if (!row) {
        row = tx
          .insert(externalServices)
          .values({ ...def, timecreated: now, timemodified: now })
          .returning()
          .get();
      }
      const wanted = new Set(catalogue.all.filter((f) => f.services?.includes(def.shortname)).map((f) => f.name));
      const have = new Set(
        tx
          .select({ n: externalServiceFunctions.functionName })
          .from(externalServiceFunctions)
          .where(eq(externalServiceFunctions.serviceId, row.id))
          .all()
          .map((r) => r.n),
      );
      const serviceId = row.id;
      const missing = [...wanted].filter((n) => !have.has(n));
      if (missing.length)
        tx.insert(externalServiceFunctions)
          .values(missing.map((functionName) => ({ serviceId, functionName })))
          .run();
      const extra = [...have].filter((n) => !wanted.has(n));
      if (extra.length) {
        tx.delete(externalServiceFunctions)
          .where(
            and(
              eq(externalServiceFunctions.serviceId, serviceId),
              inArray(externalServiceFunctions.functionName, extra),
            ),
          )
          .run();
      }
    }
  });
}
