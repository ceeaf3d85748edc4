import { eq } from 'drizzle-orm';
import { courses } from '../db/schema';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { makeTestApp, type TestApp } from './helpers';
import { listenFirst } from './listen';

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
  const server = await listenFirst();
  const { base } = server;
  const t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base } });
  server.attach(t);
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
      void server.close();
      app.close();
    },
  };
}
