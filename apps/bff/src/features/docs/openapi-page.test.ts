import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, makeTestApp, type TestApp } from '../../test/helpers';
import { createCatalogue } from '../../webservice/catalogue';
import { FUNCTIONS } from '../../webservice/functions';

const catalogue = createCatalogue(FUNCTIONS);

// Site administration > Plugins > Web services > API documentation > OpenAPI documents: the page
// lists the documents the viewer may download. A service name is chosen by an administrator and
// is data, never markup: the BFF hands it out as a JSON string, the OpenAPI documents carry it in
// plain-text fields or escaped for CommonMark, and the page itself is served under the console's
// strict CSP (no inline styles).

const EVIL = '<img src=x onerror=alert(1)>[link](http://evil.example)';

/** Every string in a JSON value, with the path that leads to it. */
function strings(v: unknown, path = '$'): [string, string][] {
  if (typeof v === 'string') return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => strings(x, `${path}.${k}`));
  return [];
}

/** CommonMark backslash escapes (spec 2.4) undone: what a Markdown renderer shows as text. */
const unescapeMarkdown = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

describe('the OpenAPI documents page', () => {
  let t: TestApp;
  let admin: Client;
  let evilId: number;
  let evilFunctions: string[];
  beforeAll(async () => {
    t = await makeTestApp();
    admin = t.client();
    await admin.login('admin', 'Admin-pass-1');
    const created = await admin.post('/api/services', {
      name: EVIL,
      shortname: 'evil',
      enabled: true,
      restrictedUsers: false,
      requiredCapability: null,
      downloadFiles: false,
      uploadFiles: false,
    });
    expect(created.status).toBe(201);
    evilId = created.body.id;
    evilFunctions = ['core_webservice_get_site_info', 'core_group_create_groups'];
    const added = await admin.post(`/api/services/${evilId}/functions`, { functions: evilFunctions });
    expect(added.status).toBeLessThan(300);
  });
  afterAll(() => t.close());

  it('lists every downloadable document: everything, then each service with its functions', async () => {
    const res = await admin.get('/api/docs/openapi');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body.all).toMatchObject({
      href: '/api/docs/openapi.json?download=1',
      filename: 'gatehouse-all-functions.openapi.json',
      functionCount: catalogue.all.length,
    });
    const services = (await admin.get('/api/services')).body;
    const ids = [...services.builtin, ...services.custom].map((s: { id: number }) => s.id).sort((a, b) => a - b);
    expect(res.body.services.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b)).toEqual(ids);
    const evil = res.body.services.find((s: { id: number }) => s.id === evilId);
    expect(evil).toMatchObject({
      name: EVIL,
      shortname: 'evil',
      enabled: true,
      href: `/api/docs/openapi/services/${evilId}?download=1`,
      filename: 'gatehouse-evil.openapi.json',
      functionCount: 2,
    });
    expect(evil.functions).toEqual([...evilFunctions].sort());
    // Each link really downloads the document it names.
    const doc = await admin.get(evil.href);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-disposition')).toBe(`attachment; filename="${evil.filename}"`);
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      [...evilFunctions].sort().map((f) => `/webservice/rest/server.php/${f}`),
    );
  });

  it('hands the service name out only as text: one JSON string, never built into markup', async () => {
    const res = await admin.get('/api/docs/openapi');
    const withMarkup = strings(res.body).filter(([, s]) => /<img|\]\(|<a[\s>]|evil\.example/i.test(s));
    // The name itself, verbatim, in the service's name field, and nowhere else.
    expect(withMarkup).toHaveLength(1);
    const [path, value] = withMarkup[0]!;
    expect(value).toBe(EVIL);
    expect(path).toMatch(/^\$\.services\[\d+\]\.name$/);
  });

  it('puts the name in the document as plain text (title) or escaped for CommonMark (description)', async () => {
    const doc = (await admin.get(`/api/docs/openapi/services/${evilId}`)).body;
    expect((await new Validator().validate(doc)).valid).toBe(true);
    // info.title is plain text in OpenAPI 3.1: the name as typed.
    expect(doc.info.title).toBe(`Gatehouse web services: ${EVIL}`);
    // info.description is CommonMark: every character that could open a tag, an image or a link
    // is backslash-escaped, so a renderer shows the name as typed and makes no element of it.
    const description: string = doc.info.description;
    expect(description).not.toContain(EVIL);
    expect(description).not.toMatch(/(^|[^\\])[<[!]/);
    expect(unescapeMarkdown(description)).toContain(EVIL);
  });

  it('is for site configuration holders only', async () => {
    const manager = t.client();
    await manager.login('manager', 'Demo-pass-1');
    const res = await manager.get('/api/docs/openapi');
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('evil');
    expect((await t.client().get('/api/docs/openapi')).status).toBe(401);
  });
});

describe('the OpenAPI documents page, as a document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(() => t.close());

  it('is served under style-src self, with no unsafe-inline anywhere in its CSP', async () => {
    // The SPA's shell is the same document for everyone (the screens check the session), so an
    // anonymous browser sees exactly the headers an administrator's full page load gets.
    const browser = t.client();
    for (const path of [
      '/admin/webservice/openapi',
      '/admin/webservice/openapi/1',
      '/admin/webservice/documentation',
    ]) {
      const res = await browser.get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).not.toContain('unsafe-eval');
      // The SPA's shell when the web app is built (the usual case); the same header either way.
      if (res.headers.get('content-type')?.includes('text/html')) expect(res.text).toContain('<div id="root">');
    }
  });
});
