import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app';
import { createDeps, type Deps } from '../../context';
import { openPgStore, openStore, type Store } from '../../db/client';
import { externalTokens } from '../../db/schema';
import {
  type Client,
  type Clock,
  makeClock,
  makeTestApp,
  makeWsService,
  restCall,
  type TestApp,
} from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { createAdminToken } from '../tokens/tokens.service';
import { DAY, HOUR, hourlyBuckets, USAGE_SCOPE, type UsageScope } from './usage.repo';
import { flushUsage } from './usage.service';

// Several nodes count the same token (issue 19): each gathers its calls in memory and adds them
// to the database at its flush (calls = calls + n, last access = the later one, buckets + n), so
// the figures are the sums of every node's, whichever flushes first, and two flushes at the same
// moment neither deadlock nor lose a count. The second node is a second store and Deps on the
// same database (PostgreSQL: another pool, as another node; SQLite: another connection to the
// file), with an app of its own.

/** 2026-06-01 10:30:00 UTC; each test takes a day of its own, so the site's figures are its own. */
const START = Date.UTC(2026, 5, 1, 10, 30) / 1000;
const SITE_INFO = 'core_webservice_get_site_info';
const NOT_IN_SERVICE = 'core_course_get_courses';

let t: TestApp;
let clock: Clock;
let admin: Client;
let serviceId: number;
let node2Store: Store | undefined;
let node2: Deps;
let app2: ReturnType<typeof createApp>;

beforeAll(async () => {
  clock = makeClock(START);
  t = await makeTestApp({ now: clock.now });
  serviceId = await makeWsService(t, {
    name: 'Nodes',
    shortname: 'nodes',
    protocols: 'rest',
    functions: [SITE_INFO],
  });
  node2Store =
    t.store.dialect === 'pg' ? await openPgStore(t.store.url, { max: 2, migrate: false }) : openStore(t.dbFile);
  node2 = createDeps(t.deps.env, node2Store, { now: clock.now, log: t.deps.log });
  await node2.settings.ready();
  await node2.authz.ready();
  app2 = createApp(node2);
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
});
afterAll(async () => {
  await node2Store?.close();
  await t?.close();
});

async function newToken(): Promise<{ id: number; secret: string }> {
  const { token, secret } = await createAdminToken(
    t.deps,
    { userId: await t.userId('admin'), serviceId, validUntil: null },
    SYSTEM_ACTOR,
    true,
  );
  return { id: token.id, secret };
}

async function tokenRow(id: number) {
  const [row] = await t.store.db
    .select({ calls: externalTokens.calls, lastAccess: externalTokens.lastAccess, lastIp: externalTokens.lastIp })
    .from(externalTokens)
    .where(eq(externalTokens.id, id));
  return row;
}

/** A scope's stored hourly buckets of the day from `from` on (a test's own), as `${start} ${reason}` → calls. */
async function stored(scope: UsageScope, id: number, from: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const b of await hourlyBuckets(t.store.db, scope, id, from)) {
    if (b.start < from + DAY) out[`${b.start} ${b.reason}`] = b.calls;
  }
  return out;
}

/** What the nodes have gathered and not written for a scope, summed, in `stored`'s shape. */
function pendingOf(nodes: Deps[], scope: 'token' | 'service' | 'site', id: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of nodes) {
    for (const b of d.usage.pendingBuckets(scope, id)) {
      const key = `${b.start} ${b.reason}`;
      out[key] = (out[key] ?? 0) + b.calls;
    }
  }
  return out;
}

const hourOf = (at: number) => at - (at % HOUR);

describe('two nodes count one token', () => {
  it('stores the sums of both nodes: calls, the later last access, and the buckets', async () => {
    clock.t = START;
    const tok = await newToken();
    const node1App = { app: t.app };
    const node2App = { app: app2 };
    // This node: 3 calls through and 1 refused, at START.
    for (let i = 0; i < 3; i++)
      expect((await restCall(node1App, tok.secret, SITE_INFO, {}, '192.0.2.1')).status).toBe(200);
    expect((await restCall(node1App, tok.secret, NOT_IN_SERVICE, {}, '192.0.2.1')).body.exception).toBeTruthy();
    // The other node: 4 through and 2 refused, two minutes later, from another address.
    clock.advance(120);
    for (let i = 0; i < 4; i++)
      expect((await restCall(node2App, tok.secret, SITE_INFO, {}, '192.0.2.2')).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await restCall(node2App, tok.secret, NOT_IN_SERVICE, {}, '192.0.2.2')).body.exception).toBeTruthy();
    // And both in the next hour: this node last.
    clock.advance(HOUR);
    expect((await restCall(node2App, tok.secret, SITE_INFO, {}, '192.0.2.2')).status).toBe(200);
    clock.advance(60);
    expect((await restCall(node1App, tok.secret, SITE_INFO, {}, '192.0.2.1')).status).toBe(200);
    const last = clock.t;

    const nodes = [t.deps, node2];
    const want = {
      token: pendingOf(nodes, 'token', tok.id),
      service: pendingOf(nodes, 'service', serviceId),
      site: pendingOf(nodes, 'site', 0),
    };
    // What each node gathered: the figures below are sums of both, not one node's.
    const reasons = Object.keys(want.token).filter((k) => !k.endsWith(' ok'));
    expect(reasons).toHaveLength(1);
    const [refusedKey = ''] = reasons;
    expect(want.token).toEqual({ [`${hourOf(START)} ok`]: 7, [refusedKey]: 3, [`${hourOf(last)} ok`]: 2 });
    expect(want.service).toEqual(want.token);
    expect(want.site).toEqual(want.token);

    // The node with the later access flushes first: the other's earlier one must not overwrite it.
    expect(await flushUsage(t.deps)).toBe(1);
    expect((await tokenRow(tok.id))?.calls).toBe(5);
    expect(await flushUsage(node2)).toBe(1);
    expect(await tokenRow(tok.id)).toEqual({ calls: 12, lastAccess: last, lastIp: '192.0.2.1' });
    const from = hourOf(START);
    expect(await stored(USAGE_SCOPE.token, tok.id, from)).toEqual(want.token);
    expect(await stored(USAGE_SCOPE.service, serviceId, from)).toEqual(want.token);
    expect(await stored(USAGE_SCOPE.site, 0, from)).toEqual(want.token);
    // The console (this node, nothing pending) shows the sums.
    const dto = (await admin.get(`/api/tokens/${tok.id}`)).body;
    expect(dto).toMatchObject({ calls: 12, lastAccess: last, lastIp: '192.0.2.1' });
  });

  it('keeps the later last access whichever node flushes last', async () => {
    clock.t = START + DAY;
    const tok = await newToken();
    expect((await restCall({ app: t.app }, tok.secret, SITE_INFO, {}, '192.0.2.1')).status).toBe(200);
    clock.advance(300);
    expect((await restCall({ app: app2 }, tok.secret, SITE_INFO, {}, '192.0.2.2')).status).toBe(200);
    // The later one (the other node's) is written first, the earlier one last.
    await flushUsage(node2);
    await flushUsage(t.deps);
    expect(await tokenRow(tok.id)).toEqual({ calls: 2, lastAccess: clock.t, lastIp: '192.0.2.2' });
  });
});

describe('two nodes flushing at the same moment', () => {
  it('neither deadlock nor lose a count, over many tokens gathered in opposite orders', async () => {
    clock.t = START + 2 * DAY;
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await newToken()).id);
    const rounds = 6;
    const counts = new Map<number, number>(ids.map((id) => [id, 0]));
    let total = 0;
    for (let round = 0; round < rounds; round++) {
      // Each node meets the tokens in its own order (its batch, and so its writes, in that order).
      ids.forEach((id, i) => {
        const n = 1 + ((i + round) % 3);
        for (let k = 0; k < n; k++) t.deps.usage.record(id, serviceId, clock.t, '192.0.2.1');
        counts.set(id, (counts.get(id) ?? 0) + n);
        total += n;
      });
      [...ids].reverse().forEach((id, i) => {
        const n = 1 + ((i + 2 * round) % 4);
        for (let k = 0; k < n; k++) node2.usage.record(id, serviceId, clock.t + 1, '192.0.2.2');
        counts.set(id, (counts.get(id) ?? 0) + n);
        total += n;
      });
      const both = Promise.all([flushUsage(t.deps), flushUsage(node2)]);
      // A deadlock shows as PostgreSQL's error (it looks after 1 s), a flush that hangs as this.
      const timeout = new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error('the two flushes did not finish')), 10_000).unref();
      });
      expect(await Promise.race([both, timeout])).toEqual([ids.length, ids.length]);
      if (round === 2) clock.advance(HOUR); // later rounds add to new buckets and to existing ones
    }
    for (const id of ids) {
      expect(await tokenRow(id), `token ${id}`).toEqual({
        calls: counts.get(id),
        lastAccess: clock.t + 1,
        lastIp: '192.0.2.2',
      });
    }
    const from = hourOf(START + 2 * DAY);
    const sum = (b: Record<string, number>) => Object.values(b).reduce((a, n) => a + n, 0);
    const perToken = await Promise.all(ids.map((id) => stored(USAGE_SCOPE.token, id, from)));
    expect(perToken.map(sum)).toEqual(ids.map((id) => counts.get(id)));
    expect(sum(await stored(USAGE_SCOPE.service, serviceId, from))).toBe(total);
    const site = await stored(USAGE_SCOPE.site, 0, from);
    expect(site).toEqual({ [`${from} ok`]: expect.any(Number), [`${from + HOUR} ok`]: expect.any(Number) });
    expect(sum(site)).toBe(total);
  });
});
