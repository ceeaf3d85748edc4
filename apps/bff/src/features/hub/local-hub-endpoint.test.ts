import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { moodleFaultOf } from '../../test/xmlrpc-faults';
import { courseInfo, enableHub, hubCall, rpc, siteInfo, zendXmlrpcRequest } from './hub-rpc.test-helpers';

// local_hub's endpoint, /local/hub/webservice/webservices.php?wstoken=…, called as Moodle's
// webservice_xmlrpc_client calls it (webservice/xmlrpc/lib.php: POST, the token in the query
// string, positional parameters). The literal token `publichub` is the hub's public access while
// the hub is not private (local/hub/webservice/locallib.php, hub_webservice_xmlrpc_server).

let t: TestApp;
let admin: Client;
let site: { siteid: number; token: string };

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Endpoint hub' });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  const reg = await rpc<typeof site>(
    t,
    'hub_register_site',
    [{ siteinfo: siteInfo('Endpoint site', 'https://endpoint.example') }],
    token,
  );
  site = reg.value as typeof site;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const pub = await rpc(
    t,
    'hub_register_courses',
    [
      {
        courses: [
          courseInfo(3, 'Public algebra', {
            enrollable: true,
            courseurl: 'https://endpoint.example/course/view.php?id=3',
          }),
        ],
      },
    ],
    site.token,
  );
  expect(pub.fault, pub.text).toBeUndefined();
});

afterAll(() => t?.close());

/** hub_get_courses as the community block sends it (blocks/community/communitycourse.php): search, downloadable, enrollable, options. */
const search = ['', 0, true, { orderby: 'newest', givememore: 0 }];

describe('/local/hub/webservice/webservices.php', () => {
  it('answers publichub with the public access on a public hub (positional parameters)', async () => {
    const res = await hubCall<{ courses: { fullname: string }[] }>(t, 'hub_get_courses', search, 'publichub');
    expect(res.status).toBe(200);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value?.courses.map((c) => c.fullname)).toEqual(['Public algebra']);
  });

  it("answers a registered site's own token", async () => {
    const res = await hubCall<{ name: string }>(t, 'hub_get_info', [], site.token);
    expect(res.fault, res.text).toBeUndefined();
    expect(res.value?.name).toBe('Endpoint hub');
  });

  it('system.methodSignature (Zend_XmlRpc_Client, Moodle 2.0–3.0) gets the fault of a function that is not in external_functions', async () => {
    // lib/zend/Zend/XmlRpc/Client.php call(): getIntrospector()->getMethodSignature($method) before
    // the call; any fault makes it go on with the call. Moodle 3.1–3.3's server (webservice/xmlrpc/
    // locallib.php parse_request: external_api::external_function_info($methodname), MUST_EXIST)
    // answers dml_missing_record_exception.
    const body = zendXmlrpcRequest('system.methodSignature', ['hub_get_info']);
    const res = await hubCall(t, 'system.methodSignature', [], site.token, { body });
    expect(res.status).toBe(200);
    expect(moodleFaultOf(res.text)).toMatchObject({
      errorcode: 'invalidrecord',
      message: "Can't find data record in database table external_functions.",
    });
  });

  it('refuses an unknown token as Moodle does (invalidtoken), and a private hub refuses publichub the same way', async () => {
    expect((await hubCall(t, 'hub_get_courses', search, 'nosuchtoken')).fault?.errorcode).toBe('invalidtoken');
    const h = await admin.patch('/api/hub/settings', { privacy: 'private', password: 'Hub-pass-1' });
    expect(h.status).toBe(200);
    try {
      const res = await hubCall(t, 'hub_get_courses', search, 'publichub');
      expect(res.status).toBe(200);
      expect(res.fault?.errorcode).toBe('invalidtoken');
      expect(res.text).not.toContain('Public algebra');
      // The site's own token still works on a private hub.
      expect((await hubCall(t, 'hub_get_info', [], site.token)).fault).toBeUndefined();
    } finally {
      await admin.patch('/api/hub/settings', { privacy: 'public' });
    }
  });

  it('a disabled hub answers publichub as an unknown token', async () => {
    await admin.patch('/api/hub/settings', { enabled: false });
    try {
      expect((await hubCall(t, 'hub_get_courses', search, 'publichub')).fault?.errorcode).toBe('invalidtoken');
    } finally {
      await admin.patch('/api/hub/settings', { enabled: true });
    }
    expect((await hubCall(t, 'hub_get_courses', search, 'publichub')).fault).toBeUndefined();
  });
});
