import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWrite } from '../../db/write';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// Audit rows have one writer: withWrite's `w.audit` (db/write.ts), committed with the change.

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

type Entry = Record<string, unknown> & { id: number; time: number };
const entries = async (action: string): Promise<Entry[]> => {
  const res = await admin.get(`/api/audit?action=${encodeURIComponent(action)}`);
  expect(res.status).toBe(200);
  return res.body.items;
};

const actor = { id: 42, username: 'auditor', ip: '192.0.2.9' };
const event = (action: string) => ({
  action,
  targetType: 'thing',
  targetId: 7,
  summary: `Did ${action}`,
  details: { nested: { a: [1, 'two'] }, flag: true },
});

describe('writing the audit log', () => {
  it('gives the entry through withWrite, every field as written', async () => {
    await withWrite(t.deps, async (_tx, w) => {
      w.audit(actor, event('test.same'));
    });
    const [scoped] = await entries('test.same');
    const { id: _c, time: _d, ...scopedFields } = scoped!;
    expect(scopedFields).toEqual({
      actorId: 42,
      actorUsername: 'auditor',
      action: 'test.same',
      targetType: 'thing',
      targetId: '7',
      summary: 'Did test.same',
      details: { nested: { a: [1, 'two'] }, flag: true },
      ip: '192.0.2.9',
      // Names resolved when read: no user 42, and "thing" is no kind of target with a name.
      actorName: null,
      targetName: null,
    });
  });

  it('records an event without a target or details as null and {}', async () => {
    await withWrite(t.deps, async (_tx, w) => {
      w.audit(actor, { action: 'test.bare', targetType: 'thing', summary: 'Bare' });
    });
    expect(await entries('test.bare')).toMatchObject([{ targetId: null, details: {} }]);
  });

  it('drops the audit rows of a withWrite that fails', async () => {
    await expect(
      withWrite(t.deps, async (_tx, w) => {
        w.audit(actor, event('test.failed'));
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    expect(await entries('test.failed')).toEqual([]);
  });

  it('stamps the entries with the time of the commit', async () => {
    await withWrite({ ...t.deps, now: () => 1_234_567 }, async (_tx, w) => {
      w.audit(actor, event('test.timed'));
    });
    expect((await entries('test.timed'))[0]!.time).toBe(1_234_567);
  });
});
