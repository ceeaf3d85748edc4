import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../features/audit/audit.service';
import { makeWsSite, type WsSite } from '../../fuzz/fuzz-helpers';
import type { AppEnv } from '../../types';
import type { CallRequest } from '../call';
import { decodeUtf8, readBodyLimited } from '../params';
import { type ProtocolAdapter, ProtocolRequestError, protocolRoute } from './route';

// The pipeline every protocol server goes through, driven with a toy codec (the shape a new
// protocol such as AMF takes): a body that is a function name, answers as `ok …` / `error …`
// lines. What the route owns is checked here once for all protocols: the refusal of a disabled
// protocol, the token before the body, the limits, the call, and every error in the codec's
// shape with the codec's statuses. The real protocols' wire formats are in protocols.test.ts,
// wire-format.test.ts and the fuzz tests.

let site: WsSite;
/** What the codec was asked to do during one request. */
let seen: { reads: number; decoded: CallRequest | undefined; answered: number };

beforeAll(async () => {
  site = await makeWsSite();
});
afterAll(() => site?.t.close());
beforeEach(() => {
  seen = { reads: 0, decoded: undefined, answered: 0 };
});
afterEach(async () => {
  await site.t.deps.settings.apply(
    { enablewebservices: '1', webserviceprotocols: 'rest,soap,xmlrpc,amf' },
    SYSTEM_ACTOR,
  );
});

const KiB = 1024;

/** A codec for the toy protocol; `overrides` change a property for one test. */
function toy(
  overrides: Partial<Omit<ProtocolAdapter<Uint8Array>, 'encodeResult' | 'respond'>> = {},
): ProtocolAdapter<Uint8Array> {
  return {
    protocol: 'amf',
    maxBytes: 8 * KiB,
    maxAnonymousBytes: 1 * KiB,
    postOnly: 'Toy calls are POST requests',
    status: { refused: 500, invalid: 200 },
    read: (request, maxBytes) => {
      seen.reads++;
      return readBodyLimited(request, maxBytes);
    },
    decode: (_deps, _c, _request, body, call) => {
      const text = decodeUtf8(body).trim();
      if (text === 'boom') throw new Error('a bug in the codec');
      if (!/^[a-z_]*$/.test(text)) throw new ProtocolRequestError(`Not a function name: ${text.slice(0, 20)}`);
      if (text) call.functionName = text;
      call.args = {};
      seen.decoded = { ...call };
      return undefined;
    },
    encodeResult: (x, _state, fn, value) =>
      x.text(`ok ${fn.name} ${JSON.stringify(value).slice(0, 40)}`, 200, 'text/plain; charset=UTF-8'),
    encodeError: (x, _state, e, status) =>
      x.text(`error ${e.errorcode}: ${e.message}`, status, 'text/plain; charset=UTF-8'),
    ...overrides,
  };
}

function appFor(adapter: ProtocolAdapter<Uint8Array>) {
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set('actor', { id: null, username: 'anonymous', ip: '127.0.0.1' });
      c.set('reqId', 'req-route-test');
      await next();
    })
    .route('/toy', protocolRoute(site.t.deps, adapter));
  app.onError((_err, c) => c.text('unexpected', 500));
  return app;
}

async function send(
  adapter: ProtocolAdapter<Uint8Array>,
  opts: { method?: string; path?: string; token?: string; bearer?: boolean; body?: string } = {},
) {
  const query = opts.token !== undefined && !opts.bearer ? `?wstoken=${encodeURIComponent(opts.token)}` : '';
  const headers: Record<string, string> = {};
  if (opts.bearer && opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const method = opts.method ?? 'POST';
  const res = await appFor(adapter).request(`/toy${opts.path ?? ''}${query}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: opts.body ?? 'core_webservice_get_site_info' } : {}),
  });
  return { status: res.status, text: await res.text() };
}

describe('protocolRoute', () => {
  it('calls the function and answers through the codec, with the token from the query string or a Bearer header', async () => {
    for (const bearer of [false, true]) {
      const res = await send(toy(), { token: site.secret, bearer });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^ok core_webservice_get_site_info \{"sitename":/);
      expect(seen.decoded).toMatchObject({
        protocol: 'amf',
        token: site.secret,
        functionName: 'core_webservice_get_site_info',
        ip: '127.0.0.1',
        reqId: 'req-route-test',
      });
    }
  });

  it('answers 403 with an empty body for a disabled protocol, before anything else', async () => {
    await site.t.deps.settings.apply({ webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
    const res = await send(
      toy({
        answer: () => {
          seen.answered++;
          return undefined;
        },
      }),
      { token: site.secret },
    );
    expect(res).toEqual({ status: 403, text: '' });
    expect(seen).toMatchObject({ reads: 0, answered: 0 });
  });

  it('with web services off, answers the chain’s refusal in the codec’s shape', async () => {
    await site.t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR);
    const res = await send(toy(), { token: site.secret });
    expect(res.status).toBe(500);
    expect(res.text).toBe('error accessexception: Access control exception');
    expect(seen.reads).toBe(0);
  });

  it('checks a token that comes first before reading the body, and refuses a bad one in the codec’s shape', async () => {
    const res = await send(toy(), { token: 'not-a-real-token', body: 'x'.repeat(4 * KiB) });
    expect(res).toEqual({ status: 500, text: 'error invalidtoken: Invalid token - token not found' });
    expect(seen.reads).toBe(0);
  });

  it('reads a body without a token only up to maxAnonymousBytes, then refuses it as having no token', async () => {
    const small = await send(toy(), { body: 'core_webservice_get_site_info' });
    expect(small).toEqual({ status: 500, text: 'error invalidtoken: Invalid token - token not found' });
    expect(seen.reads).toBe(1);
    const large = await send(toy(), { body: 'x'.repeat(2 * KiB) });
    expect(large).toEqual({ status: 500, text: 'error invalidtoken: Invalid token - token not found' });
  });

  it('refuses a body over maxBytes with 413 in the codec’s shape', async () => {
    const res = await send(toy(), { token: site.secret, body: 'x'.repeat(9 * KiB) });
    expect(res).toEqual({
      status: 413,
      text: `error invalidparameter: The request body is too large (at most ${8 * KiB} bytes)`,
    });
  });

  it('refuses other methods than POST for a postOnly codec, without reading the body', async () => {
    const res = await send(toy(), { method: 'GET', token: site.secret });
    expect(res).toEqual({ status: 200, text: 'error invalidparameter: Toy calls are POST requests' });
    expect(seen.reads).toBe(0);
  });

  it('answers a request the codec cannot decode as invalidparameter with status.invalid, and calls nothing', async () => {
    const before = site.t.deps.usage.peek(site.tokenId)?.calls ?? 0;
    const res = await send(toy(), { token: site.secret, body: 'not a name!' });
    expect(res).toEqual({ status: 200, text: 'error invalidparameter: Not a function name: not a name!' });
    const notUtf8 = await appFor(toy()).request(`/toy?wstoken=${site.secret}`, {
      method: 'POST',
      body: new Uint8Array([0xff, 0xfe]),
    });
    expect(notUtf8.status).toBe(200);
    expect(await notUtf8.text()).toBe('error invalidparameter: The request is not valid UTF-8');
    expect(site.t.deps.usage.peek(site.tokenId)?.calls ?? 0).toBe(before);
  });

  it('answers a refused or failed call in the codec’s shape with status.refused', async () => {
    const res = await send(toy(), { token: site.secret, body: 'core_no_such_function' });
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/^error invalidrecord: /);
  });

  it('lets the codec answer a request that is not a call before the body (as SOAP’s WSDL does)', async () => {
    const adapter = toy({
      answer: (_deps, x, call, query) => {
        seen.answered++;
        return query?.has('describe')
          ? x.text(`described for ${call.token === site.secret ? 'the token' : 'nobody'}`, 200, 'text/plain')
          : undefined;
      },
    });
    const res = await send(adapter, { method: 'GET', path: '', token: site.secret });
    expect(res.text).toBe('error invalidparameter: Toy calls are POST requests');
    const described = await appFor(adapter).request(`/toy?describe=1&wstoken=${site.secret}`);
    expect(await described.text()).toBe('described for the token');
    expect(seen).toMatchObject({ reads: 0, answered: 2 });
  });

  it('takes the function from the path for a functionInPath codec', async () => {
    const res = await send(toy({ functionInPath: true }), {
      path: '/core_webservice_get_site_info',
      token: site.secret,
      body: '',
    });
    expect(res.text).toMatch(/^ok core_webservice_get_site_info /);
    expect(seen.decoded?.functionName).toBe('core_webservice_get_site_info');
  });

  it('lets an unexpected error reach the app’s error handler instead of answering it as the protocol', async () => {
    const res = await send(toy(), { token: site.secret, body: 'boom' });
    expect(res).toEqual({ status: 500, text: 'unexpected' });
  });
});
