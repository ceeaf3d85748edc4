import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createListener, listen } from '../../app';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { createAdminToken } from '../../features/tokens/tokens.service';
import { makeTestApp, makeWsService, type TestApp } from '../../test/helpers';

// The direct lane (lane.ts) takes the protocol endpoints' calls from Node before Hono sees them.
// Its answers must be the Hono route's, byte for byte: each case is sent to a server with the
// lane (as `npm start` serves) and to one without it (the app alone through @hono/node-server),
// and status, headers and body must agree; app.request (no Node at all) must give the same
// status and body. The lane must really have taken the calls it is meant to take (the app's
// fetch is never called for them) and left the rest to Hono.

const INFO = 'core_webservice_get_site_info';
const REST = '/webservice/rest/server.php';
const XMLRPC = '/webservice/xmlrpc/server.php';
const SOAP = '/webservice/soap/server.php';
const FORM = 'application/x-www-form-urlencoded';
const MOODLE_CORS = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };

let t: TestApp;
let secret: string;
let lane: Server;
let plain: ReturnType<typeof serve>;
let laneBase: string;
let plainBase: string;
/** Requests that reached the app's fetch through the lane's server (those the lane left to Hono). */
let honoCalls = 0;

const address = (s: Server | ReturnType<typeof serve>) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  t = await makeTestApp();
  const serviceId = await makeWsService(t, {
    name: 'Lane',
    shortname: 'lane',
    protocols: 'rest,xmlrpc,soap',
    functions: [INFO, 'core_group_create_groups'],
  });
  secret = (
    await createAdminToken(t.deps, { userId: await t.userId('admin'), serviceId, validUntil: null }, SYSTEM_ACTOR, true)
  ).secret;
  lane = listen(
    createListener(t.deps, (req, env) => {
      honoCalls++;
      return t.app.fetch(req, env);
    }),
    0,
    '127.0.0.1',
  );
  plain = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await Promise.all([lane, plain].map((s) => new Promise((r) => s.once('listening', r))));
  laneBase = address(lane);
  plainBase = address(plain);
});
afterAll(async () => {
  await Promise.all([lane, plain].map((s) => new Promise((r) => s.close(r))));
  await t.close();
});

interface Case {
  name: string;
  method?: string;
  path: string | (() => string);
  headers?: () => Record<string, string>;
  body?: string | Uint8Array;
  status: number;
  /** Whether the lane takes it (else Hono answers through the lane's server). */
  laned: boolean;
}

const bearer = () => ({ authorization: `Bearer ${secret}` });
const xmlrpcCall = (method: string, params = '<param><value><struct></struct></value></param>') =>
  `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;
const soapRpc = (op: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="urn:x"><SOAP-ENV:Body><ns1:${op}/></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
const soapDocument = (op: string) =>
  `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${op} xmlns="urn:gatehouse:webservice"/></soap:Body></soap:Envelope>`;

const CASES: Case[] = [
  {
    name: 'REST JSON, token in a Bearer header',
    method: 'POST',
    path: REST,
    headers: () => ({ ...bearer(), 'content-type': FORM }),
    body: `wsfunction=${INFO}&moodlewsrestformat=json`,
    status: 200,
    laned: true,
  },
  {
    name: 'REST XML, token in the body',
    method: 'POST',
    path: REST,
    headers: () => ({ 'content-type': FORM }),
    body: `wsfunction=${INFO}`,
    status: 200,
    laned: true,
  },
  {
    name: 'REST GET, everything in the query string',
    path: () => `${REST}?wstoken=${secret}&wsfunction=${INFO}&moodlewsrestformat=json`,
    status: 200,
    laned: true,
  },
  {
    name: 'REST, the function in the path',
    path: () => `${REST}/${INFO}?wstoken=${secret}`,
    status: 200,
    laned: true,
  },
  {
    name: 'REST, a JSON body',
    method: 'POST',
    path: () => `${REST}?wstoken=${secret}&moodlewsrestformat=json`,
    headers: () => ({ 'content-type': 'application/json' }),
    body: JSON.stringify({ wsfunction: 'core_group_create_groups', groups: [{ courseid: 999999, name: 'x' }] }),
    status: 200,
    laned: true,
  },
  {
    name: 'REST, bracket arrays with a gap',
    method: 'POST',
    path: () => `${REST}?wstoken=${secret}&moodlewsrestformat=json`,
    headers: () => ({ 'content-type': FORM }),
    body: `wsfunction=${INFO}&serviceshortnames[0]=lane&serviceshortnames[2]=x`,
    status: 200,
    laned: true,
  },
  {
    name: 'REST, an unknown token',
    method: 'POST',
    path: REST,
    headers: () => ({
      authorization: 'Bearer gwtnosuchtokennosuchtokennosuchtokennosuchtoken1234',
      'content-type': FORM,
    }),
    body: `wsfunction=${INFO}&moodlewsrestformat=json`,
    status: 200,
    laned: true,
  },
  {
    name: 'REST, no such function',
    method: 'POST',
    path: REST,
    headers: () => ({ ...bearer(), 'content-type': FORM }),
    body: 'wsfunction=nosuch_function',
    status: 200,
    laned: true,
  },
  {
    name: 'REST, no function at all',
    method: 'POST',
    path: REST,
    headers: () => ({ ...bearer(), 'content-type': FORM }),
    body: 'moodlewsrestformat=json',
    status: 200,
    laned: true,
  },
  {
    name: 'REST, a body that is not UTF-8',
    method: 'POST',
    path: REST,
    headers: () => ({ ...bearer(), 'content-type': FORM }),
    body: new Uint8Array([0x77, 0x73, 0x66, 0x3d, 0xff, 0xfe]),
    status: 400,
    laned: true,
  },
  {
    name: 'REST, a body over the limit',
    method: 'POST',
    path: `${REST}?moodlewsrestformat=json`,
    headers: () => ({ ...bearer(), 'content-type': FORM }),
    body: `wsfunction=${INFO}&x=${'a'.repeat(4 * 1024 * 1024)}`,
    status: 413,
    laned: true,
  },
  {
    name: 'REST, a function name the lane does not read from the path',
    path: () => `${REST}/core%5Fwebservice_get_site_info?wstoken=${secret}`,
    status: 200,
    laned: false,
  },
  {
    name: 'REST, a preflight',
    method: 'OPTIONS',
    path: REST,
    headers: () => ({ origin: 'https://app.example', 'access-control-request-method': 'POST' }),
    status: 204,
    laned: false,
  },
  {
    name: 'REST, repeated slashes',
    path: () => `//webservice/rest/server.php?wstoken=${secret}&wsfunction=${INFO}`,
    status: 200,
    laned: false,
  },
  {
    name: 'XML-RPC, a call',
    method: 'POST',
    path: XMLRPC,
    headers: () => ({ ...bearer(), 'content-type': 'text/xml' }),
    body: xmlrpcCall(INFO),
    status: 200,
    laned: true,
  },
  {
    name: 'XML-RPC, a fault',
    method: 'POST',
    path: () => `${XMLRPC}?wstoken=${secret}`,
    headers: () => ({ 'content-type': 'text/xml' }),
    body: xmlrpcCall('nosuch_function'),
    status: 200,
    laned: true,
  },
  {
    name: 'XML-RPC, malformed XML',
    method: 'POST',
    path: XMLRPC,
    headers: () => ({ ...bearer(), 'content-type': 'text/xml' }),
    body: '<methodCall><methodName>x</methodCall>',
    status: 200,
    laned: true,
  },
  {
    name: 'XML-RPC, a GET',
    path: () => `${XMLRPC}?wstoken=${secret}`,
    status: 200,
    laned: true,
  },
  {
    name: 'SOAP, an RPC/encoded call',
    method: 'POST',
    path: () => `${SOAP}?wstoken=${secret}`,
    headers: () => ({ 'content-type': 'text/xml; charset=utf-8' }),
    body: soapRpc(INFO),
    status: 200,
    laned: true,
  },
  {
    name: 'SOAP, a document/literal call',
    method: 'POST',
    path: SOAP,
    headers: () => ({ ...bearer(), 'content-type': 'text/xml; charset=utf-8' }),
    body: soapDocument(INFO),
    status: 200,
    laned: true,
  },
  {
    name: 'SOAP, a fault',
    method: 'POST',
    path: () => `${SOAP}?wstoken=${secret}`,
    headers: () => ({ 'content-type': 'text/xml; charset=utf-8' }),
    body: soapRpc('nosuch_function'),
    status: 500,
    laned: true,
  },
  {
    name: 'SOAP, a refusal before the body (send_error)',
    method: 'POST',
    path: `${SOAP}?wstoken=gwtnosuchtokennosuchtokennosuchtokennosuchtoken1234`,
    headers: () => ({ 'content-type': 'text/xml; charset=utf-8' }),
    body: soapRpc(INFO),
    status: 200,
    laned: true,
  },
  {
    name: 'SOAP, the WSDL',
    path: () => `${SOAP}?wsdl=1&wstoken=${secret}`,
    status: 200,
    laned: true,
  },
  {
    name: 'SOAP, a HEAD of the WSDL',
    method: 'HEAD',
    path: () => `${SOAP}?wsdl=1&wstoken=${secret}`,
    status: 200,
    laned: false,
  },
];

/** The headers that differ between two answers to the same request. */
const PER_REQUEST = new Set(['x-request-id', 'server-timing', 'date', 'keep-alive', 'connection']);

async function send(base: string, c: Case) {
  const path = typeof c.path === 'function' ? c.path() : c.path;
  const res = await fetch(`${base}${path}`, {
    method: c.method ?? 'GET',
    headers: c.headers?.(),
    ...(c.body !== undefined ? { body: c.body } : {}),
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of res.headers) if (!PER_REQUEST.has(k)) headers[k] = v;
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()), raw: res.headers };
}

describe('the direct lane answers as the Hono route does', () => {
  for (const c of CASES) {
    it(`${c.name}${c.laned ? '' : ' (left to Hono)'}`, async () => {
      const before = honoCalls;
      const viaLane = await send(laneBase, c);
      expect(honoCalls - before).toBe(c.laned ? 0 : 1);
      const viaHono = await send(plainBase, c);
      expect(viaLane.status).toBe(c.status);
      expect(viaHono.status).toBe(c.status);
      expect(viaLane.headers).toEqual(viaHono.headers);
      expect(viaLane.body.toString('latin1')).toBe(viaHono.body.toString('latin1'));
      expect(viaLane.raw.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(viaLane.raw.get('server-timing')).toMatch(/^app;dur=\d+\.\d\d$/);
      if (c.method !== 'HEAD' && c.method !== 'OPTIONS') {
        const path = typeof c.path === 'function' ? c.path() : c.path;
        const inProcess = await t.app.request(
          path,
          { method: c.method ?? 'GET', headers: c.headers?.(), ...(c.body !== undefined ? { body: c.body } : {}) },
          { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
        );
        expect(inProcess.status).toBe(c.status);
        expect(Buffer.from(await inProcess.arrayBuffer()).toString('latin1')).toBe(viaLane.body.toString('latin1'));
      }
    });
  }

  it('an answer with characters outside ASCII and slashes (escaped as PHP does): the same bytes', async () => {
    const before = t.deps.settings.get('debug');
    await t.deps.settings.apply({ debug: 'developer' }, SYSTEM_ACTOR);
    try {
      const c: Case = {
        name: 'non-ASCII',
        method: 'POST',
        path: REST,
        headers: () => ({ ...bearer(), 'content-type': FORM }),
        body: 'wsfunction=nosuch_%C3%A9%E2%82%AC%F0%9F%98%80/x&moodlewsrestformat=json',
        status: 200,
        laned: true,
      };
      const [viaLane, viaHono] = [await send(laneBase, c), await send(plainBase, c)];
      expect(viaLane.headers).toEqual(viaHono.headers);
      expect(viaLane.body.toString('latin1')).toBe(viaHono.body.toString('latin1'));
      expect(viaLane.body.toString()).toContain('nosuch_\\u00e9\\u20ac\\ud83d\\ude00\\/x');
    } finally {
      await t.deps.settings.apply({ debug: before as 'none' }, SYSTEM_ACTOR);
    }
  });

  it('a disabled protocol: 403 with an empty body, on both', async () => {
    await t.deps.settings.apply({ webserviceprotocols: 'rest,soap' }, SYSTEM_ACTOR);
    try {
      const c: Case = {
        name: 'disabled',
        method: 'POST',
        path: XMLRPC,
        headers: () => ({ ...bearer(), 'content-type': 'text/xml' }),
        body: xmlrpcCall(INFO),
        status: 403,
        laned: true,
      };
      const before = honoCalls;
      const [viaLane, viaHono] = [await send(laneBase, c), await send(plainBase, c)];
      expect(honoCalls).toBe(before);
      expect(viaLane.status).toBe(403);
      expect(viaHono.status).toBe(403);
      // The one deliberate difference: an empty answer says so (Content-Length: 0, no type),
      // where @hono/node-server sends a text/plain type and an empty chunked body.
      const { 'content-type': honoType, 'transfer-encoding': chunked, ...honoRest } = viaHono.headers;
      expect([honoType, chunked]).toEqual(['text/plain; charset=UTF-8', 'chunked']);
      expect(viaLane.headers).toEqual({ ...honoRest, 'content-length': '0' });
      expect(viaLane.body.length).toBe(0);
      expect(viaHono.body.length).toBe(0);
    } finally {
      await t.deps.settings.apply({ webserviceprotocols: 'rest,xmlrpc,soap' }, SYSTEM_ACTOR);
    }
  });

  it('an unexpected error: the API’s 500 on both, logged, no stack to the client', async () => {
    const spy = vi.spyOn(t.deps.authz, 'ready').mockImplementation(() => {
      throw new Error('roles could not be read');
    });
    try {
      const c = CASES[0] as Case;
      const [viaLane, viaHono] = [await send(laneBase, c), await send(plainBase, c)];
      expect(viaLane.status).toBe(500);
      expect(viaHono.status).toBe(500);
      // The lane answers with the endpoint's CORS headers even when the site's part failed
      // (Hono's route had not been reached, so its CORS middleware had not run): a page on
      // another origin can read its 500.
      expect(viaLane.headers).toEqual({ ...viaHono.headers, ...MOODLE_CORS });
      expect(viaLane.body.toString()).toBe(viaHono.body.toString());
      expect(viaLane.body.toString()).not.toMatch(/roles could not be read|at /);
    } finally {
      spy.mockRestore();
    }
  });
});
