import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { type MakeTestAppOptions, makeTestApp, serviceBody, type TestApp } from './helpers';
import { listenFirst } from './listen';

// The app on a real port (as `npm start` serves it, on 127.0.0.1: test/listen.ts), for clients that speak HTTP
// themselves: fetch with an Origin header as a browser on another origin sends it, the npm
// `xmlrpc` client, raw paths with repeated slashes.

export interface RealServer {
  t: TestApp;
  /** Where the server listens, e.g. http://127.0.0.1:41234 (not necessarily the site's public URL). */
  base: string;
  close: () => void;
}

/**
 * Starts the server first, then builds the app over a fresh database: `wwwroot` is the site's
 * public URL (GATEHOUSE_WWWROOT), the listening address when not given.
 */
export async function startRealServer(opts: MakeTestAppOptions & { wwwroot?: string } = {}): Promise<RealServer> {
  const server = await listenFirst();
  const { base } = server;
  const t = await makeTestApp({ ...opts, env: { GATEHOUSE_WWWROOT: opts.wwwroot ?? base, ...opts.env } });
  server.attach(t);
  return {
    t,
    base,
    close: () => {
      void server.close();
      t.close();
    },
  };
}

/**
 * Web services on (REST, XML-RPC and SOAP), and a token of the teacher's for a service with site
 * info and the group functions (the teacher may use every protocol). Returns the token's secret
 * and the service's id.
 */
export async function webServiceToken(
  t: TestApp,
  protocols = 'rest,xmlrpc,soap',
): Promise<{ secret: string; serviceId: number }> {
  const { deps } = t;
  const role = await createRole(
    deps,
    {
      shortname: 'browserws',
      name: 'Web service user',
      capabilities: {
        'webservice/rest:use': 'allow',
        'webservice/xmlrpc:use': 'allow',
        'webservice/soap:use': 'allow',
        'webservice/amf:use': 'allow',
      },
    },
    SYSTEM_ACTOR,
  );
  await assignRole(deps, role.id, await t.userId('teacher'), SYSTEM_ACTOR);
  const svc = await createService(deps, serviceBody('Browser test', 'browsertest') as never, SYSTEM_ACTOR);
  await addServiceFunctions(
    deps,
    svc.id,
    ['core_webservice_get_site_info', 'core_group_create_groups', 'core_group_get_course_groups'],
    SYSTEM_ACTOR,
  );
  await deps.settings.apply({ enablewebservices: '1', webserviceprotocols: protocols }, SYSTEM_ACTOR);
  const { secret } = await createAdminToken(
    deps,
    { userId: await t.userId('teacher'), serviceId: svc.id, validUntil: null },
    SYSTEM_ACTOR,
    true,
  );
  return { secret, serviceId: svc.id };
}
