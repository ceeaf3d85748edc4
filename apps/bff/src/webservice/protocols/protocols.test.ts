import { readPacket } from '@gatehouse/shared';
import { eq } from 'drizzle-orm';
import * as soap from 'soap';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import xmlrpc from 'xmlrpc';
import { courses, externalServices, externalServiceUsers, externalTokens, groups, users } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { assignRole, createRole } from '../../features/roles/roles.service';
import { addServiceFunctions, createService } from '../../features/services/services.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { type EarlyServer, listenFirst } from '../../test/listen';
import { moodleFaultOf } from '../../test/xmlrpc-faults';

// Every protocol, driven the way external systems drive it: REST with plain fetch (both formats,
// both argument encodings), XML-RPC with the `xmlrpc` client from npm, SOAP with the `soap`
// client from npm reading the generated WSDL.

let t: TestApp;
let base: string;
let server: EarlyServer;
let secret: string;
let tokenId: number;
let serviceId: number;
let teacherId: number;
let courseId: number;

const ADMIN = { id: null, username: 'test', ip: '' };

beforeAll(async () => {
  // The server first, so that the site's public URL (GATEHOUSE_WWWROOT, which the WSDL's
  // address is built from) can be the address it listens on.
  server = await listenFirst();
  base = server.base;
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base } });
  server.attach(t);
  const { deps } = t;
  teacherId = await t.userId('teacher');
  const role = await createRole(
    deps,
    {
      shortname: 'wsuser',
      name: 'Web service user',
      capabilities: {
        'webservice/rest:use': 'allow',
        'webservice/xmlrpc:use': 'allow',
        'webservice/soap:use': 'allow',
      },
    },
    ADMIN,
  );
  await assignRole(deps, role.id, teacherId, ADMIN);
  const svc = await createService(
    deps,
    {
      name: 'Test service',
      shortname: 'testsvc',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    },
    ADMIN,
  );
  serviceId = svc.id;
  await addServiceFunctions(
    deps,
    serviceId,
    ['core_webservice_get_site_info', 'core_group_create_groups', 'core_group_get_course_groups'],
    ADMIN,
  );
  const created = await createAdminToken(deps, { userId: teacherId, serviceId, validUntil: null }, ADMIN, true);
  secret = created.secret;
  tokenId = created.token.id;
  courseId = (await deps.store.db.select().from(courses).where(eq(courses.shortname, 'CS101')).limit(1)).at(0)!.id;
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

beforeEach(async () => {
  await t.deps.settings.apply(
    { enablewebservices: '1', webserviceprotocols: 'rest,soap,xmlrpc', debug: 'normal', maintenance_enabled: '0' },
    SYSTEM_ACTOR,
  );
});

// ---- clients --------------------------------------------------------------------------------

async function rest(
  fn: string,
  body: string | Record<string, unknown>,
  opts: { format?: 'json' | 'xml'; bearer?: boolean; token?: string } = {},
) {
  const token = opts.token ?? secret;
  const q = new URLSearchParams({ wsfunction: fn });
  if (opts.format) q.set('moodlewsrestformat', opts.format);
  if (!opts.bearer) q.set('wstoken', token);
  const isJson = typeof body !== 'string';
  const res = await fetch(`${base}/webservice/rest/server.php?${q}`, {
    method: 'POST',
    headers: {
      'content-type': isJson ? 'application/json' : 'application/x-www-form-urlencoded',
      ...(opts.bearer ? { authorization: `Bearer ${token}` } : {}),
    },
    body: isJson ? JSON.stringify(body) : body,
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

function xmlrpcCall(fn: string, params: unknown[], token = secret): Promise<unknown> {
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

async function soapClient(token = secret) {
  return soap.createClientAsync(`${base}/webservice/soap/server.php?wsdl=1&wstoken=${token}&style=document`);
}

async function soapRaw(fn: string, inner: string, token = secret) {
  const res = await fetch(`${base}/webservice/soap/server.php?wstoken=${token}&style=document`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `urn:gatehouse:webservice#${fn}` },
    body: `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${fn} xmlns="urn:gatehouse:webservice">${inner}</${fn}></soap:Body></soap:Envelope>`,
  });
  return { status: res.status, text: await res.text() };
}

async function xmlrpcRaw(fn: string, token = secret) {
  const res = await fetch(`${base}/webservice/xmlrpc/server.php?wstoken=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?><methodCall><methodName>${fn}</methodName><params><param><value><struct></struct></value></param></params></methodCall>`,
  });
  return { status: res.status, text: await res.text() };
}

const groupForm = (name: string) =>
  new URLSearchParams({
    'groups[0][courseid]': String(courseId),
    'groups[0][name]': name,
    'groups[0][description]': 'Made over REST',
  }).toString();

// ---- REST -----------------------------------------------------------------------------------

describe('REST', () => {
  it('creates a group from bracket-encoded form fields and answers JSON', async () => {
    const res = await rest('core_group_create_groups', groupForm('REST form group'), { format: 'json' });
    expect(res.status).toBe(200);
    expect(res.type).toContain('application/json');
    const body = JSON.parse(res.text);
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({
      courseid: courseId,
      name: 'REST form group',
      description: 'Made over REST',
      descriptionformat: 1,
    });
    const stored = (await t.store.db.select().from(groups).where(eq(groups.id, body[0].id)).limit(1)).at(0);
    expect(stored?.name).toBe('REST form group');
  });

  it('takes a JSON body and the token as a Bearer header', async () => {
    const res = await rest(
      'core_group_create_groups',
      { groups: [{ courseid: courseId, name: 'REST JSON group', description: '' }] },
      { format: 'json', bearer: true },
    );
    expect(JSON.parse(res.text)[0].name).toBe('REST JSON group');
  });

  it('takes arguments in the query string', async () => {
    const q = new URLSearchParams({
      wstoken: secret,
      wsfunction: 'core_group_get_course_groups',
      moodlewsrestformat: 'json',
      courseid: String(courseId),
    });
    const res = await fetch(`${base}/webservice/rest/server.php?${q}`);
    const body = JSON.parse(await res.text());
    expect(Array.isArray(body)).toBe(true);
    expect(body.map((g: { name: string }) => g.name)).toContain('REST form group');
  });

  it("answers XML by default, in Moodle's RESPONSE / MULTIPLE / SINGLE / KEY / VALUE shape", async () => {
    const res = await rest('core_group_create_groups', groupForm('REST XML group'));
    expect(res.type).toContain('application/xml');
    expect(res.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8" \?>\n<RESPONSE>\n<MULTIPLE>\n<SINGLE>\n<KEY name="id"><VALUE>\d+<\/VALUE>\n<\/KEY>/,
    );
    expect(res.text).toContain('<KEY name="name"><VALUE>REST XML group</VALUE>\n</KEY>');
    expect(res.text).toContain('<KEY name="enrolmentkey">');
  });

  it('writes null values as <VALUE null="null"/> and site info as a SINGLE', async () => {
    const res = await rest('core_webservice_get_site_info', '');
    expect(res.text).toContain('<RESPONSE>\n<SINGLE>');
    expect(res.text).toContain('<KEY name="username"><VALUE>teacher</VALUE>');
    expect(res.text).toMatch(/<KEY name="functions"><MULTIPLE>/);
  });

  it('reports parameter errors with the path, in JSON and in XML, with HTTP 200', async () => {
    const bad = new URLSearchParams({
      'groups[0][courseid]': 'abc',
      'groups[0][name]': 'x',
      'groups[0][description]': '',
    }).toString();
    const json = await rest('core_group_create_groups', bad, { format: 'json' });
    expect(json.status).toBe(200);
    const err = JSON.parse(json.text);
    expect(err).toMatchObject({
      exception: 'invalid_parameter_exception',
      errorcode: 'invalidparameter',
      message: 'Invalid parameter value detected',
    });
    expect(err.debuginfo).toContain('groups => 0 => courseid');
    const xml = await rest('core_group_create_groups', bad);
    expect(xml.text).toContain('<EXCEPTION class="invalid_parameter_exception">');
    expect(xml.text).toContain('<ERRORCODE>invalidparameter</ERRORCODE>');
    expect(xml.text).toContain('<DEBUGINFO>');
  });

  it('leaves out debuginfo when debugging is none', async () => {
    await t.deps.settings.apply({ debug: 'none' }, SYSTEM_ACTOR);
    const res = await rest('core_group_create_groups', 'groups[0][courseid]=abc', { format: 'json' });
    const err = JSON.parse(res.text);
    expect(err.errorcode).toBe('invalidparameter');
    expect(err).not.toHaveProperty('debuginfo');
    const xml = await rest('core_group_create_groups', 'groups[0][courseid]=abc');
    expect(xml.text).not.toContain('DEBUGINFO');
  });

  it('refuses malformed and oversized input cleanly and changes nothing', async () => {
    const before = (await t.store.db.select().from(groups)).length;
    const malformed = await fetch(
      `${base}/webservice/rest/server.php?wstoken=${secret}&wsfunction=core_group_create_groups&moodlewsrestformat=json`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"groups": [',
      },
    );
    expect(malformed.status).toBe(400);
    expect(JSON.parse(await malformed.text()).errorcode).toBe('invalidparameter');
    const deep = `${'a'.repeat(1)}${'[x]'.repeat(40)}=1`;
    const nested = await rest('core_group_create_groups', deep, { format: 'json' });
    expect(JSON.parse(nested.text).message).toMatch(/nested too deeply/);
    const huge = await fetch(`${base}/webservice/rest/server.php?moodlewsrestformat=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `x=${'a'.repeat(5 * 1024 * 1024)}`,
    });
    expect(huge.status).toBe(413);
    expect(JSON.parse(await huge.text()).errorcode).toBe('invalidparameter');
    expect((await t.store.db.select().from(groups)).length).toBe(before);
  });

  it('reads bodies straight from the Node request stream: chunked (no length), over the limit, and multipart', async () => {
    // A body sent in chunks without Content-Length: the limit is found while reading.
    const chunked = (parts: string[]) =>
      fetch(`${base}/webservice/rest/server.php?moodlewsrestformat=json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${secret}` },
        body: new ReadableStream({
          start(controller) {
            for (const p of parts) controller.enqueue(new TextEncoder().encode(p));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const small = await chunked(['wsfunction=core_webservice_', 'get_site_info&moodlewsrestformat=json']);
    expect(small.status).toBe(200);
    expect(JSON.parse(await small.text()).username).toBe('teacher');
    const over = await chunked([
      'wsfunction=core_webservice_get_site_info&x=',
      ...Array(5).fill('a'.repeat(1024 * 1024)),
    ]);
    expect(over.status).toBe(413);
    expect(JSON.parse(await over.text()).message).toMatch(/too large/);
    // The connection is still usable afterwards.
    expect((await chunked(['wsfunction=core_webservice_get_site_info'])).status).toBe(200);
    const form = new FormData();
    form.set('wsfunction', 'core_webservice_get_site_info');
    form.set('moodlewsrestformat', 'json');
    const multipart = await fetch(`${base}/webservice/rest/server.php`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: form,
    });
    expect(JSON.parse(await multipart.text()).username).toBe('teacher');
  });
});

// ---- XML-RPC --------------------------------------------------------------------------------

describe('XML-RPC (xmlrpc client from npm)', () => {
  it('calls core_webservice_get_site_info and core_group_create_groups with a struct of arguments', async () => {
    const info = (await xmlrpcCall('core_webservice_get_site_info', [{}])) as Record<string, unknown>;
    expect(info.username).toBe('teacher');
    expect(info.userissiteadmin).toBe(false);
    const created = (await xmlrpcCall('core_group_create_groups', [
      { groups: [{ courseid: courseId, name: 'XML-RPC group', description: 'via xmlrpc' }] },
    ])) as { id: number; name: string }[];
    expect(created[0]?.name).toBe('XML-RPC group');
    expect(
      (await t.store.db.select().from(groups).where(eq(groups.id, created[0]!.id)).limit(1)).at(0)?.description,
    ).toBe('via xmlrpc');
  });

  it('also takes positional parameters, in the declared order', async () => {
    const list = (await xmlrpcCall('core_group_get_course_groups', [courseId])) as { name: string }[];
    expect(list.map((g) => g.name)).toContain('XML-RPC group');
  });

  it("answers Moodle's fault: faultCode from the error code, faultString ending in | ERRORCODE: <code>", async () => {
    // md5('invalidparameter') in base 10 as PHP's base_convert writes it, first 8 digits.
    await expect(
      xmlrpcCall('core_group_create_groups', [{ groups: [{ courseid: 'abc', name: 'x', description: '' }] }]),
    ).rejects.toMatchObject({
      faultCode: 29039061,
      faultString: expect.stringMatching(
        /^Invalid parameter value detected \| DEBUG INFO: .* \| ERRORCODE: invalidparameter$/,
      ),
    });
    const raw = await fetch(`${base}/webservice/xmlrpc/server.php?wstoken=${secret}`, {
      method: 'POST',
      body: '<methodCall><methodName>x',
    });
    expect(moodleFaultOf(await raw.text())).toMatchObject({ faultCode: 29039061, errorcode: 'invalidparameter' });
  });

  it('refuses a DOCTYPE (no entity expansion) with a fault', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><string>&lol2;</string></value></param></params></methodCall>`;
    const res = await fetch(`${base}/webservice/xmlrpc/server.php?wstoken=${secret}`, { method: 'POST', body: bomb });
    const text = await res.text();
    expect(text).toContain('<fault>');
    expect(text).toContain('DOCTYPE');
    expect(text).not.toContain('lollol');
  });
});

// ---- SOAP -----------------------------------------------------------------------------------

// These drive the document/literal opt-in (`style=document`); Moodle's RPC/encoded contract, the
// default, is tested in soap-moodle.test.ts.
describe('SOAP document/literal (soap client from npm, reading the generated WSDL)', () => {
  it('serves a WSDL for the token’s service and calls functions through it', async () => {
    const client = await soapClient();
    const described = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    const ops = Object.keys(described.GatehouseService?.GatehousePort ?? {});
    expect(ops.sort()).toEqual([
      'core_group_create_groups',
      'core_group_get_course_groups',
      'core_webservice_get_site_info',
    ]);
    const [info] = await client.core_webservice_get_site_infoAsync({});
    expect(info.return.username).toBe('teacher');
    const [created] = await client.core_group_create_groupsAsync({
      groups: { item: [{ courseid: courseId, name: 'SOAP group', description: 'via soap' }] },
    });
    const item = created.return.item;
    const first = Array.isArray(item) ? item[0] : item;
    expect(first.name).toBe('SOAP group');
    expect(
      (await t.store.db.select().from(groups).where(eq(groups.name, 'SOAP group')).limit(1)).at(0)?.description,
    ).toBe('via soap');
  });

  it('answers a SOAP fault with the Moodle error code', async () => {
    const res = await soapRaw(
      'core_group_create_groups',
      '<groups><item><courseid>abc</courseid><name>x</name><description/></item></groups>',
    );
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>invalidparameter</faultcode>');
    expect(res.text).toContain('<faultstring>Invalid parameter value detected</faultstring>');
    expect(res.text).toContain('groups =&gt; 0 =&gt; courseid');
  });

  it('refuses malformed XML and DOCTYPEs with a fault', async () => {
    const malformed = await fetch(`${base}/webservice/soap/server.php?wstoken=${secret}&style=document`, {
      method: 'POST',
      body: '<Envelope><Body>',
    });
    expect(malformed.status).toBe(500);
    expect(await malformed.text()).toContain('<faultcode>invalidparameter</faultcode>');
    const xxe = await fetch(`${base}/webservice/soap/server.php?wstoken=${secret}&style=document`, {
      method: 'POST',
      body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Envelope><Body><core_webservice_get_site_info>&e;</core_webservice_get_site_info></Body></Envelope>',
    });
    const text = await xxe.text();
    expect(text).toContain('DOCTYPE');
    expect(text).not.toContain('root:');
  });
});

// ---- the access-check chain, every reason on every protocol ---------------------------------

type Outcome = { errorcode: string; debuginfo: string; status: number } | { forbidden: true };

async function outcomeOf(
  protocol: 'rest' | 'xmlrpc' | 'soap',
  fn = 'core_webservice_get_site_info',
  token = secret,
): Promise<Outcome> {
  if (protocol === 'rest') {
    const res = await rest(fn, '', { format: 'json', token });
    if (res.status === 403 && res.text === '') return { forbidden: true };
    const body = JSON.parse(res.text);
    return { errorcode: body.errorcode, debuginfo: body.debuginfo ?? '', status: res.status };
  }
  if (protocol === 'xmlrpc') {
    const res = await xmlrpcRaw(fn, token);
    if (res.status === 403 && res.text === '') return { forbidden: true };
    const fault = moodleFaultOf(res.text);
    return { errorcode: fault?.errorcode ?? 'none', debuginfo: fault?.debuginfo ?? '', status: res.status };
  }
  const res = await soapRaw(fn, '', token);
  if (res.status === 403 && res.text === '') return { forbidden: true };
  const code = res.text.match(/<faultcode>([^<]*)</)?.[1] ?? 'none';
  const debug = res.text.match(/<debuginfo>([^<]*)</)?.[1] ?? '';
  return { errorcode: code, debuginfo: debug, status: res.status };
}

const setToken = async (v: Partial<typeof externalTokens.$inferInsert>) => {
  await t.store.db.update(externalTokens).set(v).where(eq(externalTokens.id, tokenId));
  t.deps.gen.bump();
};
const setUser = async (v: Partial<typeof users.$inferInsert>) => {
  await t.store.db.update(users).set(v).where(eq(users.id, teacherId));
  t.deps.gen.bump();
};
const setService = async (v: Partial<typeof externalServices.$inferInsert>) => {
  await t.store.db.update(externalServices).set(v).where(eq(externalServices.id, serviceId));
  t.deps.gen.bump();
};
const authorise = async (v: Partial<typeof externalServiceUsers.$inferInsert>) => {
  await t.store.db.delete(externalServiceUsers).where(eq(externalServiceUsers.serviceId, serviceId));
  await t.store.db.insert(externalServiceUsers).values({ serviceId, userId: teacherId, timecreated: 0, ...v });
  t.deps.gen.bump();
};
const past = () => Math.floor(Date.now() / 1000) - 60;

interface Case {
  /** The FAQ's words, or the spec's check. */
  name: string;
  reason: string;
  errorcode: string;
  arrange: () => unknown;
  restore: () => unknown;
  fn?: string;
  token?: () => string | Promise<string>;
}

const CASES: Case[] = [
  {
    name: 'web service disabled (Advanced features)',
    reason: 'webservicesdisabled',
    errorcode: 'accessexception',
    arrange: () => t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR),
    restore: () => {},
  },
  {
    name: 'token not found (a typo is caught by the checksum)',
    reason: 'invalidtoken',
    errorcode: 'invalidtoken',
    arrange: () => {},
    restore: () => {},
    token: () => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
  },
  {
    name: 'admin created the token: valid date is expired',
    reason: 'tokenexpired',
    errorcode: 'accessexception',
    arrange: () => setToken({ validUntil: past() }),
    restore: () => setToken({ validUntil: null }),
  },
  {
    name: 'admin created the token: ip restriction fails',
    reason: 'tokeniprestricted',
    errorcode: 'accessexception',
    arrange: () => setToken({ ipRestriction: '10.9.9.0/24, 2001:db8::/32' }),
    restore: () => setToken({ ipRestriction: null }),
  },
  {
    name: 'user is deleted',
    reason: 'userdeleted',
    errorcode: 'accessexception',
    arrange: () => setUser({ deleted: true }),
    restore: () => setUser({ deleted: false }),
  },
  {
    name: 'site in maintenance mode',
    reason: 'sitemaintenance',
    errorcode: 'sitemaintenance',
    arrange: () => t.deps.settings.apply({ maintenance_enabled: '1' }, SYSTEM_ACTOR),
    restore: () => {},
  },
  {
    name: 'user is not confirmed',
    reason: 'usernotconfirmed',
    errorcode: 'wsaccessuserunconfirmed',
    arrange: () => setUser({ confirmed: false }),
    restore: () => setUser({ confirmed: true }),
  },
  {
    name: 'user is suspended',
    reason: 'usersuspended',
    errorcode: 'accessexception',
    arrange: () => setUser({ suspended: true }),
    restore: () => setUser({ suspended: false }),
  },
  {
    name: 'password expired',
    reason: 'passwordexpired',
    errorcode: 'accessexception',
    arrange: () => setUser({ passwordExpired: true }),
    restore: () => setUser({ passwordExpired: false }),
  },
  {
    name: 'the user authentication is set to nologin',
    reason: 'nologin',
    errorcode: 'accessexception',
    arrange: () => setUser({ auth: 'nologin' }),
    restore: () => setUser({ auth: 'manual' }),
  },
  {
    name: 'the user lacks the protocol use capability',
    reason: 'protocolcapability',
    errorcode: 'accessexception',
    arrange: () => {},
    restore: () => {},
    token: async () => {
      // student2 has no protocol capability: a token of their own.
      return (
        await createAdminToken(t.deps, { userId: await t.userId('student2'), serviceId, validUntil: null }, ADMIN, true)
      ).secret;
    },
  },
  {
    name: 'function does not exist',
    reason: 'functionnotfound',
    errorcode: 'invalidrecord',
    arrange: () => {},
    restore: () => {},
    fn: 'core_no_such_function',
  },
  {
    name: 'the service does not contain the function',
    reason: 'functionnotinservice',
    errorcode: 'accessexception',
    arrange: () => {},
    restore: () => {},
    fn: 'core_user_get_users_by_field',
  },
  {
    name: 'service is disabled',
    reason: 'servicedisabled',
    errorcode: 'accessexception',
    arrange: () => setService({ enabled: false }),
    restore: () => setService({ enabled: true }),
  },
  {
    name: "the user hasn't the required capability (Edit service)",
    reason: 'servicecapability',
    errorcode: 'accessexception',
    arrange: () => setService({ requiredCapability: 'moodle/site:config' }),
    restore: () => setService({ requiredCapability: null }),
  },
  {
    name: 'the user is not listed in the authorised list',
    reason: 'usernotauthorised',
    errorcode: 'accessexception',
    arrange: async () => {
      await setService({ restrictedUsers: true });
      await t.store.db.delete(externalServiceUsers).where(eq(externalServiceUsers.serviceId, serviceId));
    },
    restore: () => setService({ restrictedUsers: false }),
  },
  {
    name: 'authorised user: valid date is expired',
    reason: 'authorisationexpired',
    errorcode: 'accessexception',
    arrange: async () => {
      await setService({ restrictedUsers: true });
      await authorise({ validUntil: past() });
    },
    restore: () => setService({ restrictedUsers: false }),
  },
  {
    name: 'authorised user: ip restriction fails',
    reason: 'authorisationiprestricted',
    errorcode: 'accessexception',
    arrange: async () => {
      await setService({ restrictedUsers: true });
      await authorise({ ipRestriction: '192.0.2.1' });
    },
    restore: () => setService({ restrictedUsers: false }),
  },
];

describe.each(['rest', 'xmlrpc', 'soap'] as const)('access-check chain over %s', (protocol) => {
  it.each(CASES)('refuses: $name', async (c) => {
    await c.arrange();
    try {
      const out = await outcomeOf(protocol, c.fn, (await c.token?.()) ?? secret);
      expect(out).toMatchObject({ errorcode: c.errorcode });
      if ('debuginfo' in out) expect(out.debuginfo).toContain(`[${c.reason}]`);
    } finally {
      await c.restore();
    }
  });

  it('answers 403 with an empty body when the protocol is disabled', async () => {
    const others = ['rest', 'xmlrpc', 'soap'].filter((p) => p !== protocol).join(',');
    await t.deps.settings.apply({ webserviceprotocols: others }, SYSTEM_ACTOR);
    expect(await outcomeOf(protocol)).toEqual({ forbidden: true });
  });

  it("refuses a call the function's own capability check turns down", async () => {
    const out = await outcomeOf(protocol, 'core_group_get_course_groups');
    // teacher holds moodle/course:managegroups; the parameter courseid is missing here, so:
    expect(out).toMatchObject({ errorcode: 'invalidparameter' });
    const student = (
      await createAdminToken(t.deps, { userId: await t.userId('student'), serviceId, validUntil: null }, ADMIN, true)
    ).secret;
    t.deps.gen.bump();
    const role = t.deps.authz.roleByShortname('wsuser')!;
    const studentId = await t.userId('student');
    if (
      !t.deps.authz
        .rolesOf({ id: studentId, siteAdmin: false, deleted: false, isGuest: false })
        .some((r) => r.id === role.id)
    ) {
      await assignRole(t.deps, role.id, studentId, ADMIN);
    }
    try {
      if (protocol === 'rest') {
        const res = await rest('core_group_create_groups', groupForm('not allowed'), {
          format: 'json',
          token: student,
        });
        expect(JSON.parse(res.text)).toMatchObject({
          exception: 'required_capability_exception',
          errorcode: 'nopermissions',
        });
      } else if (protocol === 'xmlrpc') {
        await expect(
          xmlrpcCall(
            'core_group_create_groups',
            [{ groups: [{ courseid: courseId, name: 'no', description: '' }] }],
            student,
          ),
        ).rejects.toMatchObject({
          // Moodle's for nopermissions (the example).
          faultCode: 10340380,
          faultString: expect.stringMatching(/ \| ERRORCODE: nopermissions$/),
        });
      } else {
        const res = await soapRaw(
          'core_group_create_groups',
          `<groups><item><courseid>${courseId}</courseid><name>no</name><description/></item></groups>`,
          student,
        );
        expect(res.text).toContain('<faultcode>nopermissions</faultcode>');
      }
    } finally {
      await t.store.db.delete(externalTokens).where(eq(externalTokens.userId, await t.userId('student')));
    }
  });
});

describe('usage statistics', () => {
  it('counts calls and keeps the last error without a write per call, and flushes once', async () => {
    await t.deps.usage.flush();
    const before = (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, tokenId)).limit(1)).at(
      0,
    )!;
    await rest('core_webservice_get_site_info', '', { format: 'json' });
    await rest('core_webservice_get_site_info', '', { format: 'json' });
    await rest('core_no_such_function', '', { format: 'json' });
    const unflushed = (
      await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, tokenId)).limit(1)
    ).at(0)!;
    expect(unflushed.calls).toBe(before.calls);
    expect(t.deps.usage.peek(tokenId)?.calls).toBe(3);
    await t.deps.usage.flush();
    const after = (await t.store.db.select().from(externalTokens).where(eq(externalTokens.id, tokenId)).limit(1)).at(
      0,
    )!;
    expect(after.calls).toBe(before.calls + 3);
    expect(after.lastAccess).toBeGreaterThan(0);
    expect(after.lastError).toContain('functionnotfound');
  });
});

describe('AMF', () => {
  it('answers 403 when disabled; enabled, a POST without an envelope gets an AMF fault (invalidparameter)', async () => {
    expect((await fetch(`${base}/webservice/amf/server.php`, { method: 'POST' })).status).toBe(403);
    await t.deps.settings.apply({ webserviceprotocols: 'rest,amf' }, SYSTEM_ACTOR);
    const res = await fetch(`${base}/webservice/amf/server.php`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amf');
    const [fault] = readPacket(new Uint8Array(await res.arrayBuffer())).bodies;
    expect(fault?.target).toBe('/onStatus');
    expect((fault?.value ?? {}) as Record<string, unknown>).toMatchObject({ faultCode: 'invalidparameter' });
    expect(String(((fault?.value ?? {}) as Record<string, unknown>).faultString)).toMatch(/needs a body/);
  });
});
