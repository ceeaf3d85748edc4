import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoStack, fuzzSite, rawRequest, runs } from './fuzz-helpers';

// Moodle's script paths fed with random shapes (issue 16, section 1): repeated slashes, paths
// in the protocols' folders that are no endpoint, other .php scripts, any method, with and
// without a browser's Origin and preflight headers. Whatever arrives: never the console's page,
// an answer in the shape of the folder's protocol (REST's exception, an XML-RPC or SOAP fault,
// login/token.php's error, Moodle's exception as JSON), the CORS headers in the REST and XML-RPC
// folders, no stack trace, nothing written.

const fuzz = fuzzSite();
const { expectNothingChanged } = fuzz;

const FOLDERS = [
  'webservice/rest',
  'webservice/xmlrpc',
  'webservice/soap',
  'webservice/amf',
  'webservice',
  'login',
  'lib/ajax',
  'admin/tool/mobile',
];
const segment = fc.oneof(
  fc.constantFrom(
    'server.php',
    'nosuch.php',
    'token.php',
    'x',
    '',
    'core_webservice_get_site_info',
    '..',
    '%2e%2e',
    '%00',
    '__proto__',
  ),
  fc.stringMatching(/^[A-Za-z0-9_.%-]{1,12}$/),
);
const slashes = fc.integer({ min: 1, max: 3 }).map((n) => '/'.repeat(n));

/** The protocol whose folder a path (dot segments resolved, slashes merged) is in; or the console's. */
function folderOf(path: string): string {
  const merged = new URL(`http://localhost${path}`).pathname.replace(/\/{2,}/g, '/');
  if (merged === '/login' || merged === '/login/') return 'console';
  // Outside Moodle's folders, only a .php script is Moodle's: the rest is the console's.
  if (!merged.startsWith('/webservice') && !merged.startsWith('/login/') && !merged.includes('.php')) return 'console';
  for (const f of ['webservice/rest', 'webservice/xmlrpc', 'webservice/soap', 'login'])
    if (merged === `/${f}` || merged.startsWith(`/${f}/`)) return f;
  return 'other';
}

describe('Moodle script paths', () => {
  it('random paths, methods and browser headers: the folder’s shape, never the console’s page, nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(slashes, fc.constantFrom(...FOLDERS), fc.array(fc.tuple(slashes, segment), { maxLength: 3 })),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
        fc.boolean(),
        fc.constantFrom('', '?wstoken=nosuchtoken', '?moodlewsrestformat=json', '?wsdl=1'),
        async ([lead, folder, rest], method, browser, query) => {
          const path = `${lead}${folder}${rest.map(([s, p]) => s + p).join('')}`;
          const headers: Record<string, string> = browser
            ? { origin: 'https://app.example.net', 'access-control-request-method': 'POST' }
            : {};
          const res = await rawRequest(fuzz.site.t.app, method, `http://localhost${path}${query}`, {
            headers: { 'content-type': 'text/xml', ...headers },
            body: method === 'GET' ? undefined : '<methodCall/>',
          });
          const what = `${method} ${path}${query}`;
          const kind = folderOf(path);
          // A SOAP Fault is HTTP 500, as Moodle's; anything else unexpected is logged (checked below).
          if (kind !== 'webservice/soap') expect(res.status, what).not.toBe(500);
          if (kind === 'console') return;
          expect(res.type, what).not.toMatch(/html/);
          expectNoStack(res.text);
          const cors = res.headers.get('access-control-allow-origin');
          if (kind === 'webservice/rest' || kind === 'webservice/xmlrpc') expect(cors, what).toBe('*');
          // Elsewhere the endpoints that send them are each a test's (and /api never does: browsers.test.ts).
          if (res.status === 404) {
            if (kind === 'webservice/rest')
              expect(res.text, what).toMatch(/<ERRORCODE>filenotfound<\/ERRORCODE>|"errorcode":"filenotfound"/);
            else if (kind === 'webservice/xmlrpc')
              expect(res.text, what).toContain('| ERRORCODE: filenotfound</string>');
            else if (kind === 'webservice/soap') expect(res.text, what).toContain('filenotfound');
            else expect(JSON.parse(res.text).errorcode, what).toBe('filenotfound');
          }
        },
      ),
      runs(200),
    );
    await expectNothingChanged('random script paths');
  });
});
