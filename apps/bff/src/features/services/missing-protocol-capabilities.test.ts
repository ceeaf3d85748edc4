import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, serviceBody, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

// Missing capabilities (authorised users, tokens) include the use capability of each enabled
// protocol (webservice/rest:use …, AMF's among them), not only the functions' capabilities: a
// call without it is refused before the function runs.

let t: TestApp;
let admin: Client;
let serviceId: number;
let student: number;
beforeAll(async () => {
  t = await makeTestApp();
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
  student = await t.userId('student');
  const res = await admin.post(
    '/api/services',
    serviceBody('Protocol caps', 'protocol_caps', { restrictedUsers: true }),
  );
  expect(res.status).toBe(201);
  serviceId = res.body.id;
  await admin.post(`/api/services/${serviceId}/functions`, { functions: ['core_webservice_get_site_info'] });
  expect((await admin.post(`/api/services/${serviceId}/users`, { userIds: [student] })).status).toBe(201);
});
afterAll(() => t.close());

const protocols = (webserviceprotocols: string) =>
  t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols }, SYSTEM_ACTOR);
const authorisedMissing = async () => {
  const res = await admin.get(`/api/services/${serviceId}/users`);
  expect(res.status).toBe(200);
  return res.body.find((a: { user: { id: number } }) => a.user.id === student).missingCapabilities as string[];
};

describe('missing capabilities include the protocol use capabilities', () => {
  it("lists the enabled protocols' use capabilities the user lacks, on the authorised users list and the token", async () => {
    await protocols('');
    expect(await authorisedMissing()).toEqual([]);
    const created = await admin.post('/api/tokens', { userId: student, serviceId });
    expect(created.status).toBe(201);
    const id = created.body.token.id as number;
    expect((await admin.get(`/api/tokens/${id}`)).body).toMatchObject({ statuses: ['valid'], missingCapabilities: [] });

    await protocols('rest,soap,amf');
    expect(await authorisedMissing()).toEqual(['webservice/amf:use', 'webservice/rest:use', 'webservice/soap:use']);
    expect((await admin.get(`/api/tokens/${id}`)).body).toMatchObject({
      statuses: ['missingcapabilities'],
      missingCapabilities: ['webservice/amf:use', 'webservice/rest:use', 'webservice/soap:use'],
    });
    const listed = await admin.get(`/api/tokens?serviceId=${serviceId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items[0].missingCapabilities).toEqual([
      'webservice/amf:use',
      'webservice/rest:use',
      'webservice/soap:use',
    ]);
  });

  it('a role that allows the capability takes it off the list', async () => {
    await protocols('rest');
    const role = await admin.post('/api/roles', {
      shortname: 'rest_users',
      name: 'REST users',
      capabilities: { 'webservice/rest:use': 'allow' },
    });
    expect(role.status).toBe(201);
    expect(await authorisedMissing()).toEqual(['webservice/rest:use']);
    expect((await admin.post(`/api/roles/${role.body.id}/assignments`, { userId: student })).status).toBeLessThan(300);
    expect(await authorisedMissing()).toEqual([]);
    // One enabled protocol the user may use is enough: SOAP on as well flags nothing.
    await protocols('rest,soap');
    expect(await authorisedMissing()).toEqual([]);
  });

  it('a site administrator lacks none', async () => {
    await protocols('rest,soap,xmlrpc');
    expect((await admin.post(`/api/services/${serviceId}/users`, { userIds: [await t.userId('admin')] })).status).toBe(
      201,
    );
    const res = await admin.get(`/api/services/${serviceId}/users`);
    const a = res.body.find((x: { user: { username: string } }) => x.user.username === 'admin');
    expect(a.missingCapabilities).toEqual([]);
  });
});
