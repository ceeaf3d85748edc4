import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import xmlrpc from 'xmlrpc';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { assignRole, createRole } from '../features/roles/roles.service';
import { createService } from '../features/services/services.service';
import { type RealServer, startRealServer, webServiceToken } from '../test/browser-server';
import { DEMO_PASSWORD, serviceBody } from '../test/helpers';
import { moodleFaultOf } from '../test/xmlrpc-faults';

// Issue 16, section 1: browsers and proxies, against the real server. A page on another origin
// calls the web services as a browser does (an Origin header, a preflight before a call with an
// Authorization header); every URL an answer names is the public one (GATEHOUSE_WWWROOT), whatever
// the Host header says; repeated slashes reach the endpoint; a protocol path that does not exist
// answers a 404 in that protocol's shape.
//
// Moodle's CORS (webservice/rest/locallib.php and webservice/xmlrpc/locallib.php, send_headers;
// login/token.php): header('Access-Control-Allow-Origin: *'), on results and errors alike.

const WWWROOT = 'https://learn.example.org/moodle';
const APP_ORIGIN = 'https://app.example.net';

let srv: RealServer;
let secret: string;

beforeAll(async () => {
  srv = await startRealServer({ wwwroot: WWWROOT });
  ({ secret } = await webServiceToken(srv.t));
  // The student may make tokens through login/token.php.
  const role = await createRole(
    srv.t.deps,
    { shortname: 'tokenmaker', name: 'Token maker', capabilities: { 'moodle/webservice:createtoken': 'allow' } },
    SYSTEM_ACTOR,
  );
  await assignRole(srv.t.deps, role.id, await srv.t.userId('student'), SYSTEM_ACTOR);
  await createService(srv.t.deps, serviceBody('Login service', 'loginsvc') as never, SYSTEM_ACTOR);
});
afterAll(() => srv?.close());

const REST = '/webservice/rest/server.php';
const INFO = 'core_webservice_get_site_info';

/** fetch from "a page on another origin": its Origin header, and whatever else is given. */
const crossOrigin = (path: string, init: RequestInit = {}) =>
  fetch(`${srv.base}${path}`, { ...init, headers: { origin: APP_ORIGIN, ...(init.headers as object) } });

const preflight = (path: string, method = 'POST', headers = 'authorization, content-type') =>
  crossOrigin(path, {
    method: 'OPTIONS',
    headers: { 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

function expectPreflightAllows(res: Response) {
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  const methods = (res.headers.get('access-control-allow-methods') ?? '').split(/,\s*/);
  expect(methods).toEqual(expect.arrayContaining(['GET', 'POST']));
  const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
  // A wildcard would not cover Authorization: it has to be named.
  expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type']));
  expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
}

function expectCrossOrigin(res: Response) {
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
}

describe('CORS as Moodle does it', () => {
  it('REST: the preflight of a Bearer call, then the call itself, readable from another origin', async () => {
    expectPreflightAllows(await preflight(`${REST}/${INFO}`));
    expectPreflightAllows(await preflight(`${REST}?wsfunction=${INFO}&moodlewsrestformat=json`));
    const res = await crossOrigin(`${REST}/${INFO}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expectCrossOrigin(res);
    const info = (await res.json()) as { username: string; siteurl: string };
    expect(info.username).toBe('teacher');
    // The public URL, not the address the request came to.
    expect(info.siteurl).toBe(WWWROOT);
  });

  it('REST errors carry it too (a browser can read why it was refused)', async () => {
    const res = await crossOrigin(`${REST}?wstoken=nosuchtoken&wsfunction=${INFO}&moodlewsrestformat=json`);
    expect(res.status).toBe(200);
    expectCrossOrigin(res);
    expect(((await res.json()) as { errorcode: string }).errorcode).toBe('invalidtoken');
  });

  it('login/token.php: its preflight, a token and a refusal, all readable from another origin', async () => {
    expectPreflightAllows(await preflight('/login/token.php', 'POST', 'content-type'));
    const ok = await crossOrigin('/login/token.php', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'student', password: DEMO_PASSWORD, service: 'loginsvc' }).toString(),
    });
    expectCrossOrigin(ok);
    expect(await ok.json()).toEqual({ token: expect.stringMatching(/^gwt/), privatetoken: null });
    const refused = await crossOrigin('/login/token.php', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=student&password=wrong&service=loginsvc',
    });
    expectCrossOrigin(refused);
    expect(((await refused.json()) as { errorcode: string }).errorcode).toBe('invalidlogin');
  });

  it('XML-RPC sends it as Moodle does', async () => {
    const res = await crossOrigin(`/webservice/xmlrpc/server.php?wstoken=${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: `<?xml version="1.0"?><methodCall><methodName>${INFO}</methodName><params/></methodCall>`,
    });
    expectCrossOrigin(res);
    expect(await res.text()).toContain('<name>siteurl</name><value><string>https://learn.example.org/moodle</string>');
  });

  it('never on the console: no CORS headers on /api, and no preflight answered there', async () => {
    const api = await crossOrigin('/api/auth/me');
    expect(api.headers.get('access-control-allow-origin')).toBeNull();
    expect(api.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const options = await preflight('/api/auth/login', 'POST', 'content-type');
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
    expect(options.headers.get('access-control-allow-headers')).toBeNull();
    expect(options.status).not.toBe(204);
    // Nor on the rest of the site.
    const health = await crossOrigin('/healthz');
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
    expect(health.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});

describe('the public URL', () => {
  // The documentation's base URL and the console's origin check: public-url.test.ts.
  it('site info and the WSDL address name GATEHOUSE_WWWROOT whatever Host says', async () => {
    const info = await (
      await fetch(`${srv.base}${REST}/${INFO}?wstoken=${secret}`, { headers: { host: 'evil.example' } })
    ).text();
    expect((JSON.parse(info) as { siteurl: string }).siteurl).toBe(WWWROOT);
    const wsdl = await (
      await fetch(`${srv.base}/webservice/soap/server.php?wsdl=1&wstoken=${secret}`, {
        headers: { host: 'evil.example' },
      })
    ).text();
    expect(wsdl).toContain(`${WWWROOT}/webservice/soap/server.php`);
    for (const answer of [info, wsdl]) {
      expect(answer).not.toContain('evil.example');
      expect(answer).not.toContain('127.0.0.1');
      expect(answer).not.toContain('localhost');
    }
  });
});

describe('repeated slashes reach the endpoint', () => {
  it('//login/token.php (a wwwroot typed with a trailing slash) issues a token', async () => {
    const res = await fetch(`${srv.base}//login/token.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'student', password: DEMO_PASSWORD, service: 'loginsvc' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ token: expect.stringMatching(/^gwt/), privatetoken: null });
  });

  it('REST, with the function in the query string or in the path', async () => {
    for (const path of [
      `//webservice//rest///server.php?wstoken=${secret}&wsfunction=${INFO}&moodlewsrestformat=json`,
      `//webservice/rest/server.php//${INFO}?wstoken=${secret}`,
    ]) {
      const res = await fetch(`${srv.base}${path}`);
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as { username: string }).username, path).toBe('teacher');
    }
  });

  it('XML-RPC, through the npm xmlrpc client', async () => {
    const { hostname, port } = new URL(srv.base);
    const client = xmlrpc.createClient({
      host: hostname,
      port: Number(port),
      path: `//webservice//xmlrpc/server.php?wstoken=${secret}`,
    });
    const info = await new Promise<Record<string, unknown>>((resolve, reject) =>
      client.methodCall(INFO, [{}], (err: unknown, value: unknown) =>
        err ? reject(err) : resolve(value as Record<string, unknown>),
      ),
    );
    expect(info).toMatchObject({ username: 'teacher', siteurl: WWWROOT });
  });

  it('the SOAP WSDL', async () => {
    const res = await fetch(`${srv.base}//webservice/soap//server.php?wsdl=1&wstoken=${secret}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('definitions');
  });
});

describe('a protocol path that does not exist: a 404 in the protocol’s shape', () => {
  // Moodle's message for a missing file or script (lang/en/error.php): filenotfound.
  const MESSAGE = 'Sorry, the requested file could not be found';

  it('REST: its exception, in XML by default and in JSON when asked', async () => {
    const xml = await crossOrigin('/webservice/rest/nosuch.php');
    expect(xml.status).toBe(404);
    expectCrossOrigin(xml);
    expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(await xml.text()).toMatch(
      new RegExp(
        `^<\\?xml version="1.0" encoding="UTF-8" \\?>\\n<EXCEPTION class="moodle_exception">\\n<ERRORCODE>filenotfound</ERRORCODE>\\n<MESSAGE>${MESSAGE}</MESSAGE>\\n`,
      ),
    );
    for (const path of [
      '/webservice/rest/nosuch.php?moodlewsrestformat=json',
      `${REST}/${INFO}/extra?moodlewsrestformat=json`,
    ]) {
      const json = await fetch(`${srv.base}${path}`, { method: 'POST' });
      expect(json.status, path).toBe(404);
      expect(await json.json(), path).toMatchObject({
        exception: 'moodle_exception',
        errorcode: 'filenotfound',
        message: MESSAGE,
      });
    }
  });

  it('XML-RPC: Moodle’s fault', async () => {
    const res = await fetch(`${srv.base}/webservice/xmlrpc/x`, { method: 'POST', body: '<methodCall/>' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    // md5('filenotfound') through PHP's base_convert, first 8 digits.
    expect(moodleFaultOf(await res.text())).toMatchObject({
      faultCode: 73211451,
      message: MESSAGE,
      errorcode: 'filenotfound',
    });
  });

  it('SOAP: a SOAP Fault', async () => {
    const res = await fetch(`${srv.base}/webservice/soap/nosuch.php`, { method: 'POST', body: '' });
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('Fault');
    expect(text).toContain('filenotfound');
  });

  it('login/: the token endpoint’s error shape', async () => {
    const res = await fetch(`${srv.base}/login/nosuch.php`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(
      `{"error":"${MESSAGE}","errorcode":"filenotfound","stacktrace":null,"debuginfo":null,"reproductionlink":null}`,
    );
  });

  it('any other Moodle script path (and GET, where the console would answer its page): Moodle’s exception as JSON', async () => {
    for (const path of [
      '/webservice/nosuch.php',
      '/webservice/amf/nosuch',
      '/admin/tool/mobile/launch.php',
      '/lib/x.php',
    ]) {
      const res = await fetch(`${srv.base}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(await res.json(), path).toMatchObject({ errorcode: 'filenotfound', message: MESSAGE });
    }
  });
});
