import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { makeTestApp, makeWsService, restCall, type TestApp } from '../test/helpers';
import { isLoopback, markDraining, metricsAllowed } from './metrics';

// GET /metrics (Prometheus text) and /readyz, through the whole app.

let t: TestApp;
let secret: string;

/** A GET from a client address, with optional headers; status, content type and text. */
async function get(path: string, ip: string, headers: Record<string, string> = {}) {
  const res = await t.app.request(
    path,
    { headers: { host: 'localhost', ...headers } },
    { incoming: { socket: { remoteAddress: ip } } },
  );
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The value of one sample line (`name{labels} value`), or undefined when there is none. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const setToken = (token: string | undefined) => {
  t.deps.env.GATEHOUSE_METRICS_TOKEN = token;
};

beforeAll(async () => {
  t = await makeTestApp();
  const serviceId = await makeWsService(t, {
    name: 'Metrics',
    shortname: 'metrics',
    protocols: 'rest',
    functions: ['core_webservice_get_site_info'],
  });
  const created = await createAdminToken(
    t.deps,
    { userId: await t.userId('admin'), serviceId, validUntil: null },
    SYSTEM_ACTOR,
    true,
  );
  secret = created.secret;
});
afterAll(() => t?.close());

describe('GET /metrics', () => {
  it('counts a REST call under its function and outcome, with its duration', async () => {
    const call = await restCall(t, secret, 'core_webservice_get_site_info');
    expect(call.body).toMatchObject({ username: 'admin' });
    await restCall(t, 'not-a-token', 'core_webservice_get_site_info');
    await restCall(t, secret, 'no_such_function_of_any_client');

    const res = await get('/metrics', '127.0.0.1');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = res.text;
    expect(
      sample(m, 'gatehouse_requests_total', 'protocol="rest",function="core_webservice_get_site_info",outcome="ok"'),
    ).toBe(1);
    expect(
      sample(
        m,
        'gatehouse_requests_total',
        'protocol="rest",function="core_webservice_get_site_info",outcome="refused"',
      ),
    ).toBe(1);
    // A name the catalogue does not know is counted as `unknown`, never as itself.
    expect(m).not.toContain('no_such_function_of_any_client');
    expect(sample(m, 'gatehouse_requests_total', 'protocol="rest",function="unknown",outcome="refused"')).toBe(1);
    expect(sample(m, 'gatehouse_request_duration_seconds_count', 'protocol="rest"')).toBe(3);
    expect(sample(m, 'gatehouse_request_duration_seconds_bucket', 'protocol="rest",le="+Inf"')).toBe(3);
    // The process's own metrics, and the invalidation lag's histogram (empty until a listener hears one).
    expect(m).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(m).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(m).toContain('# TYPE gatehouse_invalidation_lag_seconds histogram');
    // The pool's gauges exist on PostgreSQL only.
    if (t.store.dialect === 'sqlite') expect(m).not.toContain('gatehouse_db_pool_connections');
    else expect(m).toMatch(/^gatehouse_db_pool_connections\{state="total"\} \d+/m);
  });

  it('counts the console by status with no function, and neither /metrics nor /readyz', async () => {
    await get('/api/auth/me', '127.0.0.1');
    await get('/readyz', '127.0.0.1');
    const before = (await get('/metrics', '127.0.0.1')).text;
    const m = (await get('/metrics', '127.0.0.1')).text;
    expect(sample(m, 'gatehouse_requests_total', 'protocol="console",function="",outcome="refused"')).toBe(1);
    expect(sample(m, 'gatehouse_request_duration_seconds_count', 'protocol="other"')).toBe(
      sample(before, 'gatehouse_request_duration_seconds_count', 'protocol="other"'),
    );
    expect(m).not.toMatch(/protocol="other",function="",outcome/);
  });

  it('the invalidation lag and the cache counters', async () => {
    t.deps.metrics.observeInvalidationLag(12);
    const cells = t.deps.metrics.cache('access_token');
    expect(t.deps.metrics.cache('access_token')).toBe(cells);
    // The access cache counts into the same cells (the calls above hit and missed it).
    const [hits, misses] = [cells.hits.n, cells.misses.n];
    cells.hits.n += 3;
    cells.misses.n++;
    const m = (await get('/metrics', '127.0.0.1')).text;
    expect(sample(m, 'gatehouse_invalidation_lag_seconds_bucket', 'le="0.025"')).toBe(1);
    expect(sample(m, 'gatehouse_cache_hits_total', 'cache="access_token"')).toBe(hits + 3);
    expect(sample(m, 'gatehouse_cache_misses_total', 'cache="access_token"')).toBe(misses + 1);
    expect(misses).toBeGreaterThan(0);
  });

  it('answers 403 to a client that is not on a loopback address', async () => {
    const res = await get('/metrics', '10.1.2.3');
    expect(res.status).toBe(403);
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.text).toBe('Forbidden');
    expect((await get('/metrics', '::1')).status).toBe(200);
    expect((await get('/metrics', '::ffff:127.0.0.1')).status).toBe(200);
  });

  it('with GATEHOUSE_METRICS_TOKEN, answers its bearer only (from anywhere)', async () => {
    setToken('scrape-secret-1');
    try {
      expect((await get('/metrics', '127.0.0.1')).status).toBe(403);
      expect((await get('/metrics', '10.1.2.3', { authorization: 'Bearer wrong' })).status).toBe(403);
      expect((await get('/metrics', '10.1.2.3', { authorization: 'scrape-secret-1' })).status).toBe(403);
      const ok = await get('/metrics', '10.1.2.3', { authorization: 'Bearer scrape-secret-1' });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('gatehouse_requests_total');
    } finally {
      setToken(undefined);
    }
  });
});

describe('GET /readyz', () => {
  it('is ready while the database answers, then unavailable once draining', async () => {
    const ready = await get('/readyz', '10.1.2.3');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready' });
    // /healthz stays as it was.
    expect((await get('/healthz', '10.1.2.3')).status).toBe(200);

    markDraining(t.deps);
    const draining = await get('/readyz', '10.1.2.3');
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.text)).toEqual({ status: 'unavailable', reason: 'draining' });
    expect((await get('/healthz', '10.1.2.3')).status).toBe(200);
  });
});

describe('who may read /metrics', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['::2', false],
    ['', false],
    ['127.0.0.1.example', false],
  ])('%s is loopback: %s', (ip, loopback) => {
    expect(isLoopback(ip)).toBe(loopback);
  });

  it('a token is compared whole, with the Bearer scheme', () => {
    expect(metricsAllowed('abc', 'Bearer abc', '10.0.0.1')).toBe(true);
    expect(metricsAllowed('abc', 'bearer  abc', '10.0.0.1')).toBe(true);
    expect(metricsAllowed('abc', 'Bearer abcd', '127.0.0.1')).toBe(false);
    expect(metricsAllowed('abc', 'Bearer ab', '127.0.0.1')).toBe(false);
    expect(metricsAllowed('abc', undefined, '127.0.0.1')).toBe(false);
    expect(metricsAllowed(undefined, undefined, '127.0.0.1')).toBe(true);
  });
});
