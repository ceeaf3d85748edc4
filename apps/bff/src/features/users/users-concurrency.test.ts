import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// A password is hashed before the write that stores it (a write waits for nothing but the
// database), so two requests can both pass the first username check while they hash. The check
// is made again inside the write: the second one gets the console's own answer, not a bare
// unique-constraint conflict.

const newUser = (username: string, email: string) => ({
  username,
  firstname: 'Twin',
  lastname: 'Request',
  email,
  auth: 'manual',
  suspended: false,
  confirmed: true,
  passwordExpired: false,
  siteAdmin: false,
  password: 'Twin-pass-1',
});

const TAKEN = { code: 'conflict', message: 'This username is already taken' };

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

describe('two requests for one username at once', () => {
  it('creating: one user is created, the other request is refused as a taken username', async () => {
    const [a, b] = await Promise.all([
      admin.post('/api/users', newUser('twin', 'twin-a@example.org')),
      admin.post('/api/users', newUser('twin', 'twin-b@example.org')),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const refused = a.status === 409 ? a : b;
    expect(errorOf(refused)).toMatchObject({ ...TAKEN, fields: { username: TAKEN.message } });
    const list = await admin.get('/api/users?search=twin');
    expect(list.body.items.map((u: { username: string }) => u.username)).toEqual(['twin']);
  });

  it('renaming with a new password: one user gets the name, the other is left as it was', async () => {
    const one = await t.userId('student');
    const two = await t.userId('student2');
    const [a, b] = await Promise.all([
      admin.patch(`/api/users/${one}`, { username: 'renamed', password: 'Renamed-pass-1' }),
      admin.patch(`/api/users/${two}`, { username: 'renamed', password: 'Renamed-pass-2' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const refused = a.status === 409 ? a : b;
    expect(errorOf(refused)).toMatchObject({ ...TAKEN, fields: { username: TAKEN.message } });
    const loser = a.status === 409 ? one : two;
    expect((await admin.get(`/api/users/${loser}`)).body.username).toBe(loser === one ? 'student' : 'student2');
  });
});
