import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { makeTestApp, type TestApp } from '../test/helpers';
import { rawRequest, readParams } from './params';

// Under the Node server the protocol endpoints read bodies straight from Node's IncomingMessage
// rather than through a web Request (the cheaper path the benchmark relies on). What a client
// can observe of that path: when a body is over the limit, the server stops keeping it, answers
// at once and reads the rest of it off the connection and drops it, so the answer arrives and the
// same keep-alive connection serves the client's next request. Through a web Request the body is
// a web stream that, once cancelled, is never read to its end: @hono/node-server then gives up
// draining it and closes the connection, and the next request on it fails ("socket hang up").
// So the test below fails if the endpoints stop taking the Node stream path, whatever the cost.

let t: TestApp;
let server: ReturnType<typeof serve>;
let port: number;
/** Connections the server accepted. */
let connections = 0;

beforeAll(async () => {
  t = await makeTestApp();
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest,xmlrpc,soap' }, SYSTEM_ACTOR);
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  server.on('connection', () => connections++);
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.close();
  await t?.close();
});

interface Answer {
  status: number;
  text: string;
  /** Whether the request went out on a connection an earlier request had used. */
  reusedSocket: boolean;
}

/** One request through a keep-alive agent with a single connection; the body is sent chunked. */
function send(agent: Agent, path: string, type: string, chunks: Buffer[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path, agent, headers: { 'content-type': type } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, reusedSocket: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const KiB = 1024;
const chunksOf = (total: number) =>
  Array.from({ length: Math.ceil(total / (64 * KiB)) }, () => Buffer.alloc(64 * KiB, 0x61));

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe.each([
  // REST takes 4 MiB; XML-RPC and SOAP take 64 KiB from a request without a token. The next
  // request is a small call without a token, which each protocol answers with invalidtoken.
  {
    protocol: 'rest',
    type: 'application/x-www-form-urlencoded',
    over: 5 * 1024 * KiB,
    answer: 413,
    next: 'wsfunction=core_webservice_get_site_info',
  },
  {
    protocol: 'xmlrpc',
    type: 'text/xml',
    over: 256 * KiB,
    answer: 200,
    next: `${XML_DECL}<methodCall><methodName>core_webservice_get_site_info</methodName><params></params></methodCall>`,
  },
  {
    protocol: 'soap',
    type: 'text/xml',
    over: 256 * KiB,
    // Moodle's refusal before the call (send_error): HTTP 200, "Invalid token - token not found".
    answer: 200,
    next: `${XML_DECL}<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><core_webservice_get_site_info xmlns="urn:gatehouse:webservice"/></SOAP-ENV:Body></SOAP-ENV:Envelope>`,
  },
])('$protocol under the Node server', ({ protocol, type, over, answer, next: nextBody }) => {
  it('refuses a body over the limit and keeps the connection for the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = connections;
      const path = `/webservice/${protocol}/server.php${protocol === 'rest' ? '?moodlewsrestformat=json' : ''}`;
      const refused = await send(agent, path, type, chunksOf(over));
      expect(refused.status, refused.text.slice(0, 300)).toBe(answer);
      expect(refused.text).toMatch(protocol === 'rest' ? /too large/ : /invalidtoken|Invalid token/);
      // The next request goes out on the same connection, and is answered on it.
      const next = await send(agent, path, type, [Buffer.from(nextBody)]);
      expect(next.reusedSocket).toBe(true);
      expect(next.text).toMatch(/invalidtoken|Invalid token/);
      expect(connections - before).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

describe('request bodies', () => {
  it('under the Node server, are read from the IncomingMessage, brackets and query string included', async () => {
    const app = new Hono().post('/', async (c) => {
      const request = rawRequest(c);
      return c.json({ fromIncoming: request.incoming !== undefined, params: { ...(await readParams(request)) } });
    });
    const own = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    try {
      await new Promise((r) => own.once('listening', r));
      const res = await fetch(`http://127.0.0.1:${(own.address() as AddressInfo).port}/?q=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a[0][b]=x&c=y',
      });
      expect(await res.json()).toEqual({ fromIncoming: true, params: { q: '1', a: { 0: { b: 'x' } }, c: 'y' } });
    } finally {
      own.close();
    }
  });

  it('outside the Node server (app.request), fall back to the web Request', async () => {
    const app = new Hono().post('/', async (c) => {
      const request = rawRequest(c);
      return c.json({ fromIncoming: request.incoming !== undefined, params: { ...(await readParams(request)) } });
    });
    const res = await app.request('/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    expect(await res.json()).toEqual({ fromIncoming: false, params: { x: 1 } });
  });
});
