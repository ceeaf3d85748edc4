import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  type Client,
  DEMO_PASSWORD,
  errorOf,
  makeTestApp,
  signIn,
  type TestApp,
} from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';

// Maintenance mode closes the console too: only users with moodle/site:maintenanceaccess (the
// manager role here; site administrators pass every check) may sign in, and the sessions of
// everyone else are refused, with a clear message, until it is switched off again.

const MESSAGE = 'The site is undergoing maintenance and is currently not available';

let t: TestApp;
let ipn = 0;
const fresh = () => t.client({ ip: `10.${140 + Math.floor(ipn / 250)}.${ipn++ % 250}.1` });
const maintenance = (on: boolean) => t.deps.settings.apply({ maintenance_enabled: on ? '1' : '0' }, SYSTEM_ACTOR);

let student: Client;
let teacher: Client;
let manager: Client;

beforeAll(async () => {
  t = await makeTestApp();
  student = await signIn(t, 'student');
  teacher = await signIn(t, 'teacher');
  manager = await signIn(t, 'manager');
});
afterAll(() => t.close());
afterEach(() => maintenance(false));

describe('maintenance mode and the console', () => {
  it('refuses to sign in a user without maintenance access (503 sitemaintenance); a wrong password is still just invalidlogin', async () => {
    await maintenance(true);
    const res = await fresh().tryLogin('student', DEMO_PASSWORD);
    expect(res.status).toBe(503);
    expect(errorOf(res)).toEqual({ code: 'sitemaintenance', message: MESSAGE });
    expect(res.setCookies).toHaveLength(0);
    const wrong = await fresh().tryLogin('student', 'Wrong-pass-1');
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe('invalidlogin');
    // A refused account is refused as ever, maintenance or not.
    expect(errorOf(await fresh().tryLogin('suspended', DEMO_PASSWORD)).code).toBe('invalidlogin');
  });

  it('signs in users with moodle/site:maintenanceaccess and site administrators', async () => {
    await maintenance(true);
    expect((await fresh().tryLogin('manager', DEMO_PASSWORD)).status).toBe(200);
    expect((await fresh().tryLogin('admin', ADMIN_PASSWORD)).status).toBe(200);
  });

  it('refuses the existing sessions of other users with the same message, keeps them for later, and lets them sign out', async () => {
    await maintenance(true);
    for (const path of ['/api/auth/me', '/api/me/keys']) {
      const res = await student.get(path);
      expect(res.status, path).toBe(503);
      expect(errorOf(res)).toEqual({ code: 'sitemaintenance', message: MESSAGE });
    }
    expect((await manager.get('/api/auth/me')).status).toBe(200);
    expect((await teacher.post('/api/auth/logout')).status).toBe(200);
    await maintenance(false);
    expect((await student.get('/api/auth/me')).status).toBe(200);
    expect((await teacher.get('/api/auth/me')).status).toBe(401);
  });
});
