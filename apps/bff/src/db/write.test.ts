import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { DomainError } from '../lib/errors';
import { httpStatusOf } from '../lib/http-status';
import { type Invalidation, InvalidationFeed } from '../lib/invalidation';
import { makeTestApp, type TestApp } from '../test/helpers';
import { onPostgres, sqliteOf } from '../test/test-store';
import { auditLog, config, externalServices } from './schema';
import { WriteQueueTimeoutError, WriteYieldedError, withWrite } from './write';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ demo: false });
});
afterAll(() => t.close());

const setting = async (name: string) =>
  (await t.store.db.select().from(config).where(eq(config.name, name)).limit(1)).at(0)?.value;
const audits = async (targetId: string) =>
  await t.store.db.select().from(auditLog).where(eq(auditLog.targetId, targetId));
/** Transactions left open: SQLite's one connection, or this database's sessions on PostgreSQL. */
const openTransactions = async (): Promise<number> => {
  if (t.store.dialect === 'sqlite') return sqliteOf(t.store).inTransaction ? 1 : 0;
  const { rows } = await t.store.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
  );
  return (rows[0]?.n ?? 0) + t.store.pool.totalCount - t.store.pool.idleCount;
};
const heard = () => {
  const seen: Invalidation[][] = [];
  const stop = t.deps.feed.subscribe('*', (events) => seen.push([...events]));
  return { seen, stop };
};

describe('withWrite', () => {
  it('commits the rows with their audit rows, then publishes what it invalidated and moves the generation', async () => {
    const { seen, stop } = heard();
    const before = t.deps.gen.current;
    const out = await withWrite(t.deps, async (tx, w) => {
      await tx.insert(config).values({ name: 'w_commit', value: '1' });
      w.audit(SYSTEM_ACTOR, { action: 'test.write', targetType: 'config', targetId: 'w_commit', summary: 'x' });
      w.invalidate({ kind: 'settings' });
      expect(seen).toEqual([]); // nothing is published before the commit
      return 42;
    });
    stop();
    expect(out).toBe(42);
    expect(await setting('w_commit')).toBe('1');
    expect(await audits('w_commit')).toHaveLength(1);
    expect(seen).toEqual([[{ kind: 'settings' }]]);
    expect(t.deps.gen.current).toBeGreaterThan(before);
  });

  it('rolls everything back when the write throws: no row, no audit row, nothing published', async () => {
    const { seen, stop } = heard();
    await expect(
      withWrite(t.deps, async (tx, w) => {
        await tx.insert(config).values({ name: 'w_rollback', value: '1' });
        w.audit(SYSTEM_ACTOR, { action: 'test.write', targetType: 'config', targetId: 'w_rollback', summary: 'x' });
        w.invalidate({ kind: 'settings' });
        throw new Error('refused half-way');
      }),
    ).rejects.toThrow('refused half-way');
    stop();
    expect(await setting('w_rollback')).toBeUndefined();
    expect(await audits('w_rollback')).toEqual([]);
    expect(seen).toEqual([]);
    expect(await openTransactions()).toBe(0);
  });

  it('turns a unique-constraint violation into the console’s conflict, naming the column', async () => {
    const existing = (await t.store.db.select().from(externalServices).limit(1)).at(0);
    if (!existing) throw new Error('no service seeded');
    const err = await withWrite(t.deps, async (tx) => {
      await tx
        .update(externalServices)
        .set({ name: `${existing.name} copy` })
        .where(eq(externalServices.id, -1));
      await tx
        .insert(externalServices)
        .values({ ...existing, id: undefined, name: `${existing.name} (2)` } as typeof externalServices.$inferInsert);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'conflict', fields: { shortname: 'Already taken' } });
    expect(httpStatusOf(err as DomainError)).toBe(409);
  });

  it('runs a part of a write in a savepoint: a failed part goes, with its audit rows and events, and the rest commits', async () => {
    const { seen, stop } = heard();
    await withWrite(t.deps, async (tx, w) => {
      await tx.insert(config).values({ name: 'w_outer', value: '1' });
      w.audit(SYSTEM_ACTOR, { action: 'test.write', targetType: 'config', targetId: 'w_outer', summary: 'x' });
      await w
        .savepoint(async () => {
          await tx.insert(config).values({ name: 'w_inner', value: '1' });
          w.audit(SYSTEM_ACTOR, { action: 'test.write', targetType: 'config', targetId: 'w_inner', summary: 'x' });
          w.invalidate({ kind: 'token', id: 'gone' });
          throw new Error('inner refused');
        })
        .catch(() => undefined);
      await w.savepoint(async () => {
        await tx.insert(config).values({ name: 'w_inner_ok', value: '1' });
        w.invalidate({ kind: 'settings' });
      });
    });
    stop();
    expect(await setting('w_outer')).toBe('1');
    expect(await setting('w_inner')).toBeUndefined();
    expect(await setting('w_inner_ok')).toBe('1');
    expect(await audits('w_outer')).toHaveLength(1);
    expect(await audits('w_inner')).toEqual([]);
    expect(seen).toEqual([[{ kind: 'settings' }]]);
  });

  it('refuses a withWrite inside another (it would wait for itself) with a clear error, and rolls the outer back', async () => {
    let inner: unknown;
    const outer = await withWrite(t.deps, async (tx) => {
      await tx.insert(config).values({ name: 'w_nested_outer', value: '1' });
      inner = await withWrite(t.deps, async () => undefined, { waitMs: 1 }).catch((e: unknown) => e);
    }).catch((e: unknown) => e);
    expect(inner).toBeInstanceOf(WriteQueueTimeoutError);
    if (!onPostgres) {
      // Waiting for the timer let the event loop run while the outer transaction was open.
      expect(outer).toBeInstanceOf(WriteYieldedError);
      expect(await setting('w_nested_outer')).toBeUndefined();
    } else {
      // On PostgreSQL the outer write has a connection of its own and may wait: it caught the
      // refusal, so it commits what it wrote.
      expect(outer).toBeUndefined();
      expect(await setting('w_nested_outer')).toBe('1');
    }
    // Not caught, the refusal rolls the outer write back, on either store.
    const uncaught = await withWrite(t.deps, async (tx) => {
      await tx.insert(config).values({ name: 'w_nested_uncaught', value: '1' });
      await withWrite(t.deps, async () => undefined, { waitMs: 1 });
    }).catch((e: unknown) => e);
    expect(uncaught).toBeInstanceOf(WriteQueueTimeoutError);
    expect(await setting('w_nested_uncaught')).toBeUndefined();
    expect(await openTransactions()).toBe(0);
  });

  it('runs concurrent writes one after the other, each seeing the last one’s commit', async () => {
    await withWrite(t.deps, async (tx) => {
      await tx.insert(config).values({ name: 'w_counter', value: '0' });
    });
    const bump = () =>
      withWrite(t.deps, async (tx) => {
        const v = Number((await tx.select().from(config).where(eq(config.name, 'w_counter')).limit(1)).at(0)?.value);
        await Promise.resolve(); // a database-only await: the transaction stays ours
        await tx
          .update(config)
          .set({ value: String(v + 1) })
          .where(eq(config.name, 'w_counter'));
      });
    await Promise.all(Array.from({ length: 20 }, bump));
    expect(await setting('w_counter')).toBe('20');
  });

  // SQLite's one connection: the rule that keeps other requests out of an open transaction.
  it.skipIf(onPostgres)(
    'refuses, and rolls back, a write that let the event loop run while its transaction was open',
    async () => {
      const err = await withWrite(t.deps, async (tx) => {
        await tx.insert(config).values({ name: 'w_yield', value: '1' });
        await new Promise((r) => setTimeout(r, 5));
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WriteYieldedError);
      expect(await setting('w_yield')).toBeUndefined();
      // The queue goes on after a refused write.
      await withWrite(t.deps, async (tx) => {
        await tx.insert(config).values({ name: 'w_after', value: '1' });
      });
      expect(await setting('w_after')).toBe('1');
    },
  );

  it.runIf(onPostgres)(
    'on PostgreSQL, lets a write wait for other work: its connection keeps its rows from other readers until the commit',
    async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let written!: () => void;
      const inserted = new Promise<void>((r) => {
        written = r;
      });
      const write = withWrite(t.deps, async (tx) => {
        await tx.insert(config).values({ name: 'w_pg_wait', value: '1' });
        written();
        await gate;
        await new Promise((r) => setTimeout(r, 5));
        return 'done';
      });
      await inserted;
      // Another request reads meanwhile, through the pool: it does not see the open write's row.
      expect(await setting('w_pg_wait')).toBeUndefined();
      release();
      expect(await write).toBe('done');
      expect(await setting('w_pg_wait')).toBe('1');
      expect(await openTransactions()).toBe(0);
    },
  );
});

describe('InvalidationFeed', () => {
  it('tells each listener only its kinds, every listener an "all", and goes on past a listener that throws', () => {
    const errors: unknown[] = [];
    const feed = new InvalidationFeed((e) => errors.push(e));
    const tokens: Invalidation[][] = [];
    const everything: Invalidation[][] = [];
    feed.subscribe('token', (e) => tokens.push([...e]));
    feed.subscribe('settings', () => {
      throw new Error('broken cache');
    });
    const stop = feed.subscribe('*', (e) => everything.push([...e]));
    feed.publish([
      { kind: 'token', id: 'abc' },
      { kind: 'user', id: 3 },
    ]);
    feed.publish([{ kind: 'settings' }]);
    feed.publish([{ kind: 'all' }]);
    stop();
    feed.publish([{ kind: 'token', id: 'def' }]);
    expect(tokens).toEqual([[{ kind: 'token', id: 'abc' }], [{ kind: 'all' }], [{ kind: 'token', id: 'def' }]]);
    expect(everything).toHaveLength(3);
    expect(errors).toHaveLength(2);
  });
});
