import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, readParams } from './params';

// Under the Node server the protocol endpoints read bodies from the IncomingMessage rather than
// a web Request (the cheaper path the benchmark relies on). This fails if that path is not taken.

let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
  const app = new Hono().post('/', async (c) => {
    const request = rawRequest(c);
    const params = await readParams(request);
    return c.json({
      fromIncoming: request.incoming !== undefined,
      webRequestBuilt: Object.getOwnPropertySymbols(c.req.raw).some((s) => String(s) === 'Symbol(requestCache)'),
      type: request.header('content-type'),
      params: { ...params },
    });
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

describe('request bodies under the Node server', () => {
  it('are read from the IncomingMessage, without building a web Request', async () => {
    const res = await fetch(`${base}/?q=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a[0][b]=x&c=y',
    });
    expect(await res.json()).toEqual({
      fromIncoming: true,
      webRequestBuilt: false,
      type: 'application/x-www-form-urlencoded',
      params: { q: '1', a: { 0: { b: 'x' } }, c: 'y' },
    });
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
