import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Client, makeTestApp, signIn, type TestApp } from '../test/helpers';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

it('reads a path id from decimal digits only, so one row answers to one spelling', async () => {
  const id = await t.userId('teacher');
  expect((await admin.get(`/api/users/${id}`)).status).toBe(200);
  for (const spelling of [`0x${id.toString(16)}`, `${id}e0`, `+${id}`, `${id}.0`, `0${id}`, `%20${id}`]) {
    const res = await admin.get(`/api/users/${spelling}`);
    expect(res.status, spelling).toBe(400);
    expect(res.body.error.code, spelling).toBe('invalid');
  }
});
