import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, files, users } from '../../db/schema';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import type { Invalidation } from '../../lib/invalidation';
import { MoodleException } from '../exceptions';
import { type CatalogueTest, callError, callFunction, makeCatalogueTest } from './test-helpers';

// The writes of core_user_* and core_files_upload go through withWrite: the rows and their
// audit rows commit together, and what a write changed is published on the invalidation feed
// after the commit (a created user included). A refused call writes and publishes nothing.

let t: CatalogueTest;
interface Heard {
  events: Invalidation[];
  stored: (string | undefined)[];
  audited: string[][];
}
/** What the listener heard, each read started when it heard (await them all to compare). */
const heard: Promise<Heard>[] = [];

beforeAll(async () => {
  t = await makeCatalogueTest();
  t.deps.feed.subscribe('user', (events) => {
    // What a listener sees when it hears: the write has committed.
    const db = t.deps.store.db;
    const stored = Promise.all(
      events.map(
        async (e) =>
          (
            await db
              .select()
              .from(users)
              .where(eq(users.id, Number(e.id)))
              .limit(1)
          ).at(0)?.username,
      ),
    );
    const audited = Promise.all(
      events.map(async (e) =>
        (
          await db
            .select()
            .from(auditLog)
            .where(eq(auditLog.targetId, String(e.id)))
        ).map((a) => a.action),
      ),
    );
    heard.push((async () => ({ events: [...events], stored: await stored, audited: await audited }))());
  });
});
afterAll(() => t.close());

const newUser = (username: string) => ({
  username,
  password: 'Secret-pass-1',
  firstname: 'New',
  lastname: 'User',
  email: `${username}@example.com`,
});

const byName = async (username: string) =>
  (await t.deps.store.db.select().from(users).where(eq(users.username, username)).limit(1)).at(0);

describe('core_user_create_users and the invalidation feed', () => {
  it('names every created user, once the users and their audit rows are committed', async () => {
    heard.length = 0;
    const out = await callFunction(t.deps, 'core_user_create_users', 'manager', {
      users: [newUser('feed.one'), newUser('feed.two')],
    });
    expect(await Promise.all(heard)).toEqual([
      {
        events: out.map((u: { id: number }) => ({ kind: 'user', id: u.id })),
        stored: ['feed.one', 'feed.two'],
        audited: [['user.create'], ['user.create']],
      },
    ]);
  });

  it('publishes nothing for a refused call, nor for an empty one', async () => {
    heard.length = 0;
    const e = await callError(t.deps, 'core_user_create_users', 'manager', {
      users: [newUser('feed.three'), newUser('feed.one')],
    });
    expect(e).toMatchObject({ errorcode: 'invalidparameter', debuginfo: 'Username already exists: feed.one' });
    expect(await byName('feed.three')).toBeUndefined();
    expect(await callFunction(t.deps, 'core_user_create_users', 'manager', { users: [] })).toEqual([]);
    expect(await Promise.all(heard)).toEqual([]);
  });

  it('two calls that take one username at once: one creates the user, the other gets invalidparameter', async () => {
    const results = await Promise.allSettled([
      callFunction(t.deps, 'core_user_create_users', 'manager', { users: [newUser('feed.race')] }),
      callFunction(t.deps, 'core_user_create_users', 'admin', { users: [newUser('feed.race')] }),
    ]);
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(MoodleException);
    expect(refused[0]).toMatchObject({
      errorcode: 'invalidparameter',
      debuginfo: 'Username already exists: feed.race',
    });
    expect(await t.deps.store.db.select().from(users).where(eq(users.username, 'feed.race'))).toHaveLength(1);
  });
});

describe('core_user_update_users and the invalidation feed', () => {
  it('names the updated user after the commit', async () => {
    heard.length = 0;
    const id = (await byName('feed.two'))?.id;
    await callFunction(t.deps, 'core_user_update_users', 'manager', { users: [{ id, firstname: 'Renamed' }] });
    expect(await Promise.all(heard)).toEqual([
      { events: [{ kind: 'user', id }], stored: ['feed.two'], audited: [['user.create', 'user.update']] },
    ]);
    expect((await byName('feed.two'))?.firstname).toBe('Renamed');
  });
});

describe('core_files_upload as a write', () => {
  const upload = (filename: string, size: number) => ({
    component: 'user',
    filearea: 'private',
    itemid: 0,
    filepath: '/',
    filename,
    filecontent: Buffer.alloc(size, 0x62).toString('base64'),
    contextlevel: 'user',
    instanceid: t.ids.student,
  });
  const used = async () =>
    (
      await t.deps.store.db
        .select()
        .from(files)
        .where(eq(files.userId, t.ids.student as number))
    ).reduce((n, f) => n + f.filesize, 0);

  it('two uploads at once with room for one: one is stored, the other gets userquotalimit', async () => {
    await t.deps.settings.apply({ userquota: String((await used()) + 1500) }, SYSTEM_ACTOR);
    const before = await used();
    const results = await Promise.allSettled([
      callFunction(t.deps, 'core_files_upload', 'student', upload('race-a.bin', 1000)),
      callFunction(t.deps, 'core_files_upload', 'student', upload('race-b.bin', 1000)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused).toMatchObject([{ exception: 'file_exception', errorcode: 'userquotalimit' }]);
    expect(await used()).toBe(before + 1000);
  });
});
