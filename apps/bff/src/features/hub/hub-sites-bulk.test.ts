import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalTokens, hubCourses, hubOutbox, hubSites, users } from '../../db/schema';
import { type Client, errorOf, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { enableHub, rpc, siteInfo } from './hub-rpc.test-helpers';

// Manage sites > With selected sites > Delete: what Delete does to one site, to each selected
// site, in one transaction (all or none).

let t: TestApp;
let admin: Client;

const siteNamed = async (name: string) =>
  (await t.store.db.select().from(hubSites).where(eq(hubSites.name, name)).limit(1)).at(0);
const coursesOf = async (siteId: number) =>
  await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, siteId));

beforeAll(async () => {
  // The demo hub: four sites, each with courses.
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '1' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Demo hub' });
});

afterAll(() => t?.close());

describe('bulk delete of sites', () => {
  it('refuses bad requests (400), unknown sites (404), and deletes nothing then', async () => {
    const before = (await t.store.db.select().from(hubSites)).length;
    const a = (await siteNamed('Lycée du Lac'))!;
    for (const body of [
      { ids: [], action: 'delete' },
      { ids: [a.id, a.id], action: 'delete' },
      { ids: [a.id], action: 'trust' },
      { ids: ['1'], action: 'delete' },
      { ids: [a.id], action: 'delete', withCourses: 'yes' },
      { ids: [a.id], action: 'delete', extra: 1 },
      { ids: Array.from({ length: 201 }, (_, i) => i + 1), action: 'delete' },
    ]) {
      const res = await admin.post('/api/hub/sites/bulk', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const missing = await admin.post('/api/hub/sites/bulk', { ids: [a.id, 99_999], action: 'delete' });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toMatch(/99999.*Nothing was deleted/);
    expect(await t.store.db.select().from(hubSites)).toHaveLength(before);
  });

  it('only hub managers: a manager gets 403, an anonymous visitor 401', async () => {
    const a = (await siteNamed('Lycée du Lac'))!;
    const manager = await signIn(t, 'manager');
    expect((await manager.post('/api/hub/sites/bulk', { ids: [a.id], action: 'delete' })).status).toBe(403);
    expect((await t.client().post('/api/hub/sites/bulk', { ids: [a.id], action: 'delete' })).status).toBe(401);
    expect(await siteNamed('Lycée du Lac')).toBeDefined();
  });

  it('deletes the selected sites, keeping their courses: one message and one audit row per site', async () => {
    const a = (await siteNamed('Lycée du Lac'))!;
    const b = (await siteNamed('Escuela Abierta'))!;
    const kept = (await coursesOf(a.id)).length + (await coursesOf(b.id)).length;
    expect(kept).toBeGreaterThan(0);
    const res = await admin.post('/api/hub/sites/bulk', { ids: [a.id, b.id], action: 'delete' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deleted: 2, coursesDeleted: 0, coursesKept: kept });
    expect(res.body.messages.map((m: { siteName: string }) => m.siteName)).toEqual(['Lycée du Lac', 'Escuela Abierta']);
    expect(await siteNamed('Lycée du Lac')).toBeUndefined();
    expect(await siteNamed('Escuela Abierta')).toBeUndefined();
    // The courses stay, without a site, as single delete leaves them.
    expect(await coursesOf(a.id)).toHaveLength(0);
    expect((await t.store.db.select().from(hubCourses)).filter((c) => c.siteId === null)).toHaveLength(kept);
    const outbox = await t.store.db
      .select()
      .from(hubOutbox)
      .where(inArray(hubOutbox.siteId, [a.id, b.id]));
    expect(outbox).toHaveLength(2);
    const audit = await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'hub.site.delete'));
    expect(audit.map((r) => r.targetId).sort()).toEqual([String(a.id), String(b.id)].sort());
  });

  it('withCourses: the courses go too; a registered site loses its user and token', async () => {
    const publicToken = (await t.client().get('/local/hub/publictoken.php')).body.token;
    const reg = await rpc<{ siteid: number; token: string }>(
      t,
      'hub_register_site',
      [{ siteinfo: siteInfo('Registered', 'https://registered.example') }],
      publicToken,
    );
    const registered = (await siteNamed('Registered'))!;
    expect(registered.id).toBe(reg.value?.siteid);
    const other = (await siteNamed('Northwind Academy'))!;
    const courses = (await coursesOf(other.id)).length;
    const res = await admin.post('/api/hub/sites/bulk', {
      ids: [registered.id, other.id],
      action: 'delete',
      withCourses: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deleted: 2, coursesDeleted: courses, coursesKept: 0 });
    expect(await coursesOf(other.id)).toHaveLength(0);
    expect(
      (await t.store.db.select().from(users).where(eq(users.id, registered.userId!)).limit(1)).at(0),
    ).toMatchObject({
      deleted: true,
    });
    expect(await t.store.db.select().from(externalTokens).where(eq(externalTokens.userId, registered.userId!))).toEqual(
      [],
    );
    expect((await rpc(t, 'hub_get_info', [{}], reg.value!.token)).fault?.errorcode).toBe('invalidtoken');
  });
});
