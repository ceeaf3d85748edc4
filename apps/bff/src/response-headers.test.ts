import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener, listen } from './app';
import { SYSTEM_ACTOR } from './features/audit/audit.service';
import { createAdminToken } from './features/tokens/tokens.service';
import { makeTestApp, makeWsService, type TestApp } from './test/helpers';
import { onPostgres } from './test/test-store';

// The headers every answer carries (the site's secure headers, the request id, Server-Timing,
// Moodle's CORS on its web-service endpoints), the same whether the answer goes out through the
// Node server (where app.ts sets them on the Node response, so that an answer's own headers
// never need a Headers object) or through app.request (where there is no Node response, as in
// most tests). And a write by another process is seen by the next request through the server,
// however the generation check is spread over the requests of one event-loop turn.

let t: TestApp;
let server: ReturnType<typeof listen>;
let base: string;
let secret: string;
let tokenId: number;

beforeAll(async () => {
  t = await makeTestApp();
  const serviceId = await makeWsService(t, {
    name: 'Headers',
    shortname: 'headers',
    protocols: 'rest,xmlrpc,soap',
    functions: ['core_webservice_get_site_info'],
  });
  const made = await createAdminToken(
    t.deps,
    { userId: await t.userId('admin'), serviceId, validUntil: null },
    SYSTEM_ACTOR,
    true,
  );
  secret = made.secret;
  tokenId = made.token.id;
  // As `npm start` serves it: the protocol endpoints' calls through the direct lane.
  server = listen(createListener(t.deps, t.app.fetch), 0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.close();
});

/** hono/secure-headers' answer for app.ts's options, as the site sent it before these headers were prebuilt. */
const SECURE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const MOODLE_CORS = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
const SAME_ORIGIN = { 'cross-origin-resource-policy': 'same-origin' };

interface Case {
  name: string;
  path: string;
  init: () => RequestInit;
  /** The headers the answer carries, beside the per-request ones checked for every case. */
  headers: Record<string, string>;
  /** What @hono/node-server adds when the answer has none (a Content-Type on a 204). */
  serverAdds?: Record<string, string>;
  status: number;
}

const xmlrpcBody =
  '<?xml version="1.0"?><methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><struct></struct></value></param></params></methodCall>';
const soapBody =
  '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><core_webservice_get_site_info xmlns="urn:gatehouse:webservice"/></soap:Body></soap:Envelope>';

const CASES: Case[] = [
  {
    name: 'the bare route',
    path: '/healthz',
    init: () => ({}),
    headers: { ...SECURE_HEADERS, ...SAME_ORIGIN, 'content-type': 'application/json' },
    status: 200,
  },
  {
    name: 'a REST call (JSON)',
    path: '/webservice/rest/server.php',
    init: () => ({
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'wsfunction=core_webservice_get_site_info&moodlewsrestformat=json',
    }),
    headers: { ...SECURE_HEADERS, ...MOODLE_CORS, 'content-type': 'application/json; charset=utf-8' },
    status: 200,
  },
  {
    name: 'a REST refusal (XML)',
    path: '/webservice/rest/server.php?wsfunction=core_webservice_get_site_info&wstoken=nosuch',
    init: () => ({}),
    headers: { ...SECURE_HEADERS, ...MOODLE_CORS, 'content-type': 'application/xml; charset=utf-8' },
    status: 200,
  },
  {
    name: 'a REST preflight',
    path: '/webservice/rest/server.php',
    init: () => ({
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    }),
    headers: {
      ...SECURE_HEADERS,
      ...MOODLE_CORS,
      'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
      'access-control-allow-headers':
        'Authorization, Content-Type, Range, If-None-Match, If-Modified-Since, If-Range, X-Requested-With',
      'access-control-max-age': '86400',
    },
    serverAdds: { 'content-type': 'text/plain; charset=UTF-8' },
    status: 204,
  },
  {
    name: 'an XML-RPC call',
    path: '/webservice/xmlrpc/server.php',
    init: () => ({
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/xml' },
      body: xmlrpcBody,
    }),
    headers: { ...SECURE_HEADERS, ...MOODLE_CORS, 'content-type': 'text/xml; charset=utf-8' },
    status: 200,
  },
  {
    name: 'a SOAP call (no CORS, as Moodle)',
    path: '/webservice/soap/server.php',
    init: () => ({
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/xml; charset=utf-8' },
      body: soapBody,
    }),
    headers: { ...SECURE_HEADERS, ...SAME_ORIGIN, 'content-type': 'text/xml; charset=utf-8' },
    status: 200,
  },
  {
    name: 'a console API 404 (no CORS)',
    path: '/api/nosuch',
    init: () => ({}),
    headers: { ...SECURE_HEADERS, ...SAME_ORIGIN, 'content-type': 'application/json' },
    status: 404,
  },
];

/** The headers that vary from one request to the next, or that only a socket adds. */
const PER_REQUEST = new Set(['x-request-id', 'server-timing', 'date', 'connection', 'keep-alive', 'content-length']);

function stable(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) if (!PER_REQUEST.has(k)) out[k] = v;
  return out;
}

function expectPerRequest(headers: Headers) {
  expect(headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d\d$/);
  expect(headers.has('x-powered-by')).toBe(false);
}

describe('the headers of an answer', () => {
  for (const c of CASES) {
    it(`${c.name}: the same through the server as through app.request`, async () => {
      const viaServer = await fetch(`${base}${c.path}`, c.init());
      await viaServer.arrayBuffer();
      const viaApp = await t.app.request(c.path, c.init(), { incoming: { socket: { remoteAddress: '10.1.2.3' } } });
      // Read before the body: a test's in-process answer may drop headers set after it was made once its body is read.
      const appHeaders = viaApp.headers;
      await viaApp.arrayBuffer();
      expect(viaServer.status).toBe(c.status);
      expect(viaApp.status).toBe(c.status);
      expect(stable(viaServer.headers)).toEqual({ ...c.headers, ...c.serverAdds });
      expect(stable(appHeaders)).toEqual(c.headers);
      expectPerRequest(viaServer.headers);
      expectPerRequest(appHeaders);
      expect(viaServer.headers.get('x-request-id')).not.toBe(appHeaders.get('x-request-id'));
    });
  }
});

describe('answers through the server', () => {
  it('each carry their own Content-Length, also where a route shares one header object between answers', async () => {
    // The SOAP server answers its calls and faults with one module-level header object.
    const soap = (operation: string) =>
      fetch(`${base}/webservice/soap/server.php`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/xml; charset=utf-8' },
        body: soapBody.replace(/core_webservice_get_site_info/, operation),
      });
    const lengths = new Set<number>();
    for (const operation of ['core_webservice_get_site_info', 'nosuch_function', 'core_webservice_get_site_info']) {
      const res = await soap(operation);
      const bytes = (await res.arrayBuffer()).byteLength;
      expect(res.headers.get('content-length')).toBe(String(bytes));
      lengths.add(bytes);
    }
    expect(lengths.size).toBe(2);
  });
});

describe('writes by another process, through the server', () => {
  // SQLite's PRAGMA data_version, checked once per event-loop turn; PostgreSQL hears other nodes' writes by NOTIFY.
  it.skipIf(onPostgres)('a token deleted by another connection is refused on the next call, each time', async () => {
    const call = async () => {
      const res = await fetch(`${base}/webservice/xmlrpc/server.php`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/xml' },
        body: xmlrpcBody,
      });
      return res.text();
    };
    // Warm: the token's access is cached, and a few calls share event-loop turns.
    const warm = await Promise.all([call(), call(), call(), call()]);
    for (const body of warm) expect(body).toContain('<name>sitename</name>');
    const other = new Database(t.dbFile);
    try {
      other.prepare('UPDATE external_tokens SET valid_until = 1 WHERE id = ?').run(tokenId);
      expect(await call()).toContain('ERRORCODE: accessexception');
      other.prepare('UPDATE external_tokens SET valid_until = NULL WHERE id = ?').run(tokenId);
      expect(await call()).toContain('<name>sitename</name>');
      other.prepare('DELETE FROM external_tokens WHERE id = ?').run(tokenId);
      expect(await call()).toContain('ERRORCODE: invalidtoken');
    } finally {
      other.close();
    }
  });
});
