import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await makeTestApp();
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
});
afterAll(() => t.close());

const steps = async (id: string) => {
  const res = await admin.get('/api/overview');
  expect(res.status).toBe(200);
  return res.body.checklists.find((c: { id: string }) => c.id === id).steps as {
    title: string;
    done: boolean;
    status: string;
    link: string;
  }[];
};
const step = async (id: string, title: string) => (await steps(id)).find((s) => s.title === title)!;

describe('Overview', () => {
  it('has the two checklists with their steps in order, each with a link', async () => {
    const system = await steps('system');
    expect(system.map((s) => s.title)).toEqual([
      'Enable web services',
      'Enable protocols',
      'Create a specific user',
      'Check user capability',
      'Select a service',
      'Add functions',
      'Select a specific user',
      'Create a token for a user',
      'Enable developer documentation',
      'Test the service',
    ]);
    expect((await steps('users')).map((s) => s.title)).toEqual([
      'Enable web services',
      'Enable protocols',
      'Select a service',
      'Add functions',
      'Check users capability',
      'Test the service',
    ]);
    for (const s of system) expect(s.link).toMatch(/^\/admin\//);
  });

  it('follows the live state of each step', async () => {
    expect((await step('system', 'Enable web services')).done).toBe(false);
    expect((await step('system', 'Enable protocols')).done).toBe(false);
    await t.deps.settings.apply(
      { enablewebservices: '1', webserviceprotocols: 'rest', enablewsdocumentation: '1' },
      SYSTEM_ACTOR,
    );
    expect(await step('system', 'Enable web services')).toMatchObject({
      done: true,
      status: 'Web services are enabled',
    });
    expect(await step('system', 'Enable protocols')).toMatchObject({ done: true, status: 'Enabled: rest' });
    expect((await step('system', 'Enable developer documentation')).done).toBe(true);
    // The demo data has a web-services user (wsclient).
    expect((await step('system', 'Create a specific user')).done).toBe(true);
    expect((await step('system', 'Select a service')).done).toBe(false);
    const created = await admin.post('/api/services', {
      name: 'Sync',
      shortname: 'sync',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    });
    expect((await step('system', 'Select a service')).done).toBe(true);
    expect((await step('system', 'Add functions')).done).toBe(false);
    await admin.post(`/api/services/${created.body.id}/functions`, { functions: ['core_webservice_get_site_info'] });
    expect((await step('users', 'Add functions')).done).toBe(true);
    expect((await step('system', 'Create a token for a user')).done).toBe(false);
    await admin.post('/api/tokens', { userId: await t.userId('teacher'), serviceId: created.body.id });
    expect((await step('system', 'Create a token for a user')).done).toBe(true);
  });

  it('is for site configuration holders only', async () => {
    const student = t.client();
    await student.login('student', 'Demo-pass-1');
    expect((await student.get('/api/overview')).status).toBe(403);
  });
});
