import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

// The counts behind each step's status, checked by how they move when the console changes
// what they count (the demo data is on, so each starts from whatever it holds).

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await makeTestApp();
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
});
afterAll(() => t.close());

type Step = { title: string; done: boolean; status: string };
const step = async (list: 'system' | 'users', title: string): Promise<Step> => {
  const res = await admin.get('/api/overview');
  expect(res.status).toBe(200);
  const steps = res.body.checklists.find((c: { id: string }) => c.id === list).steps as Step[];
  return steps.find((s) => s.title === title)!;
};
/** The number a status starts with ("3 role(s) …"), 0 for "No …". */
const count = async (list: 'system' | 'users', title: string) => {
  const { status } = await step(list, title);
  return /^\d+/.test(status) ? Number.parseInt(status, 10) : 0;
};

let roleNo = 0;
const createRole = async (capabilities: Record<string, string>) => {
  const res = await admin.post('/api/roles', {
    shortname: `counted_${++roleNo}`,
    name: `Counted ${roleNo}`,
    capabilities,
  });
  expect(res.status).toBe(201);
  return res.body.id as number;
};
let serviceNo = 0;
const createService = async (fields: { enabled: boolean; restrictedUsers: boolean }, functions: string[] = []) => {
  const res = await admin.post('/api/services', {
    name: `Counted service ${++serviceNo}`,
    shortname: `counted_${serviceNo}`,
    requiredCapability: null,
    downloadFiles: false,
    uploadFiles: false,
    ...fields,
  });
  expect(res.status).toBe(201);
  if (functions.length) {
    expect((await admin.post(`/api/services/${res.body.id}/functions`, { functions })).status).toBeLessThan(300);
  }
  return res.body.id as number;
};

describe('Overview statuses', () => {
  it('counts each role that allows a protocol capability once, and only allowed ones', async () => {
    // Only the enabled protocols' use capabilities count.
    await t.deps.settings.apply({ webserviceprotocols: 'rest,soap,xmlrpc' }, SYSTEM_ACTOR);
    const before = await count('system', 'Check user capability');
    await createRole({
      'webservice/rest:use': 'allow',
      'webservice/soap:use': 'allow',
      'webservice/xmlrpc:use': 'allow',
    });
    expect(await count('system', 'Check user capability')).toBe(before + 1);
    await createRole({ 'webservice/rest:use': 'prohibit', 'moodle/site:config': 'allow' });
    await createRole({ 'webservice/soap:use': 'prohibit' });
    expect(await count('system', 'Check user capability')).toBe(before + 1);
    expect(await step('system', 'Check user capability')).toMatchObject({
      done: true,
      status: `${before + 1} role(s) allow the use capability of an enabled protocol`,
    });
  });

  it('counts the roles that allow creating tokens', async () => {
    // The demo's manager role allows it; the authenticated user role does not (which would say so instead).
    expect((await step('users', 'Check users capability')).status).toMatch(/^\d+ role\(s\) allow/);
    const before = await count('users', 'Check users capability');
    await createRole({ 'moodle/webservice:createtoken': 'allow' });
    await createRole({ 'moodle/webservice:createtoken': 'prohibit' });
    expect(await step('users', 'Check users capability')).toMatchObject({
      done: true,
      status: `${before + 1} role(s) allow moodle/webservice:createtoken`,
    });
  });

  it('counts the enabled services, those open to all users, and those with functions', async () => {
    const enabled = await count('system', 'Select a service');
    const open = await count('users', 'Select a service');
    const withFunctions = await count('system', 'Add functions');
    await createService({ enabled: true, restrictedUsers: false }, [
      'core_webservice_get_site_info',
      'core_user_get_users_by_field',
    ]);
    await createService({ enabled: true, restrictedUsers: true });
    await createService({ enabled: false, restrictedUsers: false }, ['core_webservice_get_site_info']);
    expect(await step('system', 'Select a service')).toMatchObject({
      done: true,
      status: `${enabled + 2} enabled service(s)`,
    });
    expect(await step('users', 'Select a service')).toMatchObject({
      done: true,
      status: `${open + 1} enabled service(s) open to all users`,
    });
    expect(await step('system', 'Add functions')).toMatchObject({
      done: true,
      status: `${withFunctions + 1} enabled service(s) with functions`,
    });
  });

  it('counts the authorised users and the tokens', async () => {
    const authorised = await count('system', 'Select a specific user');
    const tokens = await count('system', 'Create a token for a user');
    const serviceId = await createService({ enabled: true, restrictedUsers: true }, ['core_webservice_get_site_info']);
    const users = [await t.userId('teacher'), await t.userId('student')];
    expect((await admin.post(`/api/services/${serviceId}/users`, { userIds: users })).status).toBeLessThan(300);
    expect(await step('system', 'Select a specific user')).toMatchObject({
      done: true,
      status: `${authorised + 2} authorised user(s)`,
    });
    expect((await admin.post('/api/tokens', { userId: await t.userId('teacher'), serviceId })).status).toBe(201);
    expect(await step('system', 'Create a token for a user')).toMatchObject({
      done: true,
      status: `${tokens + 1} token(s)`,
    });
  });
});
