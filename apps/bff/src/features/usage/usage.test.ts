import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageBuckets } from '../../db/schema';
import {
  type Client,
  type Clock,
  makeClock,
  makeTestApp,
  restCall,
  serviceBody,
  signIn,
  type TestApp,
} from '../../test/helpers';
import { UsageRecorder } from '../../webservice/usage';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { assignRole, createRole } from '../roles/roles.service';
import { usageWritesOf } from './usage.repo';
import { flushUsage, maintainUsage } from './usage.service';

// Usage you can see (issue 18 §2): every call of a known token counts, refusals before the
// function included, in hourly buckets rolled up into days and kept 90 days; the first refusal
// of each reason per token is audited.

const HOUR = 3600;
const DAY = 86_400;
/** 2026-06-01 10:30:00 UTC. */
const START = Date.UTC(2026, 5, 1, 10, 30) / 1000;
const SITE_INFO = 'core_webservice_get_site_info';

let t: TestApp;
let clock: Clock;
let admin: Client;
let student: Client;
let serviceId: number;

/** How many usage rows one token has (of one period, or all). */
async function tokenRows(tokenId: number, period?: number): Promise<number> {
  const [row] = await t.store.db
    .select({ n: count() })
    .from(usageBuckets)
    .where(
      and(
        eq(usageBuckets.scope, 2),
        eq(usageBuckets.scopeId, tokenId),
        period === undefined ? undefined : eq(usageBuckets.period, period),
      ),
    );
  return row?.n ?? 0;
}

async function newToken(username: string, extra: Record<string, unknown> = {}) {
  const res = await admin.post('/api/tokens', { userId: await t.userId(username), serviceId, ...extra });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.token.id as number, secret: res.body.secret as string };
}

type Usage = {
  period: string;
  from: number;
  buckets: { start: number; ok: number; refused: Record<string, number> }[];
  reasons: string[];
  totals: { ok: number; refused: Record<string, number> };
};

async function usage(path: string, range?: string): Promise<Usage> {
  const res = await admin.get(`${path}${range ? `?range=${range}` : ''}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Moves the clock, and signs in again (the sessions time out meanwhile). */
async function advance(seconds: number) {
  clock.advance(seconds);
  [admin, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'student')]);
}

const bucketAt = (u: Usage, at: number) =>
  u.buckets.find((b) => b.start <= at && at < b.start + (u.period === 'hour' ? HOUR : DAY));

async function refusedAudits(): Promise<{ targetId: string; summary: string; details: Record<string, unknown> }[]> {
  const res = await admin.get('/api/audit?action=webservice.refused&perPage=200');
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

beforeAll(async () => {
  clock = makeClock(START);
  t = await makeTestApp({ now: clock.now });
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  const role = await createRole(
    t.deps,
    { shortname: 'restuser', name: 'REST user', capabilities: { 'webservice/rest:use': 'allow' } },
    SYSTEM_ACTOR,
  );
  await assignRole(t.deps, role.id, await t.userId('student'), SYSTEM_ACTOR);
  [admin, student] = await Promise.all([signIn(t, 'admin'), signIn(t, 'student')]);
  const res = await admin.post('/api/services', serviceBody('Usage', 'usage', { enabled: true }));
  expect(res.status, res.text).toBe(201);
  serviceId = res.body.id;
  await admin.post(`/api/services/${serviceId}/functions`, { functions: [SITE_INFO] });
});
afterAll(() => t?.close());

describe('a call refused for the missing protocol capability', () => {
  it('counts, with last access, last address and last error, before and after the flush', async () => {
    // wsclient holds no webservice/rest:use: refused before any function.
    const tok = await newToken('wsclient');
    const res = await restCall(t, tok.secret, SITE_INFO, {}, '198.51.100.7');
    expect(res.body.exception).toBe('webservice_access_exception');
    const check = async () => {
      const dto = (await admin.get(`/api/tokens/${tok.id}`)).body;
      expect(dto).toMatchObject({ calls: 1, lastAccess: START, lastIp: '198.51.100.7' });
      expect(dto.lastError).toContain('protocolcapability');
      const u = await usage(`/api/tokens/${tok.id}/usage`);
      expect(u.totals).toEqual({ ok: 0, refused: { protocolcapability: 1 } });
      expect(u.reasons).toEqual(['protocolcapability']);
      expect(bucketAt(u, START)).toMatchObject({ ok: 0, refused: { protocolcapability: 1 } });
    };
    await check(); // pending, from memory
    await flushUsage(t.deps);
    expect(t.deps.usage.peek(tok.id)).toBeUndefined();
    await check(); // stored
  });
});

describe('refusals on every path count', () => {
  it('SOAP refused before the body, web services off, and the file scripts', async () => {
    await t.deps.settings.apply({ webserviceprotocols: 'rest,soap' }, SYSTEM_ACTOR);
    try {
      const tok = await newToken('wsclient');
      // SOAP reads the token from the query string and refuses before the body.
      const soap = await t.app.request(`/webservice/soap/server.php?wstoken=${tok.secret}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', host: 'localhost' },
        body: '<x/>',
      });
      expect(await soap.text()).toContain('Access control exception');
      // The file script checks no protocol capability: an expired token is refused there.
      const expired = await newToken('student', { validUntil: clock.now() + 5 });
      clock.advance(10);
      const upload = await t.app.request(`/webservice/upload.php?token=${expired.secret}`, {
        method: 'POST',
        headers: { host: 'localhost' },
      });
      expect(await upload.text()).toContain('accessexception');
      await t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR);
      await restCall(t, tok.secret, SITE_INFO);
      await t.deps.settings.apply({ enablewebservices: '1' }, SYSTEM_ACTOR);
      await flushUsage(t.deps);
      expect((await usage(`/api/tokens/${tok.id}/usage`)).totals).toEqual({
        ok: 0,
        refused: { protocolcapability: 1, webservicesdisabled: 1 },
      });
      expect((await usage(`/api/tokens/${expired.id}/usage`)).totals).toEqual({ ok: 0, refused: { tokenexpired: 1 } });
      expect((await admin.get(`/api/tokens/${tok.id}`)).body).toMatchObject({ calls: 2, lastIp: '10.1.2.3' });
    } finally {
      await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
    }
  });
});

describe('buckets', () => {
  it('counts successes and each refusal per token, per service and for the site; unknown tokens on the site only', async () => {
    await flushUsage(t.deps);
    const site0 = (await usage('/api/usage')).totals;
    const svc0 = (await usage(`/api/services/${serviceId}/usage`)).totals;
    const tok = await newToken('student');
    const expired = await newToken('student', { validUntil: clock.now() + 10 });
    await restCall(t, tok.secret, SITE_INFO);
    await restCall(t, tok.secret, SITE_INFO);
    await restCall(t, tok.secret, 'core_no_such_function');
    clock.advance(60);
    await restCall(t, expired.secret, SITE_INFO);
    // A token that matches none.
    await restCall(t, 'x'.repeat(32), SITE_INFO);
    await flushUsage(t.deps);
    const u = await usage(`/api/tokens/${tok.id}/usage`);
    expect(u.period).toBe('hour');
    expect(u.buckets).toHaveLength(48);
    expect(u.totals).toEqual({ ok: 2, refused: { functionnotfound: 1 } });
    expect((await usage(`/api/tokens/${expired.id}/usage`)).totals).toEqual({ ok: 0, refused: { tokenexpired: 1 } });
    const svc = (await usage(`/api/services/${serviceId}/usage`)).totals;
    expect(svc.ok - svc0.ok).toBe(2);
    expect((svc.refused.functionnotfound ?? 0) - (svc0.refused.functionnotfound ?? 0)).toBe(1);
    expect((svc.refused.tokenexpired ?? 0) - (svc0.refused.tokenexpired ?? 0)).toBe(1);
    // The token that matches none is the site's alone.
    expect(svc.refused.invalidtoken).toBeUndefined();
    const site = (await usage('/api/usage')).totals;
    expect(site.ok - site0.ok).toBe(2);
    expect((site.refused.invalidtoken ?? 0) - (site0.refused.invalidtoken ?? 0)).toBe(1);
    expect((site.refused.tokenexpired ?? 0) - (site0.refused.tokenexpired ?? 0)).toBe(1);
    // One row per bucket, never a row per call: two more calls in the same hour add to the row.
    const rows = () => tokenRows(tok.id);
    const before = await rows();
    await restCall(t, tok.secret, SITE_INFO);
    await restCall(t, tok.secret, SITE_INFO);
    await flushUsage(t.deps);
    expect(await rows()).toBe(before);
    expect((await usage(`/api/tokens/${tok.id}/usage`)).totals.ok).toBe(4);
  });

  it('rolls hours older than 48 h up into days, and deletes what is older than 90 days', async () => {
    const tok = await newToken('student');
    const callAt = clock.now();
    await restCall(t, tok.secret, SITE_INFO);
    await restCall(t, tok.secret, 'core_no_such_function');
    await flushUsage(t.deps);
    const hourly = () => tokenRows(tok.id, HOUR);
    expect(await hourly()).toBe(2);
    // 30 h on: still hourly, and the daily view sums the hours of the day.
    await advance(30 * HOUR);
    await maintainUsage(t.deps);
    expect(await hourly()).toBe(2);
    const day30 = await usage(`/api/tokens/${tok.id}/usage`, '30d');
    expect(day30.period).toBe('day');
    expect(day30.buckets).toHaveLength(30);
    expect(bucketAt(day30, callAt)).toMatchObject({ ok: 1, refused: { functionnotfound: 1 } });
    // 49 h after the call: rolled up, the same figures by day, gone from the 48 h view.
    await advance(19 * HOUR);
    await maintainUsage(t.deps);
    expect(await hourly()).toBe(0);
    expect((await usage(`/api/tokens/${tok.id}/usage`, '48h')).totals).toEqual({ ok: 0, refused: {} });
    const day90 = await usage(`/api/tokens/${tok.id}/usage`, '90d');
    expect(day90.buckets).toHaveLength(90);
    expect(bucketAt(day90, callAt)).toMatchObject({ ok: 1, refused: { functionnotfound: 1 } });
    expect(day90.totals).toEqual({ ok: 1, refused: { functionnotfound: 1 } });
    // 91 days on: expired.
    await advance(91 * DAY);
    await maintainUsage(t.deps);
    expect(await tokenRows(tok.id)).toBe(0);
    expect((await usage(`/api/tokens/${tok.id}/usage`, '90d')).totals).toEqual({ ok: 0, refused: {} });
  });
});

describe('the audit of refused calls', () => {
  it('records the first occurrence per token and reason, with the function, and no other', async () => {
    const tok = await newToken('student');
    const other = await newToken('student');
    const before = (await refusedAudits()).length;
    await restCall(t, tok.secret, 'core_no_such_function');
    await restCall(t, tok.secret, 'core_no_such_function');
    await flushUsage(t.deps);
    await restCall(t, tok.secret, 'core_no_such_function');
    await flushUsage(t.deps);
    let audits = await refusedAudits();
    expect(audits.length - before).toBe(1);
    expect(audits[0]).toMatchObject({
      targetId: String(tok.id),
      details: { reason: 'functionnotfound', function: 'core_no_such_function', protocol: 'rest' },
    });
    expect(audits[0]?.summary).toContain('core_no_such_function');
    // Another reason for the same token, and the same reason for another token: one each.
    await restCall(t, tok.secret, SITE_INFO, { extra: 'x' });
    await restCall(t, other.secret, 'core_no_such_function');
    await flushUsage(t.deps);
    audits = await refusedAudits();
    expect(audits.length - before).toBe(3);
    // A successful call is never audited.
    await restCall(t, other.secret, SITE_INFO);
    await flushUsage(t.deps);
    expect((await refusedAudits()).length - before).toBe(3);
  });

  it('remembers through the store, not only in memory (a new recorder after a restart)', async () => {
    const tok = await newToken('student');
    await restCall(t, tok.secret, 'core_no_such_function');
    await flushUsage(t.deps);
    const before = (await refusedAudits()).length;
    const fresh = new UsageRecorder(usageWritesOf(t.store));
    fresh.recordRefusal(
      { t: { id: tok.id, serviceId }, u: { id: await t.userId('student'), username: 'student' } },
      clock.now(),
      '10.1.2.3',
      'functionnotfound',
      'functionnotfound: x',
      'core_no_such_function',
      'rest',
    );
    await fresh.flush();
    expect(fresh.takeFirstRefusals()).toEqual([]);
    expect((await refusedAudits()).length).toBe(before);
  });
});

describe('the usage routes', () => {
  it('answer only those who may see the page, refuse a bad range and a missing token or service', async () => {
    const tok = await newToken('student');
    expect((await student.get(`/api/tokens/${tok.id}/usage`)).status).toBe(403);
    expect((await student.get(`/api/services/${serviceId}/usage`)).status).toBe(403);
    expect((await student.get('/api/usage')).status).toBe(403);
    expect((await t.client().get('/api/usage')).status).toBe(401);
    expect((await admin.get('/api/usage?range=7y')).status).toBe(400);
    expect((await admin.get('/api/tokens/999999/usage')).status).toBe(404);
    expect((await admin.get('/api/services/999999/usage')).status).toBe(404);
  });
});
