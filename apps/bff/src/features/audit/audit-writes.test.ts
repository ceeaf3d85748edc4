import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWrite, writeAudit } from '../../db/write';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';

// Audit rows have one writer (db/write.ts): withWrite's `w.audit` for new code, `writeAudit` for
// the legacy synchronous transactions. Both give the log the same entries.

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
  it('gives the same entry through withWrite and through the legacy writeAudit', async () => {
    await withWrite(t.deps, async (_tx, w) => {
      w.audit(actor, event('test.same'));
    });
    t.store.db.transaction((tx) => writeAudit(tx, actor, event('test.same')));
    const [legacy, scoped] = await entries('test.same');
    const expected = {
      actorId: 42,
      actorUsername: 'auditor',
      action: 'test.same',
      targetType: 'thing',
      targetId: '7',
      summary: 'Did test.same',
      details: { nested: { a: [1, 'two'] }, flag: true },
      ip: '192.0.2.9',
    };
    const { id: _a, time: _b, ...legacyFields } = legacy!;
    const { id: _c, time: _d, ...scopedFields } = scoped!;
    expect(legacyFields).toEqual(expected);
    expect(scopedFields).toEqual(expected);
  });

  it('records an event without a target or details as null and {}', async () => {
    t.store.db.transaction((tx) =>
      writeAudit(tx, actor, { action: 'test.bare', targetType: 'thing', summary: 'Bare' }),
    );
    expect(await entries('test.bare')).toMatchObject([{ targetId: null, details: {} }]);
  });

  it('writes a legacy entry inside its transaction: rolled back with it', async () => {
    expect(() =>
      t.store.db.transaction((tx) => {
        writeAudit(tx, actor, event('test.rolledback'));
        throw new Error('the change fails');
      }),
    ).toThrow('the change fails');
    expect(await entries('test.rolledback')).toEqual([]);
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

  it('takes the time the legacy caller gives', async () => {
    t.store.db.transaction((tx) => writeAudit(tx, actor, event('test.timed'), 1_234_567));
    expect((await entries('test.timed'))[0]!.time).toBe(1_234_567);
  });
});
