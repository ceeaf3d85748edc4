import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invalidation } from '../../lib/invalidation';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { hashToken } from '../tokens/token-secret';
import { registerSite } from './hub-registration';
import { enableHub, rpc, siteInfo } from './hub-rpc.test-helpers';

// The hub's writes tell the caches what they changed (the invalidation feed), after they
// commit: its roles, users, services and tokens are what the access checks hold. A write that
// is refused changes nothing and tells nothing.

let t: TestApp;
let admin: Client;
const heard: Invalidation[] = [];

/** What the feed published while `fn` ran. */
async function published(fn: () => Promise<unknown>): Promise<Invalidation[]> {
  heard.length = 0;
  await fn();
  return [...heard];
}

const token = (secret: string): Invalidation => ({ kind: 'token', id: hashToken(t.deps.tokenSecret, secret) });

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0' } });
  admin = await signIn(t, 'admin');
  t.deps.feed.subscribe('*', (events) => heard.push(...events));
});

afterAll(() => t?.close());

describe('the hub and the invalidation feed', () => {
  it('enabling the hub names its roles, its two users, its three services and its tokens', async () => {
    const events = await published(() => enableHub(admin, { privacy: 'public' }));
    expect(events).toContainEqual({ kind: 'roles' });
    expect(events.filter((e) => e.kind === 'user')).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'service')).toHaveLength(3);
    const res = await admin.get('/local/hub/publictoken.php');
    expect(res.status).toBe(200);
    expect(events).toContainEqual(token(res.body.token));
    expect(events.filter((e) => e.kind === 'token')).toHaveLength(2);
  });

  it('disabling it names the services it turned off', async () => {
    const events = await published(() => admin.patch('/api/hub/settings', { enabled: false }));
    expect(events.filter((e) => e.kind === 'service')).toHaveLength(3);
    const again = await published(() => admin.patch('/api/hub/settings', { enabled: true }));
    expect(again.filter((e) => e.kind === 'service')).toHaveLength(3);
  });

  it("a site that registers and then leaves names its user and its token's hash each time", async () => {
    let reg = { siteid: 0, token: '' };
    const joined = await published(async () => {
      reg = await registerSite(t.deps, siteInfo('Leaver', 'https://leaver.example'), '', SYSTEM_ACTOR);
    });
    const site = await admin.get(`/api/hub/sites/${reg.siteid}`);
    expect(site.status).toBe(200);
    const user: Invalidation = { kind: 'user', id: site.body.userId };
    expect(joined).toContainEqual(user);
    expect(joined).toContainEqual(token(reg.token));

    const left = await published(async () => {
      const res = await rpc(t, 'hub_unregister_site', [], reg.token);
      expect(res.fault).toBeUndefined();
    });
    expect(left).toContainEqual(user);
    expect(left).toContainEqual(token(reg.token));
  });

  it("deleting a site in the console names its token's hash", async () => {
    const reg = await registerSite(t.deps, siteInfo('Deleted', 'https://deleted.example'), '', SYSTEM_ACTOR);
    const events = await published(async () => {
      expect((await admin.delete(`/api/hub/sites/${reg.siteid}`)).status).toBe(200);
    });
    expect(events).toContainEqual(token(reg.token));
  });

  it('a refused write tells nothing', async () => {
    const reg = await registerSite(t.deps, siteInfo('Kept', 'https://kept.example'), '', SYSTEM_ACTOR);
    const events = await published(async () => {
      const res = await admin.post('/api/hub/sites/bulk', { ids: [reg.siteid, 99_999], action: 'delete' });
      expect(res.status).toBe(404);
    });
    expect(events).toEqual([]);
    expect((await admin.get(`/api/hub/sites/${reg.siteid}`)).status).toBe(200);
  });
});
