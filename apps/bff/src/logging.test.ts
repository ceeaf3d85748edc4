import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from './lib/log';
import { ADMIN_PASSWORD, type Client, makeTestApp, serviceBody, signIn, type TestApp } from './test/helpers';

// The server's log as an operator reads it: JSON lines, each with the id of the request it was
// written for (the X-Request-Id the client got), a line per refused web-service call with its
// reason, and never a secret: no token, no password, no query string.

const PROXY = '10.9.9.9';
const CLIENT = '10.1.2.3';

let t: TestApp;
let admin: Client;
/** A token of the admin on a service holding core_webservice_get_site_info only. */
let secret: string;
let tokenId: number;
let adminId: number;
/** A token that only works from 192.0.2.0/24: refused from anywhere else at the token itself. */
let fencedSecret: string;
let fencedId: number;
let serviceId: number;

interface Line {
  level: string;
  msg: string;
  reqId?: string;
  [field: string]: unknown;
}

/** Replaces the app's logger with one at `level` that writes into an array. */
function captureLog(level: LogLevel) {
  const text: string[] = [];
  t.deps.log = createLogger(level, { write: (line: string) => void text.push(line) });
  return {
    text: () => text.join(''),
    lines: (): Line[] => text.map((l) => JSON.parse(l) as Line),
  };
}

/** One request through the app from `ip`, with the response's headers. */
async function send(
  method: string,
  path: string,
  o: { headers?: Record<string, string>; body?: string; ip?: string } = {},
): Promise<{ status: number; headers: Headers; text: string; reqId: string }> {
  const res = await t.app.request(
    path,
    { method, headers: { host: 'localhost', ...o.headers }, ...(o.body !== undefined ? { body: o.body } : {}) },
    { incoming: { socket: { remoteAddress: o.ip ?? CLIENT } } },
  );
  return {
    status: res.status,
    headers: res.headers,
    text: await res.text(),
    reqId: res.headers.get('x-request-id') ?? '',
  };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const rest = (token: string, wsfunction: string, o: { ip?: string; headers?: Record<string, string> } = {}) =>
  send('POST', `/webservice/rest/server.php?moodlewsrestformat=json&wsfunction=${wsfunction}`, {
    headers: { ...FORM, ...o.headers },
    body: new URLSearchParams({ wstoken: token }).toString(),
    ...(o.ip ? { ip: o.ip } : {}),
  });

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_TRUSTED_PROXIES: PROXY } });
  // A route that fails unexpectedly, for app.onError; added before the first request (which
  // builds the router). No route of the app answers a POST there.
  t.app.post('/test/boom', () => {
    throw new Error('the database fell over');
  });
  admin = await signIn(t, 'admin');
  adminId = await t.userId('admin');
  const s = await admin.patch('/api/settings', { enablewebservices: '1', webserviceprotocols: 'rest,xmlrpc' });
  if (s.status !== 200) throw new Error(s.text);
  const svc = await admin.post('/api/services', serviceBody('Logging service', 'logging'));
  if (svc.status !== 201) throw new Error(svc.text);
  serviceId = svc.body.id;
  const fns = await admin.post(`/api/services/${svc.body.id}/functions`, {
    functions: ['core_webservice_get_site_info'],
  });
  if (fns.status !== 201) throw new Error(fns.text);
  const tok = await admin.post('/api/tokens', { userId: adminId, serviceId: svc.body.id });
  if (tok.status !== 201) throw new Error(tok.text);
  secret = tok.body.secret;
  tokenId = tok.body.token.id;
  const fenced = await admin.post('/api/tokens', {
    userId: adminId,
    serviceId: svc.body.id,
    ipRestriction: '192.0.2.0/24',
  });
  if (fenced.status !== 201) throw new Error(fenced.text);
  fencedSecret = fenced.body.secret;
  fencedId = fenced.body.token.id;
});
afterAll(() => t?.close());

describe('request ids', () => {
  it('every line logged while serving a request carries the id the response names in X-Request-Id', async () => {
    const log = captureLog('debug');
    const refused = await rest(secret, 'core_group_get_course_groups');
    const me = await send('GET', '/api/auth/me');
    const boom = await send('POST', '/test/boom');
    const ids = [refused.reqId, me.reqId, boom.reqId];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(3);

    const lines = log.lines();
    for (const l of lines) expect(ids, JSON.stringify(l)).toContain(l.reqId);
    // The refused call wrote its refusal and its access line, both under its own id.
    const ofRefused = lines.filter((l) => l.reqId === refused.reqId);
    expect(ofRefused.map((l) => l.msg).sort()).toEqual(['Web-service call refused', 'request']);
    expect(lines.filter((l) => l.reqId === me.reqId).map((l) => l.msg)).toEqual(['request']);
    expect(lines.filter((l) => l.reqId === boom.reqId).map((l) => l.msg)).toEqual(['Unexpected error', 'request']);
  });

  it('takes a well-formed X-Request-Id from a trusted proxy and ignores anyone else’s', async () => {
    const log = captureLog('info');
    const fromProxy = await rest(secret, 'core_group_get_course_groups', {
      ip: PROXY,
      headers: { 'x-request-id': 'lb-1234.abc_Z-9', 'x-forwarded-for': CLIENT },
    });
    expect(fromProxy.reqId).toBe('lb-1234.abc_Z-9');
    const forged = await rest(secret, 'core_group_get_course_groups', {
      headers: { 'x-request-id': 'lb-1234.abc_Z-9' },
    });
    expect(forged.reqId).not.toBe('lb-1234.abc_Z-9');
    expect(forged.reqId).toMatch(/^[0-9a-f-]{36}$/);
    // From the proxy too, an id that is not 1-64 of [A-Za-z0-9._-] is replaced.
    for (const bad of ['a b', 'x'.repeat(65), 'id\u00e9', 'a"}{"level":"fatal']) {
      const res = await rest(secret, 'core_group_get_course_groups', { ip: PROXY, headers: { 'x-request-id': bad } });
      expect(res.reqId, bad).toMatch(/^[0-9a-f-]{36}$/);
    }
    const sixtyFour = 'x'.repeat(64);
    expect((await send('GET', '/healthz', { ip: PROXY, headers: { 'x-request-id': sixtyFour } })).reqId).toBe(
      sixtyFour,
    );
    const ids = log.lines().map((l) => l.reqId);
    expect(ids[0]).toBe('lb-1234.abc_Z-9');
    expect(ids[1]).toBe(forged.reqId);
    expect(ids).toHaveLength(6);
    // The client behind the proxy is the one named, not the proxy.
    expect(log.lines()[0]?.ip).toBe(CLIENT);
  });
});

describe('refused web-service calls', () => {
  it('log one line at info with the reason, the token by id, the user, the protocol and the address', async () => {
    const log = captureLog('info');
    const res = await rest(secret, 'core_group_get_course_groups');
    expect(JSON.parse(res.text).errorcode).toBe('accessexception');
    expect(log.lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'Web-service call refused',
        reqId: res.reqId,
        protocol: 'rest',
        function: 'core_group_get_course_groups',
        reason: 'functionnotinservice',
        tokenId,
        userId: adminId,
        ip: CLIENT,
      }),
    ]);
    expect(log.text()).not.toContain(secret);
  });

  it('name the token and its user when the token itself is refused, and no token that was not found', async () => {
    const log = captureLog('info');
    const fenced = await rest(fencedSecret, 'core_webservice_get_site_info');
    const unknown = await rest('0'.repeat(32), 'core_webservice_get_site_info');
    const [a, b] = log.lines();
    expect(a).toMatchObject({ reqId: fenced.reqId, reason: 'tokeniprestricted', tokenId: fencedId, userId: adminId });
    expect(b).toMatchObject({ reqId: unknown.reqId, reason: 'invalidtoken', protocol: 'rest' });
    expect(b).not.toHaveProperty('tokenId');
    expect(b).not.toHaveProperty('userId');
    expect(log.text()).not.toContain(fencedSecret.slice(0, 8));
    expect(log.text()).not.toContain('0'.repeat(32));
  });

  it('XML-RPC refused before its body is read logs the same line, under the request id', async () => {
    const log = captureLog('info');
    const res = await send('POST', `/webservice/xmlrpc/server.php?wstoken=${fencedSecret}`, {
      headers: { 'content-type': 'text/xml' },
      body: '<?xml version="1.0"?><methodCall><methodName>core_webservice_get_site_info</methodName></methodCall>',
    });
    expect(res.text).toContain('faultCode');
    expect(log.lines()).toEqual([
      expect.objectContaining({ reqId: res.reqId, protocol: 'xmlrpc', reason: 'tokeniprestricted', tokenId: fencedId }),
    ]);
    expect(log.text()).not.toContain(fencedSecret);
  });

  it('a call that goes through logs nothing at info, and still answers its request id', async () => {
    const log = captureLog('info');
    const res = await rest(secret, 'core_webservice_get_site_info');
    expect(JSON.parse(res.text).username).toBe('admin');
    expect(res.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.text()).toBe('');
  });
});

describe('no secret in the log', () => {
  it('a wrong password, a new token, and a token in the query string leave no secret in any line', async () => {
    const log = captureLog('debug');
    const wrong = 'Wrong-pass-Xq7';
    expect((await t.client().tryLogin('admin', wrong)).status).toBe(401);
    // A password typed into the username field, as happens.
    expect((await t.client().tryLogin(ADMIN_PASSWORD, wrong)).status).toBe(401);
    const tokenLogin = await send('POST', '/login/token.php', {
      headers: FORM,
      body: new URLSearchParams({ username: 'admin', password: wrong, service: 'logging' }).toString(),
    });
    expect(tokenLogin.text).toContain('invalidlogin');
    const created = await admin.post('/api/tokens', { userId: adminId, serviceId });
    expect(created.status).toBe(201);
    const newSecret: string = created.body.secret;
    expect(newSecret.length).toBeGreaterThanOrEqual(32);
    const inQuery = await send(
      'GET',
      `/webservice/rest/server.php?wstoken=${newSecret}&wsfunction=core_group_get_course_groups&moodlewsrestformat=json`,
    );
    expect(JSON.parse(inQuery.text).errorcode).toBe('accessexception');

    const text = log.text();
    expect(log.lines().length).toBeGreaterThanOrEqual(6);
    for (const s of [wrong, ADMIN_PASSWORD, newSecret, newSecret.slice(0, 12), newSecret.slice(-12), secret]) {
      expect(text).not.toContain(s);
    }
    expect(text).not.toContain('wstoken');
    // The refused call is there, by its token's id, and its path has no query.
    const refusal = log.lines().find((l) => l.reqId === inQuery.reqId && l.msg === 'Web-service call refused');
    expect(refusal).toMatchObject({ tokenId: created.body.token.id, reason: 'functionnotinservice' });
    const access = log.lines().find((l) => l.reqId === inQuery.reqId && l.msg === 'request');
    expect(access).toMatchObject({ method: 'GET', path: '/webservice/rest/server.php', status: 200 });
  });

  it('an unexpected error logs its stack, method and path on the server, and the client sees neither', async () => {
    const log = captureLog('info');
    const res = await send('POST', '/test/boom?wstoken=abcdef0123456789');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('fell over');
    expect(res.text).not.toContain('at ');
    const [line] = log.lines();
    expect(line).toMatchObject({ level: 'error', reqId: res.reqId, method: 'POST', path: '/test/boom' });
    expect(String((line?.err as { stack?: string } | undefined)?.stack)).toContain('the database fell over');
    expect(log.text()).not.toContain('abcdef0123456789');
  });
});

describe('GATEHOUSE_LOG', () => {
  it('silent writes nothing; info writes the same requests’ refusals and errors', async () => {
    const run = async (level: LogLevel) => {
      const log = captureLog(level);
      await rest(secret, 'core_group_get_course_groups');
      await rest('0'.repeat(32), 'core_webservice_get_site_info');
      await send('POST', '/test/boom');
      await t.client().tryLogin('admin', 'Wrong-pass-1');
      return log.text();
    };
    expect(t.deps.env.GATEHOUSE_LOG).toBe('silent');
    expect(await run(t.deps.env.GATEHOUSE_LOG)).toBe('');
    expect((await run('info')).split('\n').filter(Boolean)).toHaveLength(3);
  });
});
