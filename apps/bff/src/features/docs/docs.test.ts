import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { Validator } from '@seriousme/openapi-schema-validator';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServiceFunctions, externalServices, hubSites, roleCapabilities, roles } from '../../db/schema';
import { firstRow } from '../../db/sql';
import { amfCall, envelope, remoting } from '../../test/amf-client';
import { type Client, makeTestApp } from '../../test/helpers';
import { createCatalogue } from '../../webservice/catalogue';
import { FUNCTIONS } from '../../webservice/functions';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { publishCourses } from '../hub/hub-courses.service';
import { registerSite } from '../hub/hub-registration';
import { applyHubSettings } from '../hub/hub-settings.service';
import { siteOfUser } from '../hub/hub-sites.service';
import { updateRole } from '../roles/roles.service';
import { createAdminToken } from '../tokens/tokens.service';

const catalogue = createCatalogue(FUNCTIONS);

const run = promisify(execFile);
const ADMIN = { id: null, username: 'test', ip: '' };

/** A site with web services on, every protocol on, and an admin token on a service holding every function. */
async function siteWithEverything() {
  const t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  await t.deps.settings.apply(
    {
      enablewebservices: '1',
      webserviceprotocols: 'rest,soap,xmlrpc,amf',
      debug: 'developer',
      enablewsdocumentation: '1',
    },
    SYSTEM_ACTOR,
  );
  const now = Math.floor(Date.now() / 1000);
  const svc = firstRow(
    await t.store.db
      .insert(externalServices)
      .values({
        name: 'Everything',
        shortname: 'everything',
        enabled: true,
        uploadFiles: true,
        downloadFiles: true,
        timecreated: now,
        timemodified: now,
      })
      .returning(),
  );
  // Written directly: deprecated functions cannot be added through the console, but a service may still hold one.
  await t.store.db
    .insert(externalServiceFunctions)
    .values(catalogue.all.map((f) => ({ serviceId: svc.id, functionName: f.name })));
  t.deps.gen.bump();
  const { secret } = await createAdminToken(
    t.deps,
    { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
    ADMIN,
    true,
  );
  // The hub's site functions are called by a registered site with its own token: a public hub,
  // the site of the hub_update_site_info example, and its course 1 (hub_unregister_courses).
  await applyHubSettings(t.deps, { enabled: true, privacy: 'public' }, SYSTEM_ACTOR);
  const hubSite = await registerSite(
    t.deps,
    {
      name: 'Example college',
      url: 'https://moodle.example.edu',
      description: '',
      contactname: '',
      contactemail: '',
      language: 'en',
      countrycode: '',
      courses: 1,
      users: 1,
    },
    '',
    SYSTEM_ACTOR,
  );
  const siteRow = (await t.store.db.select().from(hubSites).where(eq(hubSites.id, hubSite.siteid)).limit(1)).at(0)!;
  await publishCourses(
    t.deps,
    siteRow,
    [
      {
        sitecourseid: 1,
        fullname: 'Published',
        shortname: 'PUB',
        description: '',
        language: 'en',
        publishername: '',
        publisheremail: '',
        contributornames: '',
        coverage: '',
        creatorname: '',
        licenceshortname: 'cc',
        subject: '',
        audience: 'students',
        educationallevel: 'tertiary',
        creatornotes: '',
        creatornotesformat: 1,
        enrollable: false,
      },
    ],
    SYSTEM_ACTOR,
  );
  if (!(await siteOfUser(t.store.db, siteRow.userId!))) throw new Error('The hub site was not registered');
  // The hub's roles allow XML-RPC and REST, as Moodle's hub does; SOAP and AMF too here, for their examples.
  const registered = (
    await t.store.db.select().from(roles).where(eq(roles.shortname, 'hubregisteredsite')).limit(1)
  ).at(0)!;
  await t.store.db.insert(roleCapabilities).values([
    { roleId: registered.id, capability: 'webservice/soap:use', permission: 'allow' },
    { roleId: registered.id, capability: 'webservice/amf:use', permission: 'allow' },
  ]);
  t.deps.gen.bump();
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // What GATEHOUSE_WWWROOT would say: the port is known only once the server listens.
  t.deps.env.wwwroot = base;
  const admin = t.client({ host: new URL(base).host });
  await admin.login('admin', 'Admin-pass-1');
  return {
    t,
    base,
    secret,
    hubSiteToken: hubSite.token,
    admin,
    serviceId: svc.id,
    close: async () => {
      server.close();
      await t.close();
    },
  };
}

type Site = Awaited<ReturnType<typeof siteWithEverything>>;

/** Functions only a registered hub site can call (with its own token). */
const HUB_SITE_FUNCTIONS = new Set([
  'hub_update_site_info',
  'hub_register_courses',
  'hub_unregister_courses',
  'hub_unregister_site',
]);

describe.each([
  ['restForm', (out: string) => !out.includes('"exception"')],
  ['restJson', (out: string) => !out.includes('"exception"')],
  ['xmlrpc', (out: string) => out.includes('<methodResponse>') && !out.includes('<fault>')],
  ['soap', (out: string) => out.includes('Response xmlns=') && !out.includes('Fault>')],
] as const)('the generated %s example of every function runs against the real server', (kind, succeeded) => {
  let site: Site;
  let docs: { functions: { name: string; examples: Record<string, string> }[] };
  beforeAll(async () => {
    site = await siteWithEverything();
    // Through the real server, so that the examples carry its address as a browser would see it.
    const res = await fetch(`${site.base}/api/docs/functions`, { headers: { cookie: site.admin.cookieHeader() } });
    docs = (await res.json()) as typeof docs;
  });
  afterAll(() => site.close());

  it.each(catalogue.all.map((f) => f.name))('%s', async (name) => {
    const doc = docs.functions.find((f) => f.name === name);
    const command = doc?.examples[kind];
    expect(command, `no ${kind} example for ${name}`).toBeTruthy();
    // The example is documented against this site's address with a placeholder token.
    expect(command).toContain(site.base);
    const { stdout } = await run('bash', [
      '-c',
      `${(command as string).replaceAll('YOUR_TOKEN', HUB_SITE_FUNCTIONS.has(name) ? site.hubSiteToken : site.secret)} --silent --show-error`,
    ]);
    expect(succeeded(stdout), `${name} over ${kind} answered:\n${stdout.slice(0, 600)}`).toBe(true);
  });
});

describe('the generated AMF example of every function runs against the real server', () => {
  // The example is Flex code (a RemoteObject): its endpoint and its send(…) arguments are read
  // from it and sent as that RemoteObject would send them, by an amfjs client (test/amf-client.ts).
  let site: Site;
  let docs: { functions: { name: string; examples: Record<string, string> }[] };
  beforeAll(async () => {
    site = await siteWithEverything();
    const res = await fetch(`${site.base}/api/docs/functions`, { headers: { cookie: site.admin.cookieHeader() } });
    docs = (await res.json()) as typeof docs;
  });
  afterAll(() => site.close());

  it.each(catalogue.all.map((f) => f.name))('%s', async (name) => {
    const code = docs.functions.find((f) => f.name === name)?.examples.amf ?? '';
    const endpoint = /api\.endpoint = ("[^"]*");/.exec(code)?.[1];
    const call = /api\.getOperation\(("[^"]*")\)\.send\((.*)\);/.exec(code);
    expect(endpoint && call, `no AMF example for ${name}`).toBeTruthy();
    const url = new URL(JSON.parse(endpoint as string) as string);
    expect(url.origin).toBe(site.base);
    const token = HUB_SITE_FUNCTIONS.has(name) ? site.hubSiteToken : site.secret;
    const args = JSON.parse(`[${call?.[2] ?? ''}]`) as unknown[];
    const res = await amfCall(site.base, token, envelope([remoting(JSON.parse(call?.[1] as string) as string, args)]));
    const answer = res.bodies[0]?.value;
    expect(answer?.__class, `${name} over AMF answered ${JSON.stringify(answer).slice(0, 600)}`).toBe(
      'flex.messaging.messages.AcknowledgeMessage',
    );
  });
});

describe('API documentation', () => {
  let site: Site;
  beforeAll(async () => {
    site = await siteWithEverything();
  });
  afterAll(() => site.close());

  it('documents every function with its arguments, returns, capabilities, type and an error example', async () => {
    const res = await site.admin.get('/api/docs/functions');
    expect(res.status).toBe(200);
    const g = res.body.functions.find((f: { name: string }) => f.name === 'core_group_create_groups');
    expect(g.component).toBe('core_group');
    expect(g.type).toBe('write');
    expect(g.capabilities).toContain('moodle/course:managegroups');
    expect(g.parameters.keys.groups.content.keys.courseid).toMatchObject({
      kind: 'value',
      type: 'int',
      presence: 'required',
    });
    expect(g.parameters.keys.groups.content.keys.descriptionformat).toMatchObject({ presence: 'default', default: 1 });
    expect(g.returns.kind).toBe('multiple');
    expect(g.errorExample).toMatchObject({
      errorcode: 'invalidparameter',
      debuginfo: 'Missing required key in single structure: groups',
    });
    const legacy = res.body.functions.find((f: { name: string }) => f.name === 'moodle_group_create_groups');
    expect(legacy).toMatchObject({ deprecated: true, replacedBy: 'core_group_create_groups' });
  });

  it('is for site configuration holders only', async () => {
    const manager = site.t.client();
    await manager.login('manager', 'Demo-pass-1');
    expect((await manager.get('/api/docs/functions')).status).toBe(403);
    expect((await manager.get('/api/docs/openapi.json')).status).toBe(403);
  });

  it('serves OpenAPI 3.1 documents that validate, for everything and per service', async () => {
    const validator = new Validator();
    const all = await site.admin.get('/api/docs/openapi.json?download=1');
    expect(all.headers.get('content-disposition')).toContain('attachment');
    expect(all.body.openapi).toBe('3.1.0');
    const result = await validator.validate(all.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // One operation per function, and Moodle's four file endpoints.
    expect(Object.keys(all.body.paths)).toHaveLength(catalogue.all.length + 4);
    expect(all.body.paths['/webservice/rest/server.php/moodle_group_create_groups'].post.deprecated).toBe(true);
    const mobile = (await site.t.deps.store.db.select().from(externalServices)).find(
      (s) => s.shortname === 'moodle_mobile_app',
    )!;
    const one = await site.admin.get(`/api/docs/openapi/services/${mobile.id}`);
    expect((await new Validator().validate(one.body)).valid).toBe(true);
    expect(Object.keys(one.body.paths)).toContain('/webservice/rest/server.php/core_webservice_get_site_info');
    expect(Object.keys(one.body.paths)).not.toContain('/webservice/rest/server.php/core_group_create_groups');
  });

  it('the documented path form of the REST endpoint answers JSON', async () => {
    const res = await fetch(`${site.base}/webservice/rest/server.php/core_webservice_get_site_info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.secret}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { username: string }).username).toBe('admin');
  });
});

describe('user documentation and Try it', () => {
  let site: Site;
  let owner: Client;
  let keyId: number;
  beforeAll(async () => {
    site = await siteWithEverything();
    const created = await createAdminToken(
      site.t.deps,
      { userId: await site.t.userId('manager'), serviceId: site.serviceId, validUntil: null },
      ADMIN,
      true,
    );
    keyId = created.token.id;
    // Try it goes through the REST chain, so the key's owner needs the REST use capability.
    const manager = site.t.deps.authz.roleByShortname('manager')!;
    await updateRole(site.t.deps, manager.id, { capabilities: { 'webservice/rest:use': 'allow' } }, ADMIN);
    owner = site.t.client();
    await owner.login('manager', 'Demo-pass-1');
  });
  afterAll(() => site.close());

  it("shows the key's owner the documentation of the key's service, with the enabled protocols only", async () => {
    await site.t.deps.settings.apply({ webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
    const res = await owner.get(`/api/me/keys/${keyId}/docs`);
    expect(res.status).toBe(200);
    expect(res.body.service.shortname).toBe('everything');
    expect(res.body.protocols).toEqual(['rest']);
    expect(Object.keys(res.body.functions[0].examples).sort()).toEqual(['restForm', 'restJson']);
    const openapi = await owner.get(`/api/me/keys/${keyId}/openapi.json`);
    expect((await new Validator().validate(openapi.body)).valid).toBe(true);
    await site.t.deps.settings.apply({ webserviceprotocols: 'rest,soap,xmlrpc' }, SYSTEM_ACTOR);
  });

  it('refuses anyone but the owner, and everyone when documentation is disabled', async () => {
    const other = site.t.client();
    await other.login('teacher', 'Demo-pass-1');
    expect((await other.get(`/api/me/keys/${keyId}/docs`)).status).toBe(404);
    expect((await other.get(`/api/me/keys/${keyId}/openapi.json`)).status).toBe(404);
    expect((await site.admin.get(`/api/me/keys/${keyId}/docs`)).status).toBe(404);
    await site.t.deps.settings.apply({ enablewsdocumentation: '0' }, SYSTEM_ACTOR);
    const off = await owner.get(`/api/me/keys/${keyId}/docs`);
    expect(off.status).toBe(403);
    expect(off.body.error.code).toBe('docsdisabled');
    await site.t.deps.settings.apply({ enablewsdocumentation: '1' }, SYSTEM_ACTOR);
    expect((await site.t.client().get(`/api/me/keys/${keyId}/docs`)).status).toBe(401);
  });

  it('Try it runs a function with the viewer’s own key through the access-check chain', async () => {
    const ok = await owner.post('/api/docs/try', {
      keyId,
      function: 'core_group_get_course_groups',
      args: { courseid: 2 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true });
    expect(Array.isArray(ok.body.response)).toBe(true);
    const bad = await owner.post('/api/docs/try', {
      keyId,
      function: 'core_group_get_course_groups',
      args: { courseid: 'x' },
    });
    expect(bad.body).toMatchObject({ ok: false, response: { errorcode: 'invalidparameter' } });
    const other = site.t.client();
    await other.login('teacher', 'Demo-pass-1');
    const stolen = await other.post('/api/docs/try', { keyId, function: 'core_webservice_get_site_info', args: {} });
    expect(stolen.body).toMatchObject({ ok: false, response: { errorcode: 'invalidtoken' } });
    expect(
      (await owner.post('/api/docs/try', { keyId, function: 'core_webservice_get_site_info' }, { csrf: false })).status,
    ).toBe(403);
  });
});
