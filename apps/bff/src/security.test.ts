import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, errorOf, makeTestApp, signIn, type TestApp, type TestResponse } from './test/helpers';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await makeTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

const debugNow = async () => (await admin.get('/api/settings')).body.debug as string;

describe('CSRF defence on state-changing requests', () => {
  it('refuses a POST without the x-gatehouse-csrf header with 403 csrf, and changes nothing', async () => {
    const res = await admin.patch('/api/settings', { debug: 'developer' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('csrf');
    expect(errorOf(res).message).toContain('x-gatehouse-csrf');
    expect(await debugNow()).toBe('none');
  });

  it('refuses login without the header (no login CSRF)', async () => {
    const res = await t
      .client()
      .post('/api/auth/login', { username: 'student', password: 'Demo-pass-1' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('csrf');
    expect(res.setCookies).toHaveLength(0);
  });

  it('refuses DELETE and logout without the header', async () => {
    const del = await admin.delete(`/api/users/${await t.userId('student2')}`, { csrf: false });
    expect(del.status).toBe(403);
    expect(errorOf(del).code).toBe('csrf');
    expect((await admin.get(`/api/users/${await t.userId('student2')}`)).body.deleted).toBe(false);
    const out = await admin.post('/api/auth/logout', undefined, { csrf: false });
    expect(out.status).toBe(403);
    expect((await admin.get('/api/auth/me')).status).toBe(200);
  });

  it('refuses a header with a value other than 1', async () => {
    const res = await admin.patch(
      '/api/settings',
      { debug: 'developer' },
      { csrf: false, headers: { 'x-gatehouse-csrf': 'yes' } },
    );
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('csrf');
  });

  it.each(['cross-site', 'same-site'])('refuses Sec-Fetch-Site: %s even with the header', async (site) => {
    const res = await admin.patch('/api/settings', { debug: 'developer' }, { secFetchSite: site });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe('csrf');
    expect(await debugNow()).toBe('none');
  });

  it.each(['http://evil.example', 'http://localhost:8080', 'http://localhost', 'null', 'not a url'])(
    'refuses Origin %s (the site is http://localhost:3000)',
    async (origin) => {
      const res = await admin.patch('/api/settings', { debug: 'developer' }, { origin });
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe('csrf');
      expect(await debugNow()).toBe('none');
    },
  );

  it('accepts a same-origin request (Origin is the site, Sec-Fetch-Site same-origin)', async () => {
    const res = await admin.patch(
      '/api/settings',
      { debug: 'normal' },
      { origin: 'http://localhost:3000', secFetchSite: 'same-origin' },
    );
    expect(res.status).toBe(200);
    expect(res.body.settings.debug).toBe('normal');
    const back = await admin.patch('/api/settings', { debug: 'none' }, { secFetchSite: 'none' });
    expect(back.status).toBe(200);
    expect(back.body.settings.debug).toBe('none');
  });

  it('does not require the header on safe methods', async () => {
    const res = await admin.get('/api/settings', { secFetchSite: 'cross-site' });
    expect(res.status).toBe(200);
  });
});

describe('security headers, on every kind of API response', () => {
  const checkHeaders = (res: TestResponse) => {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // Development (loopback, not Secure): no HSTS.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  };

  it('on 200', async () => {
    const res = await admin.get('/api/auth/me');
    expect(res.status).toBe(200);
    checkHeaders(res);
  });
  it('on 401', async () => {
    const res = await t.client().get('/api/users');
    expect(res.status).toBe(401);
    checkHeaders(res);
  });
  it('on 403', async () => {
    const res = await admin.patch('/api/settings', {}, { csrf: false });
    expect(res.status).toBe(403);
    checkHeaders(res);
  });
  it('on 400', async () => {
    const res = await admin.get('/api/users?perPage=1000');
    expect(res.status).toBe(400);
    checkHeaders(res);
  });
  it('on 404 for an unknown API route, in the error shape', async () => {
    const res = await admin.get('/api/no/such/route');
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('notfound');
    checkHeaders(res);
    const post = await admin.post('/api/nothing-here', { a: 1 });
    expect(post.status).toBe(404);
    expect(errorOf(post).code).toBe('notfound');
    checkHeaders(post);
  });
  it('on 404 for a known path with an unknown method', async () => {
    const res = await admin.request('PUT', '/api/settings', { json: { debug: 'normal' } });
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('notfound');
    checkHeaders(res);
  });
});

describe('bad bodies', () => {
  it('refuses a body over 1 MiB with 413 in the error shape', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    const res = await admin.post('/api/roles', undefined, {
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(errorOf(res)).toEqual({ code: 'toolarge', message: 'The request body is too large' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses a declared Content-Length over 1 MiB without reading the body', async () => {
    const res = await admin.post('/api/roles', undefined, {
      body: '{}',
      headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(errorOf(res).code).toBe('toolarge');
  });

  it('accepts a body just under the limit (and validates it)', async () => {
    const body = JSON.stringify({ username: 'a', password: 'x'.repeat(1024 * 1024 - 100) });
    const res = await t
      .client()
      .post('/api/auth/login', undefined, { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(errorOf(res).fields?.password).toBe('Too big: expected string to have <=200 characters');
  });

  it('answers malformed JSON with 400 in the error shape, not a 500', async () => {
    const res = await admin.post('/api/roles', undefined, {
      body: '{"shortname": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('invalid');
  });

  it('answers malformed JSON on login with 400, not a 500', async () => {
    const res = await t.client().post('/api/auth/login', undefined, {
      body: 'username=admin&password=x',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('invalid');
    expect(res.text).not.toContain('at ');
  });

  it('refuses a body that is not declared as JSON, rather than reading it as empty', async () => {
    const res = await t.client().post('/api/auth/login', undefined, {
      body: JSON.stringify({ username: 'student', password: 'Demo-pass-1' }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({
      code: 'invalid',
      message: 'Send a JSON body (Content-Type: application/json)',
    });
  });

  it('refuses a JSON body of the wrong type (an array) with 400', async () => {
    const res = await admin.patch('/api/settings', [{ debug: 'normal' }]);
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('invalid');
    expect(await debugNow()).toBe('none');
  });

  it('never leaks a stack trace on an unexpected error', async () => {
    const res = await admin.post('/api/roles', undefined, {
      body: '{oops',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);
    expect(res.text).not.toContain('SyntaxError');
  });
});

describe('the built SPA', () => {
  it('answers a missing asset with 404, never the shell under an immutable cache header', async () => {
    const res = await admin.get('/assets/no-such-chunk-0000.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control') ?? '').not.toContain('immutable');
    expect(res.text).not.toContain('<html');
  });

  it('still serves a real asset with the long cache and client routes with the shell', async () => {
    const shell = await admin.get('/admin/settings/some/client/route');
    expect(shell.status).toBe(200);
    expect(shell.text).toContain('<html');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(shell.text)?.[1];
    expect(script).toBeTruthy();
    const asset = await admin.get(script as string);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });
});
