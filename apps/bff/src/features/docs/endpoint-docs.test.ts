import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FILE_ENDPOINTS, FILE_ERROR_EXAMPLE, MOODLE_DIFFERENCES, SOAP_STYLES } from '@gatehouse/shared';
import { serve } from '@hono/node-server';
import { Validator } from '@seriousme/openapi-schema-validator';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files } from '../../db/schema';
import { type Client, makeTestApp, restCall, serviceBody, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { addServiceFunctions, createService } from '../services/services.service';
import { createAdminToken } from '../tokens/tokens.service';
import { markdownText } from './markdown';

// The documentation of the file endpoints, the SOAP styles and the differences from Moodle
// (packages/shared endpoint-docs.ts): what it says is what the real server does. Its upload
// example runs with curl against a listening site; the errors it lists are the ones the endpoints
// answer, status, code and message; the OpenAPI documents carry the endpoints a service opens.

const run = promisify(execFile);

let t: TestApp;
let base = '';
let server: ReturnType<typeof serve>;
let admin: Client;
/** Tokens of the admin: a service with downloads and uploads, one with neither. */
let both = '';
let neither = '';
let bothId = 0;
let neitherId = 0;
let workdir = '';

beforeAll(async () => {
  let app: TestApp | undefined;
  server = serve({
    fetch: (req, env) => (app ? app.app.fetch(req, env) : new Response('starting', { status: 503 })),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base } });
  app = t;
  await t.deps.settings.apply(
    { enablewebservices: '1', webserviceprotocols: 'rest,soap', enablewsdocumentation: '1' },
    SYSTEM_ACTOR,
  );
  const token = async (shortname: string, files: boolean) => {
    const svc = await createService(
      t.deps,
      serviceBody(`Files ${shortname}`, shortname, { downloadFiles: files, uploadFiles: files }),
      SYSTEM_ACTOR,
    );
    await addServiceFunctions(t.deps, svc.id, ['core_webservice_get_site_info'], SYSTEM_ACTOR);
    const { secret } = await createAdminToken(
      t.deps,
      { userId: await t.userId('admin'), serviceId: svc.id, validUntil: null },
      SYSTEM_ACTOR,
      true,
    );
    return { secret, id: svc.id };
  };
  ({ secret: both, id: bothId } = await token('files_both', true));
  ({ secret: neither, id: neitherId } = await token('files_neither', false));
  admin = t.client();
  await admin.login('admin', 'Admin-pass-1');
  workdir = mkdtempSync(join(tmpdir(), 'gatehouse-docs-'));
  writeFileSync(join(workdir, 'notes.pdf'), '%PDF-1.4 documented upload\n');
});
afterAll(async () => {
  server?.close();
  await t?.close();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

const endpoint = (id: string) => {
  const doc = FILE_ENDPOINTS.find((d) => d.id === id);
  if (!doc) throw new Error(id);
  return doc;
};

/** The documented error of an endpoint with this code (and, when several share it, this situation). */
function documented(id: string, errorcode: string, when?: RegExp) {
  const found = endpoint(id).errors.filter((e) => e.errorcode === errorcode && (!when || when.test(e.when)));
  expect(found, `${id} documents ${errorcode}`).toHaveLength(1);
  return found[0] as (typeof found)[number];
}

/** Checks an answer against the documented error: its status and Moodle's AJAX error object. */
async function expectDocumentedError(res: Response, id: string, errorcode: string, when?: RegExp) {
  const doc = documented(id, errorcode, when);
  expect(res.status).toBe(doc.status);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(Object.keys(JSON.parse(FILE_ERROR_EXAMPLE)));
  expect(body).toMatchObject({ errorcode: doc.errorcode, error: doc.message, stacktrace: null });
}

describe('the documented upload example', () => {
  it('runs with curl and answers the documented file records; the record downloads from draftfile.php', async () => {
    const command = endpoint('upload').example(base);
    expect(command).toContain(`${base}/webservice/upload.php`);
    const { stdout } = await run('bash', ['-c', `${command.replaceAll('YOUR_TOKEN', both)} --silent --show-error`], {
      cwd: workdir,
    });
    const records = JSON.parse(stdout) as Record<string, unknown>[];
    expect(records).toHaveLength(1);
    const record = records[0] as Record<string, unknown>;
    // The keys and order the documentation gives.
    expect(Object.keys(record)).toEqual([
      'component',
      'contextid',
      'userid',
      'filearea',
      'filename',
      'filepath',
      'itemid',
      'license',
      'author',
      'source',
    ]);
    expect(record).toMatchObject({ component: 'user', filearea: 'draft', filename: 'notes.pdf', filepath: '/' });
    expect(typeof record.userid).toBe('string');
    // The draft file's URL as the draftfile.php documentation writes it.
    expect(endpoint('draftfile').path).toBe('/webservice/draftfile.php/<contextid>/user/draft/<itemid>/<path>');
    const res = await fetch(
      `${base}/webservice/draftfile.php/${record.contextid}/user/draft/${record.itemid}/notes.pdf?forcedownload=1`,
      { headers: { authorization: `Bearer ${both}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="notes.pdf"');
    expect(await res.text()).toBe('%PDF-1.4 documented upload\n');
  });
});

describe('the documented download examples', () => {
  it("download the seeded resource's file with the token, and with the user's private access key", async () => {
    // The seeded resource's file, in its module's context.
    const context = (
      await t.store.db
        .select({ contextid: files.contextid })
        .from(files)
        .where(and(eq(files.component, 'mod_resource'), eq(files.filename, 'python-cheat-sheet.txt')))
        .limit(1)
    ).at(0)?.contextid;
    expect(context).toBeTypeOf('number');
    const forSite = (example: string) => example.replace('70000005', String(context));
    await run(
      'bash',
      [
        '-c',
        `${forSite(endpoint('pluginfile').example(base)).replaceAll('YOUR_TOKEN', both)} --silent --show-error --fail`,
      ],
      {
        cwd: workdir,
      },
    );
    const downloaded = readFileSync(join(workdir, 'python-cheat-sheet.txt'), 'utf8');
    expect(downloaded).toMatch(/^Python cheat sheet\n/);
    rmSync(join(workdir, 'python-cheat-sheet.txt'));
    // The key as site info hands it out.
    const info = await restCall(t, both, 'core_webservice_get_site_info');
    const key = info.body.userprivateaccesskey as string;
    await run(
      'bash',
      [
        '-c',
        `${forSite(endpoint('tokenpluginfile').example(base)).replace('USER_PRIVATE_ACCESS_KEY', key)} --silent --show-error --fail`,
      ],
      {
        cwd: workdir,
      },
    );
    expect(readFileSync(join(workdir, 'python-cheat-sheet.txt'), 'utf8')).toBe(downloaded);
  });
});

describe('the documented errors are the ones the endpoints answer', () => {
  const upload = (token: string | null, fields: Record<string, string>) => {
    const form = new FormData();
    if (token) form.set('token', token);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file_1', new Blob(['x']), 'a.txt');
    return fetch(`${base}/webservice/upload.php`, { method: 'POST', body: form });
  };

  it('upload.php', async () => {
    await expectDocumentedError(await upload(null, {}), 'upload', 'missingparam');
    await expectDocumentedError(await upload('nosuchtoken', {}), 'upload', 'invalidtoken');
    await expectDocumentedError(await upload(neither, {}), 'upload', 'accessexception', /uploads/);
    await expectDocumentedError(await upload(both, { filearea: 'backup' }), 'upload', 'error');
    await expectDocumentedError(
      await upload(both, { filearea: 'draft', filepath: 'nope' }),
      'upload',
      'storedfileproblem',
    );
  });

  it('webservice/pluginfile.php and draftfile.php', async () => {
    const icon = (q: string) => fetch(`${base}/webservice/pluginfile.php/1/user/icon/f1${q}`);
    await expectDocumentedError(await icon(''), 'pluginfile', 'missingparam');
    await expectDocumentedError(await icon('?token=nosuchtoken'), 'pluginfile', 'invalidtoken');
    await expectDocumentedError(await icon(`?token=${neither}`), 'pluginfile', 'accessexception', /downloads/);
    await expectDocumentedError(
      await fetch(`${base}/webservice/pluginfile.php/1/user/private/0/nosuchfile.txt?token=${both}`),
      'pluginfile',
      'filenotfound',
    );
    await expectDocumentedError(
      await fetch(`${base}/webservice/draftfile.php/1/user/draft/1/nosuchfile.txt`, {
        headers: { authorization: `Bearer ${both}` },
      }),
      'draftfile',
      'filenotfound',
    );
  });

  it('tokenpluginfile.php', async () => {
    await expectDocumentedError(
      await fetch(`${base}/tokenpluginfile.php/${'0'.repeat(32)}1/1/user/icon/f1`),
      'tokenpluginfile',
      'invalidkey',
    );
  });

  it('every endpoint while web services are off', async () => {
    await t.deps.settings.apply({ enablewebservices: '0' }, SYSTEM_ACTOR);
    try {
      await expectDocumentedError(await upload(both, {}), 'upload', 'accessexception', /web services are off/);
      await expectDocumentedError(
        await fetch(`${base}/webservice/pluginfile.php/1/user/icon/f1?token=${both}`),
        'pluginfile',
        'accessexception',
        /web services are off/,
      );
      await expectDocumentedError(
        await fetch(`${base}/tokenpluginfile.php/${'0'.repeat(32)}1/1/user/icon/f1`),
        'tokenpluginfile',
        'accessexception',
        /web services are off/,
      );
    } finally {
      await t.deps.settings.apply({ enablewebservices: '1' }, SYSTEM_ACTOR);
    }
  });
});

describe('the documented SOAP styles', () => {
  it('each WSDL address answers its style', async () => {
    const [rpc, document] = SOAP_STYLES;
    const wsdl = async (url: string) => {
      const res = await fetch(url.replace('YOUR_TOKEN', both));
      expect(res.status).toBe(200);
      return res.text();
    };
    // Moodle's contract: soap-enc arrays and RPC binding; the opt-in: document/literal.
    expect(await wsdl(rpc?.wsdl(base) ?? '')).toMatch(/style="rpc"/);
    expect(await wsdl(document?.wsdl(base) ?? '')).toMatch(/style="document"/);
  });
});

describe('the OpenAPI documents', () => {
  it('describe the four file endpoints in the document of everything, and it validates', async () => {
    const res = await admin.get('/api/docs/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { description: string }>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/webservice/upload.php',
        '/webservice/pluginfile.php',
        '/webservice/draftfile.php',
        '/tokenpluginfile.php',
      ]),
    );
    // Each error the documentation lists is in the operation's description.
    for (const doc of FILE_ENDPOINTS) {
      const path = doc.id === 'upload' ? '/webservice/upload.php' : doc.path.slice(0, doc.path.indexOf('/<'));
      const op = paths[path]?.[doc.id === 'upload' ? 'post' : 'get'];
      expect(op, path).toBeDefined();
      for (const e of doc.errors) expect(op?.description).toContain(`HTTP ${e.status}, \`${e.errorcode}\`:`);
    }
    // The SOAP styles and the differences from Moodle close the description, escaped for CommonMark.
    const description = res.body.info.description as string;
    expect(description).toContain('SOAP, at /webservice/soap/server.php, in two styles');
    expect(description).toContain('style=document');
    // Each difference whole (its topic and what Gatehouse does), as CommonMark shows it.
    for (const d of MOODLE_DIFFERENCES) {
      expect(description).toContain(`- ${markdownText(d.topic)}: ${markdownText(d.gatehouse)}`);
    }
    expect(description).not.toMatch(/(^|[^\\])[<[!]/);
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? []).toEqual([]);
  });

  it("list a service's file endpoints only when the service allows them", async () => {
    const open = await admin.get(`/api/docs/openapi/services/${bothId}`);
    expect(Object.keys(open.body.paths)).toEqual(
      expect.arrayContaining(['/webservice/upload.php', '/webservice/pluginfile.php', '/tokenpluginfile.php']),
    );
    expect((await new Validator().validate(open.body)).valid).toBe(true);
    const closed = await admin.get(`/api/docs/openapi/services/${neitherId}`);
    expect(Object.keys(closed.body.paths)).toEqual(['/webservice/rest/server.php/core_webservice_get_site_info']);
  });
});
