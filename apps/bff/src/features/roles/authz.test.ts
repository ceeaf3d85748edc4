import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../db/client';
import type { Invalidation } from '../../lib/invalidation';
import { makeTestApp, type TestApp } from '../../test/helpers';
import { onPostgres } from '../../test/test-store';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { Authz, type Subject } from './authz';
import { assignRole, createRole, deleteRole, unassignRole, updateRole } from './roles.service';

// Issue 15, item 1 (roles): the capability checks stay synchronous, over roles loaded through
// the roles repository by `ready()` when the database generation has moved; each role write is
// one withWrite that names what it changed on the invalidation feed.

let t: TestApp;
const heard: Invalidation[] = [];

beforeAll(async () => {
  t = await makeTestApp();
  t.deps.feed.subscribe('*', (events) => heard.push(...events));
});
afterAll(() => t?.close());

const subject = async (username: string): Promise<Subject> => ({
  id: await t.userId(username),
  siteAdmin: false,
  deleted: false,
  isGuest: false,
});

/** What the feed published while `fn` ran. */
async function published(fn: () => Promise<unknown>): Promise<Invalidation[]> {
  heard.length = 0;
  await fn();
  return [...heard];
}

describe('loading the roles', () => {
  it('refuses to check before the roles are loaded, with a clear error', async () => {
    const authz = new Authz(t.store.db, t.deps.gen);
    const admin = { ...(await subject('admin')), siteAdmin: true };
    const manager = await subject('manager');
    expect(() => authz.has(manager, 'moodle/role:assign')).toThrow(/await authz\.ready\(\) first/);
    // Not even a site administrator's check passes unloaded: the missing ready() shows at once.
    expect(() => authz.has(admin, 'moodle/site:config')).toThrow(/before they were loaded/);
    expect(() => authz.roleByShortname('manager')).toThrow(/before they were loaded/);
    expect(() => authz.explain(admin, 'moodle/site:config')).toThrow(/before they were loaded/);
    await authz.ready();
    expect(authz.has(await subject('manager'), 'moodle/role:assign')).toBe(true);
    expect(authz.has(await subject('student'), 'moodle/role:assign')).toBe(false);
    expect(authz.roleByShortname('manager')?.name).toBe('Manager');
  });

  it('has nothing to wait for while the roles are current, and reloads once the generation moves', async () => {
    const authz = new Authz(t.store.db, t.deps.gen);
    await authz.ready();
    expect(authz.ready()).toBeUndefined();
    const role = await createRole(
      t.deps,
      { shortname: 'loadcheck', name: 'Load check', capabilities: { 'moodle/site:viewreports': 'allow' } },
      SYSTEM_ACTOR,
    );
    await assignRole(t.deps, role.id, await t.userId('teacher'), SYSTEM_ACTOR);
    const reload = authz.ready();
    expect(reload).toBeInstanceOf(Promise);
    // Two callers while it loads wait for the same reload.
    expect(authz.ready()).toBe(reload);
    await reload;
    expect(authz.ready()).toBeUndefined();
    expect(authz.has(await subject('teacher'), 'moodle/site:viewreports')).toBe(true);
    expect(authz.rolesOf(await subject('teacher')).map((r) => r.shortname)).toContain('loadcheck');
  });

  // SQLite's PRAGMA data_version (gen.check()); PostgreSQL hears other nodes' writes by NOTIFY (db/pg-listener).
  it.skipIf(onPostgres)('sees a role change committed by another process once the generation notices it', async () => {
    const role = await createRole(
      t.deps,
      { shortname: 'elsewhere', name: 'Elsewhere', capabilities: { 'moodle/notes:view': 'allow' } },
      SYSTEM_ACTOR,
    );
    await assignRole(t.deps, role.id, await t.userId('student'), SYSTEM_ACTOR);
    expect(t.deps.authz.has(await subject('student'), 'moodle/notes:view')).toBe(true);
    const other = openStore(t.dbFile);
    try {
      other.sqlite.prepare("UPDATE role_capabilities SET permission = 'prohibit' WHERE role_id = ?").run(role.id);
    } finally {
      other.sqlite.close();
    }
    t.deps.gen.check();
    await t.deps.authz.ready();
    expect(t.deps.authz.has(await subject('student'), 'moodle/notes:view')).toBe(false);
  });
});

describe('what role writes publish', () => {
  it('names the role it creates, updates or deletes, and the user it assigns or unassigns', async () => {
    let id = 0;
    expect(
      await published(async () => {
        id = (await createRole(t.deps, { shortname: 'feedrole', name: 'Feed role', capabilities: {} }, SYSTEM_ACTOR))
          .id;
      }),
    ).toEqual([{ kind: 'roles', id }]);
    expect(
      await published(() =>
        updateRole(t.deps, id, { capabilities: { 'moodle/user:viewdetails': 'allow' } }, SYSTEM_ACTOR),
      ),
    ).toEqual([{ kind: 'roles', id }]);
    const teacher = await t.userId('teacher');
    expect(await published(() => assignRole(t.deps, id, teacher, SYSTEM_ACTOR))).toEqual([
      { kind: 'user', id: teacher },
      { kind: 'roles', id },
    ]);
    expect(await published(() => unassignRole(t.deps, id, teacher, SYSTEM_ACTOR))).toEqual([
      { kind: 'user', id: teacher },
      { kind: 'roles', id },
    ]);
    expect(await published(() => deleteRole(t.deps, id, SYSTEM_ACTOR))).toEqual([{ kind: 'roles', id }]);
  });

  it('publishes nothing for a change that changes nothing, or that is refused', async () => {
    const role = await createRole(t.deps, { shortname: 'quiet', name: 'Quiet', capabilities: {} }, SYSTEM_ACTOR);
    expect(await published(() => updateRole(t.deps, role.id, { name: 'Quiet' }, SYSTEM_ACTOR))).toEqual([]);
    heard.length = 0;
    await expect(unassignRole(t.deps, role.id, await t.userId('teacher'), SYSTEM_ACTOR)).rejects.toThrow(/not found/);
    await expect(
      createRole(t.deps, { shortname: 'quiet', name: 'Quiet again', capabilities: {} }, SYSTEM_ACTOR),
    ).rejects.toThrow(/already exists/);
    expect(heard).toEqual([]);
  });

  it('makes the change visible to the caller as soon as the write returns', async () => {
    const role = await createRole(
      t.deps,
      { shortname: 'atonce', name: 'At once', capabilities: { 'moodle/user:update': 'allow' } },
      SYSTEM_ACTOR,
    );
    await assignRole(t.deps, role.id, await t.userId('student2'), SYSTEM_ACTOR);
    expect(t.deps.authz.has(await subject('student2'), 'moodle/user:update')).toBe(true);
    await updateRole(t.deps, role.id, { capabilities: { 'moodle/user:update': 'prohibit' } }, SYSTEM_ACTOR);
    expect(t.deps.authz.has(await subject('student2'), 'moodle/user:update')).toBe(false);
    await unassignRole(t.deps, role.id, await t.userId('student2'), SYSTEM_ACTOR);
    expect(t.deps.authz.rolesOf(await subject('student2')).map((r) => r.shortname)).not.toContain('atonce');
  });
});
