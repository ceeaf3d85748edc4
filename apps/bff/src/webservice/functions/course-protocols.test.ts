import { eq } from 'drizzle-orm';
import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import xmlrpc from 'xmlrpc';
import { courses } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { AUTHENTICATED_ROLE } from '../../features/roles/authz';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { type EarlyServer, listenFirst } from '../../test/listen';
import { setRoleCapability } from './test-helpers';

// The course, enrolment and group functions' Moodle 4.5 shapes (nulls, optional structures left
// out, booleans, nested lists) through XML-RPC and both SOAP styles, driven by the npm clients:
// every protocol encodes what the REST tests (course-moodle.test.ts) check byte by byte.

let t: TestApp;
let server: EarlyServer;
let base = '';
let token = '';
let cs101 = 0;

const FUNCTIONS = [
  'core_course_get_courses',
  'core_course_get_contents',
  'core_enrol_get_users_courses',
  'core_group_create_groups',
  'core_group_get_course_groups',
];

beforeAll(async () => {
  server = await listenFirst();
  base = server.base;
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base } });
  server.attach(t);
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'xmlrpc,soap' }, SYSTEM_ACTOR);
  for (const p of ['xmlrpc', 'soap'])
    await setRoleCapability(t.deps, AUTHENTICATED_ROLE, `webservice/${p}:use`, 'allow');
  const svc = await createService(
    t.deps,
    {
      name: 'Courses over XML-RPC and SOAP',
      shortname: 'courses_protocols',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: true,
      uploadFiles: false,
    },
    SYSTEM_ACTOR,
  );
  await addServiceFunctions(t.deps, svc.id, FUNCTIONS, SYSTEM_ACTOR);
  token = (
    await createAdminToken(
      t.deps,
      { userId: await t.userId('teacher'), serviceId: svc.id, validUntil: null },
      SYSTEM_ACTOR,
      true,
    )
  ).secret;
  cs101 = (
    await t.deps.store.db.select({ id: courses.id }).from(courses).where(eq(courses.shortname, 'CS101')).limit(1)
  ).at(0)?.id as number;
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

function xmlrpcCall(fn: string, params: unknown[]): Promise<unknown> {
  const { hostname, port } = new URL(base);
  const client = xmlrpc.createClient({
    host: hostname,
    port: Number(port),
    path: `/webservice/xmlrpc/server.php?wstoken=${token}`,
  });
  return new Promise((resolve, reject) =>
    client.methodCall(fn, params, (err: unknown, value: unknown) => (err ? reject(err) : resolve(value))),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: decoded protocol answers, read field by field
type Any = any;

describe('XML-RPC (xmlrpc client from npm)', () => {
  it("core_enrol_get_users_courses: Moodle's nulls, booleans and the empty list", async () => {
    const out = (await xmlrpcCall('core_enrol_get_users_courses', [await t.userId('teacher')])) as Any[];
    const cs = out.find((c) => c.id === cs101);
    expect(cs).toMatchObject({ shortname: 'CS101', overviewfiles: [], format: 'topics' });
    expect(cs.courseimage).toBe(`${base}/pluginfile.php/${50_000_000 + cs101}/course/generated/course.svg`);
    expect(Object.keys(cs)).toContain('progress');
  });

  it('core_course_get_contents and core_course_get_courses', async () => {
    const sections = (await xmlrpcCall('core_course_get_contents', [cs101, []])) as Any[];
    const page = sections.flatMap((s) => s.modules).find((m: Any) => m.modname === 'page');
    expect(page.contents.at(-1)).toMatchObject({ filename: 'index.html', filepath: '/', sortorder: 1 });
    expect(page.contents.at(-1).fileurl).toMatch(/\/mod_page\/content\/index\.html\?forcedownload=1$/);
    const list = (await xmlrpcCall('core_course_get_courses', [{ ids: [1, cs101] }])) as Any[];
    expect(list.map((c) => c.format)).toEqual(['site', 'topics']);
    expect(list[1].courseformatoptions).toEqual([
      { name: 'hiddensections', value: '1' },
      { name: 'coursedisplay', value: '0' },
    ]);
  });

  it('core_group_create_groups with visibility and participation', async () => {
    const [g] = (await xmlrpcCall('core_group_create_groups', [
      [{ courseid: cs101, name: 'XML-RPC members', description: '', visibility: 1, participation: 0 }],
    ])) as Any[];
    expect(g).toMatchObject({ name: 'XML-RPC members', visibility: 1 });
    // Moodle's XML-RPC encoder writes PHP booleans as <boolean>.
    expect(g.participation).toBe(false);
  });
});

describe('SOAP (npm soap client reading the WSDL)', () => {
  for (const style of ['', '&style=document']) {
    it(`get_users_courses, get_contents and get_course_groups ${style ? 'document/literal' : 'RPC/encoded'}`, async () => {
      const client: Any = await soap.createClientAsync(
        `${base}/webservice/soap/server.php?wsdl=1&wstoken=${token}${style}`,
      );
      client.setEndpoint(`${base}/webservice/soap/server.php?wstoken=${token}${style}`);
      const [courses] = await client.core_enrol_get_users_coursesAsync({ userid: await t.userId('teacher') });
      expect(JSON.stringify(courses)).toContain('CS101');
      const [contents] = await client.core_course_get_contentsAsync({ courseid: cs101 });
      expect(JSON.stringify(contents)).toContain('index.html');
      const [groups] = await client.core_group_get_course_groupsAsync({ courseid: cs101 });
      expect(JSON.stringify(groups)).toContain('visibility');
    });
  }
});
