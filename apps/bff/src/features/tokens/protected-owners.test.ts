import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalTokens, users } from '../../db/schema';
import { type Client, errorOf, makeTestApp, serviceBody, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { registerSite } from '../hub/hub-registration';

// Issue 14, item 3: the hub's protected users (hub_directory, hub_public, and the user of every
// registered site, hub_site_*) hold only the tokens the hub makes; Manage tokens refuses them as
// owners, whoever asks, and changes nothing.

let t: TestApp;
let admin: Client;
let serviceId: number;
let siteUser: string;

const tokenCount = async () => (await t.store.db.select().from(externalTokens)).length;
const auditCount = async () => (await t.store.db.select().from(auditLog)).length;

beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
  const hub = await admin.patch('/api/hub/settings', { enabled: true, privacy: 'public' });
  if (hub.status !== 200) throw new Error(hub.text);
  const site = await registerSite(
    t.deps,
    {
      name: 'Registered',
      url: 'https://registered.example',
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
  siteUser = `hub_site_${site.siteid}`;
  const svc = await admin.post('/api/services', serviceBody('Open to all', 'opentoall'));
  if (svc.status !== 201) throw new Error(svc.text);
  serviceId = svc.body.id;
});
afterAll(() => t?.close());

describe('Manage tokens refuses the hub users as token owners', () => {
  const protectedUsers = async () =>
    (await t.store.db.select().from(users).where(eq(users.protected, true))).map((u) => u.username);

  it('the hub has its protected users: its own two and the registered site', async () => {
    expect(await protectedUsers()).toEqual(expect.arrayContaining(['hub_directory', 'hub_public', siteUser]));
  });

  it.each(['hub_directory', 'hub_public', 'the registered site'])(
    'POST /api/tokens for %s: 403 protected, no token, no audit row',
    async (who) => {
      const username = who === 'the registered site' ? siteUser : who;
      const tokens = await tokenCount();
      const audits = await auditCount();
      const res = await admin.post('/api/tokens', {
        userId: await t.userId(username),
        serviceId,
        name: 'Hub takeover',
      });
      expect(res.status, res.text).toBe(403);
      const err = errorOf(res);
      expect(err.code).toBe('protected');
      expect(err.message).toBe(`${username} is a protected hub user: only the hub makes its tokens`);
      expect(err.fields?.userId).toBe('This user is protected');
      expect(await tokenCount()).toBe(tokens);
      expect(await auditCount()).toBe(audits);
    },
  );

  it('every protected user is refused, whoever they are', async () => {
    const tokens = await tokenCount();
    for (const username of await protectedUsers()) {
      const res = await admin.post('/api/tokens', { userId: await t.userId(username), serviceId });
      expect([res.status, errorOf(res).code], username).toEqual([403, 'protected']);
    }
    expect(await tokenCount()).toBe(tokens);
  });

  it('an ordinary user still gets a token on the same service', async () => {
    const res = await admin.post('/api/tokens', { userId: await t.userId('teacher'), serviceId });
    expect(res.status, res.text).toBe(201);
  });
});
