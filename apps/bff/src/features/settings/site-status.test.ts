import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';

let t: TestApp;
let admin: Client;
let student: Client;

beforeAll(async () => {
  t = await makeTestApp();
  [admin, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'student')]);
});
afterAll(() => t.close());

describe('GET /api/settings/status (the console banner)', () => {
  it('tells any signed-in user whether maintenance mode or developer debugging is on, and nothing else', async () => {
    const off = await student.get('/api/settings/status');
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ maintenance: false, developerDebugging: false });

    expect((await admin.patch('/api/settings', { maintenance_enabled: '1', debug: 'developer' })).status).toBe(200);
    const on = await admin.get('/api/settings/status');
    expect(on.body).toEqual({ maintenance: true, developerDebugging: true });

    // NORMAL debugging is not DEVELOPER: no banner for it.
    expect((await admin.patch('/api/settings', { maintenance_enabled: '0', debug: 'normal' })).status).toBe(200);
    expect((await student.get('/api/settings/status')).body).toEqual({ maintenance: false, developerDebugging: false });
  });

  it('is refused to anonymous callers', async () => {
    expect((await t.client().get('/api/settings/status')).status).toBe(401);
  });
});
