import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { userContext } from '../features/files/contexts';
import { fileStoreOf, filesReady } from '../features/files/files.service';
import { userPrivateAccessKey } from '../features/files/user-key';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { expectNoStack, fuzzSite, nastyString, type RawResponse, rawRequest, runs, sqlRows } from './fuzz-helpers';

// The file scripts (webservice/pluginfile.php, draftfile.php, tokenpluginfile.php, pluginfile.php
// and upload.php) fed with random and hostile paths, headers and bodies. A download never writes
// and answers a file (200, 206, 304, 416) or Moodle's AJAX error object (200, 403, 404), never a
// stack trace; an upload answers Moodle's JSON array or its error object, and whatever it stored
// is whole: every row's content is in the file store with the row's size.

let token: string;
let ctx: number;

const fuzz = fuzzSite({
  setup: async (site) => {
    const svc = await createService(
      site.t.deps,
      {
        name: 'Fuzz files',
        shortname: 'fuzzfiles',
        enabled: true,
        restrictedUsers: false,
        requiredCapability: null,
        downloadFiles: true,
        uploadFiles: true,
      },
      SYSTEM_ACTOR,
    );
    await addServiceFunctions(site.t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
    token = (
      await createAdminToken(
        site.t.deps,
        { userId: await site.t.userId('student'), serviceId: svc.id, validUntil: null },
        SYSTEM_ACTOR,
        true,
      )
    ).secret;
    ctx = userContext(await site.t.userId('student'));
    // The seeded file's content moves into the store at the first use: before the fingerprint.
    await filesReady(site.t.deps);
  },
});
const { expectNothingChanged } = fuzz;

const ERROR_KEYS = ['error', 'errorcode', 'stacktrace', 'debuginfo', 'reproductionlink'];

function downloadOutcome(res: RawResponse) {
  expect([200, 206, 304, 403, 404, 416], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
  expectNoStack(res.text);
  if (res.type.startsWith('application/json')) {
    const body = JSON.parse(res.text) as Record<string, unknown>;
    // A path with "." or ".." segments is resolved by the URL parser first: it may name another
    // script, whose 404 is the web-service exception shape.
    if (res.status === 404 && 'exception' in body) return;
    expect(Object.keys(body)).toEqual(ERROR_KEYS);
    expect(body.stacktrace).toBeNull();
  } else if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    expect(m, res.headers.get('content-range') ?? '').not.toBeNull();
    const [, a, b, size] = (m as RegExpExecArray).map(Number);
    expect(a as number).toBeLessThanOrEqual(b as number);
    expect(b as number).toBeLessThan(size as number);
    expect(Number(res.headers.get('content-length'))).toBe((b as number) - (a as number) + 1);
  }
}

/** Path segments: real ones, near misses, traversal, encodings, hostile strings. */
const segment = fc.oneof(
  fc.constant(null).map(() => String(ctx)),
  fc.constantFrom(
    '30000005',
    '70000001',
    '50000002',
    'user',
    'private',
    'draft',
    'icon',
    'mod_resource',
    'content',
    'study-plan.txt',
    '..',
    '.',
    '',
    '%2e%2e',
    '%2F',
    '%',
    '%zz',
    '%00',
    'f1',
    '0',
    '-1',
    '99999999999999999999',
  ),
  nastyString.map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return '%ED%A0%80'; // a lone surrogate, as its UTF-8 bytes would be sent
    }
  }),
);

const SCRIPTS = [
  '/webservice/pluginfile.php',
  '/webservice/draftfile.php',
  '/pluginfile.php',
  '/tokenpluginfile.php/KEY',
  '/tokenpluginfile.php',
];

describe('file downloads with random input', () => {
  it('random paths after each script: a file or the error object, nothing written', async () => {
    const key = userPrivateAccessKey(fuzz.site.t.deps.tokenSecret, await fuzz.site.t.userId('student'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SCRIPTS),
        fc.array(segment, { maxLength: 7 }),
        fc.constantFrom('', `?token=${token}`, '?token=', '?token[]=x', '?forcedownload=1&token=x', '?file=/../x'),
        fc.boolean(),
        async (script, segs, query, bearer) => {
          const path = `${script.replace('KEY', key)}/${segs.join('/')}${query}`;
          const res = await rawRequest(fuzz.site.t.app, 'GET', path, {
            headers: bearer ? { authorization: `Bearer ${token}` } : {},
          });
          downloadOutcome(res);
        },
      ),
      runs(200),
    );
    await expectNothingChanged('random download paths');
  });

  it('random Range, If-None-Match, If-Modified-Since and If-Range headers on a real file', async () => {
    const path = `/webservice/pluginfile.php/${ctx}/user/private/study-plan.txt?token=${token}`;
    const rangeValue = fc.oneof(
      fc.tuple(fc.option(fc.nat(80)), fc.option(fc.nat(80))).map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
      fc.constantFrom('bytes=0-1,3-4', 'bytes=', 'bytes=-0', 'items=0-1', 'bytes=5-2', 'bytes=99999999999999999999-'),
      nastyString,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.option(rangeValue),
        fc.option(fc.oneof(nastyString, fc.constant('*'), fc.constant('W/"x"'))),
        fc.option(
          fc.oneof(
            nastyString,
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toUTCString())),
          ),
        ),
        fc.option(nastyString),
        fc.constantFrom('GET', 'HEAD'),
        async (range, inm, ims, ifRange, method) => {
          const headers: Record<string, string> = {};
          const put = (k: string, v: string | null) => {
            // Only what a client can send as a header value (the fetch layer refuses the rest).
            if (v !== null && /^[\t\x20-\x7e]*$/.test(v)) headers[k] = v;
          };
          put('range', range);
          put('if-none-match', inm);
          put('if-modified-since', ims);
          put('if-range', ifRange);
          const res = await rawRequest(fuzz.site.t.app, method, path, { headers });
          downloadOutcome(res);
          if (res.status === 200 && method === 'GET') expect(res.text.length).toBe(50);
        },
      ),
      runs(200),
    );
    await expectNothingChanged('random conditional and range headers');
  });
});

/** A multipart body by hand: boundaries, headers and names as a hostile client writes them. */
const multipart = fc
  .tuple(
    fc.constantFrom('b0undary', 'x', '----WebKitFormBoundaryAbc', 'a'.repeat(70)),
    fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('field' as const),
          name: fc.oneof(fc.constantFrom('token', 'filearea', 'filepath', 'itemid', '__proto__', ''), nastyString),
          value: fc.oneof(fc.constantFrom('draft', 'private', '/', '/a/', '0', '-1', 'x'), nastyString),
        }),
        fc.record({
          kind: fc.constant('file' as const),
          name: fc.oneof(fc.constantFrom('file_1', 'f', ''), nastyString),
          filename: fc.oneof(fc.constantFrom('a.txt', '..', '.', '', '../../x', 'é.txt', 'a/b.txt'), nastyString),
          content: fc.uint8Array({ maxLength: 200 }),
        }),
      ),
      { maxLength: 5 },
    ),
    fc.boolean(),
  )
  .map(([boundary, parts, truncate]) => {
    const chunks: Buffer[] = [];
    for (const p of parts) {
      const q = (s: string) => s.replace(/[\r\n"]/g, '');
      chunks.push(Buffer.from(`--${boundary}\r\n`));
      if (p.kind === 'field') {
        chunks.push(Buffer.from(`Content-Disposition: form-data; name="${q(p.name)}"\r\n\r\n${p.value}\r\n`));
      } else {
        chunks.push(
          Buffer.from(
            `Content-Disposition: form-data; name="${q(p.name)}"; filename="${q(p.filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
          Buffer.from(p.content),
          Buffer.from('\r\n'),
        );
      }
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    const body = Buffer.concat(chunks);
    return { boundary, body: truncate ? body.subarray(0, Math.floor(body.length / 2)) : body };
  });

describe('upload.php with random input', () => {
  it("random multipart bodies: Moodle's JSON array or its error object, and every stored file whole", async () => {
    await fc.assert(
      fc.asyncProperty(
        multipart,
        fc.constantFrom('header', 'query', 'none'),
        fc.constantFrom(
          'multipart/form-data; boundary=',
          'multipart/form-data; boundary="',
          'text/plain; boundary=',
          '',
        ),
        async ({ boundary, body }, via, type) => {
          const headers: Record<string, string> = { 'content-type': `${type}${boundary}` };
          if (via === 'header') headers.authorization = `Bearer ${token}`;
          // A watchdog well under the test's timeout, so that a request that never answers fails
          // this property with its input (and fast-check's seed) rather than timing the test out.
          let watchdog: ReturnType<typeof setTimeout> | undefined;
          const res = await Promise.race([
            rawRequest(fuzz.site.t.app, 'POST', `/webservice/upload.php${via === 'query' ? `?token=${token}` : ''}`, {
              headers,
              body: new Uint8Array(body),
            }),
            new Promise<never>((_, reject) => {
              watchdog = setTimeout(
                () => reject(new Error(`upload.php did not answer in 5 s (content-type ${headers['content-type']})`)),
                5000,
              );
            }),
          ]).finally(() => clearTimeout(watchdog));
          expect([200, 413], `status ${res.status}: ${res.text.slice(0, 300)}`).toContain(res.status);
          expect(res.type).toBe('application/json; charset=utf-8');
          expectNoStack(res.text);
          const out = JSON.parse(res.text) as unknown;
          if (!Array.isArray(out)) expect(Object.keys(out as object)).toEqual(ERROR_KEYS);
        },
      ),
      // No shrinking: a shrink step of a hanging input would wait out the watchdog again.
      { ...runs(150), endOnFailure: true },
    );
    // Every row's content is in the store, with the row's size.
    const store = fileStoreOf(fuzz.site.t.deps);
    const rows = await sqlRows<{ contenthash: string; filesize: number }>(
      fuzz.site.t.store,
      'SELECT contenthash, filesize FROM files',
    );
    for (const r of rows) expect(store.size(r.contenthash)).toBe(r.filesize);
    fuzz.expectNoPollutionOrErrors();
  });
});
