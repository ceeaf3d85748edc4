import { type WriteDeps, withWrite } from '../../db/write';
import type { Catalogue } from '../../deps';
import {
  deleteServiceFunctions,
  findServiceByShortname,
  functionNamesOf,
  insertService,
  insertServiceFunctions,
} from './services.repo';

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

/** Creates the built-in services that are missing and gives each the catalogue's functions for it (at start). */
export async function syncBuiltinServices(deps: WriteDeps & { catalogue: Catalogue }): Promise<void> {
  await withWrite(deps, async (tx, w) => {
    const now = deps.now();
    for (const def of BUILTIN_SERVICES) {
      let row = await findServiceByShortname(tx, def.shortname);
      if (!row) {
        row = await insertService(tx, { ...def, timecreated: now, timemodified: now });
        w.invalidate({ kind: 'service', id: row.id });
      }
      const serviceId = row.id;
      const wanted = new Set(deps.catalogue.all.filter((f) => f.services?.includes(def.shortname)).map((f) => f.name));
      const have = new Set(await functionNamesOf(tx, serviceId));
      const missing = [...wanted].filter((n) => !have.has(n));
      const extra = [...have].filter((n) => !wanted.has(n));
      await insertServiceFunctions(tx, serviceId, missing);
      await deleteServiceFunctions(tx, serviceId, extra);
      if (missing.length || extra.length) w.invalidate({ kind: 'service', id: serviceId });
    }
  });
}
