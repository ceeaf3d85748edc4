import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSites } from '../../db/schema';
import { makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { enableHub } from './hub-rpc.test-helpers';

// The demo hub (GATEHOUSE_SEED_DEMO): its sites are registrations that have been in use for a
// while, so Manage sites lists them as confirmed, not pending. They are seeded when the hub is
// first enabled.

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '1' } });
  await enableHub(await signIn(t, 'admin'), { privacy: 'public' });
});
afterAll(() => t?.close());

describe('the demo hub', () => {
  it('seeds confirmed sites', async () => {
    const sites = await t.store.db.select().from(hubSites);
    expect(sites.length).toBeGreaterThan(0);
    for (const s of sites) expect(s.timeConfirmed, s.name).toBe(s.timeRegistered);
  });
});
