import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { courses } from '../db/schema';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { makeTestApp, type TestApp } from './helpers';

/**
 * The app on a real port (for the `soap` client from npm, which fetches the WSDL and posts to
 * the address in it), with GATEHOUSE_WWWROOT set to where it listens, a teacher holding the
 * SOAP use capability and a token on a service with the given functions.
 */
export interface SoapSite {
  t: TestApp;
  base: string;
  secret: string;
  serviceId: number;
  courseId: number;
  /** The endpoint URL with the token: Moodle's WSDL namespace and address. */
  endpoint: string;
  close: () => void;
}

const ADMIN = { id: null, username: 'test', ip: '' };

export async function startSoapSite(functions: readonly string[]): Promise<SoapSite> {
  let t: TestApp | undefined;
  const server = serve({ fetch: (req, env) => (t as TestApp).app.fetch(req, env), port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base } });
  const { deps } = t;
  await deps.settings.apply(
    { enablewebservices: '1', webserviceprotocols: 'rest,soap', debug: 'none', maintenance_enabled: '0' },
    SYSTEM_ACTOR,
  );
  const role = await createRole(
    deps,
    { shortname: 'soapuser', name: 'SOAP user', capabilities: { 'webservice/soap:use': 'allow' } },
    ADMIN,
  );
  const teacherId = await t.userId('teacher');
  await assignRole(deps, role.id, teacherId, ADMIN);
  const svc = await createService(
    deps,
    {
      name: 'SOAP service',
      shortname: 'soapsvc',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    },
    ADMIN,
  );
  await addServiceFunctions(deps, svc.id, [...functions], ADMIN);
  const { secret } = await createAdminToken(
    deps,
    { userId: teacherId, serviceId: svc.id, validUntil: null },
    ADMIN,
    true,
  );
  const courseId =
    (await deps.store.db.select().from(courses).where(eq(courses.shortname, 'CS101')).limit(1)).at(0)?.id ?? 0;
  const app = t;
  return {
    t: app,
    base,
    secret,
    serviceId: svc.id,
    courseId,
    endpoint: `${base}/webservice/soap/server.php?wstoken=${secret}`,
    close: () => {
      server.close();
      app.close();
    },
  };
}
