import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { passwordSchema } from '@gatehouse/shared';
import { asc, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../lib/password';
import { openStore, type SqliteStore } from './client';
import { config, roleAssignments, roleCapabilities, roles, users } from './schema';
import { DEMO_USERS, STANDARD_ROLES, seedIfEmpty } from './seed';

const opened: { store: SqliteStore; dir: string }[] = [];
function freshStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-seed-'));
  const store = openStore(join(dir, 'gatehouse.db'));
  opened.push({ store, dir });
  return store;
}
afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('seedIfEmpty', () => {
  it('on first start creates the admin, the guest, the standard roles and the demo users', async () => {
    const store = freshStore();
    const res = await seedIfEmpty(store, { adminPassword: 'Admin-pass-1', demo: true, demoPassword: 'Demo-pass-1' });
    expect(res).toEqual({
      seeded: true,
      adminPassword: 'Admin-pass-1',
      adminPasswordGenerated: false,
      demoPassword: 'Demo-pass-1',
    });
    const { db } = store;

    const roleRows = await db.select().from(roles).orderBy(asc(roles.sortorder));
    expect(roleRows.map((r) => r.shortname)).toEqual(['manager', 'editingteacher', 'student', 'user', 'guest']);
    expect(roleRows.every((r) => r.archetype === r.shortname && !r.protected)).toBe(true);
    const capCount = (await db.select().from(roleCapabilities)).length;
    expect(capCount).toBe(STANDARD_ROLES.reduce((n, r) => n + Object.keys(r.caps).length, 0));

    const userRows = await db.select().from(users);
    expect(userRows.map((u) => u.username).sort()).toEqual(
      ['admin', 'guest', ...DEMO_USERS.map((u) => u.username)].sort(),
    );
    const by = (name: string) => userRows.find((u) => u.username === name)!;
    expect(by('admin')).toMatchObject({
      siteAdmin: true,
      isGuest: false,
      auth: 'manual',
      confirmed: true,
      suspended: false,
    });
    expect(by('guest')).toMatchObject({ siteAdmin: false, isGuest: true });
    expect(await verifyPassword(by('admin').passwordHash, 'Admin-pass-1')).toBe(true);
    expect(await verifyPassword(by('teacher').passwordHash, 'Demo-pass-1')).toBe(true);
    expect(by('admin').passwordHash).toMatch(/^\$argon2id\$/);
    expect(by('guest').passwordHash.startsWith('!')).toBe(true);
    expect(by('suspended').suspended).toBe(true);
    expect(by('unconfirmed').confirmed).toBe(false);
    expect(by('expired').passwordExpired).toBe(true);
    expect(by('nologin').auth).toBe('nologin');
    expect(by('wsclient').auth).toBe('webservice');

    const assigned = (
      await db
        .select({ username: users.username, role: roles.shortname })
        .from(roleAssignments)
        .innerJoin(users, eq(users.id, roleAssignments.userId))
        .innerJoin(roles, eq(roles.id, roleAssignments.roleId))
    )
      .map((a) => `${a.username}:${a.role}`)
      .sort();
    expect(assigned).toEqual(['manager:manager', 'student2:student', 'student:student', 'teacher:editingteacher']);
    expect((await db.select().from(config).where(eq(config.name, 'siteidentifier')).limit(1)).at(0)?.value).toMatch(
      /^[0-9a-f]{32}$/,
    );
  });

  it('a second run on the same store does nothing and never overwrites edits', async () => {
    const store = freshStore();
    await seedIfEmpty(store, { adminPassword: 'Admin-pass-1', demo: true, demoPassword: 'Demo-pass-1' });
    const { db } = store;
    await db.update(users).set({ firstname: 'Edited' }).where(eq(users.username, 'admin'));
    await db.delete(roles).where(eq(roles.shortname, 'editingteacher'));
    const siteid = (await db.select().from(config).where(eq(config.name, 'siteidentifier')).limit(1)).at(0)?.value;
    const before = await db.select().from(users);

    const again = await seedIfEmpty(store, { adminPassword: 'Other-pass-2', demo: true, demoPassword: 'Other-pass-2' });
    expect(again).toEqual({ seeded: false });
    expect(await db.select().from(users)).toEqual(before);
    const admin = (await db.select().from(users).where(eq(users.username, 'admin')).limit(1)).at(0)!;
    expect(admin.firstname).toBe('Edited');
    expect(await verifyPassword(admin.passwordHash, 'Admin-pass-1')).toBe(true);
    expect((await db.select().from(roles).where(eq(roles.shortname, 'editingteacher')).limit(1)).at(0)).toBeUndefined();
    expect((await db.select().from(config).where(eq(config.name, 'siteidentifier')).limit(1)).at(0)?.value).toBe(
      siteid,
    );
  });

  it('without demo data creates only the admin and the guest; generates a valid admin password when none is given', async () => {
    const store = freshStore();
    const res = await seedIfEmpty(store, { demo: false });
    expect(res.seeded).toBe(true);
    expect(res.adminPasswordGenerated).toBe(true);
    expect(res).not.toHaveProperty('demoPassword');
    expect(passwordSchema.safeParse(res.adminPassword).success).toBe(true);
    expect(res.adminPassword!.length).toBeGreaterThanOrEqual(24);
    const names = (await store.db.select().from(users)).map((u) => u.username).sort();
    expect(names).toEqual(['admin', 'guest']);
    const admin = (await store.db.select().from(users).where(eq(users.username, 'admin')).limit(1)).at(0)!;
    expect(await verifyPassword(admin.passwordHash, res.adminPassword!)).toBe(true);
    expect(await store.db.select().from(roles)).toHaveLength(5);
  });
});
