import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files } from '../../db/schema';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, curlMultipartFor, enableHub, hubUpload, rpc, siteInfo } from './hub-rpc.test-helpers';
import { HUB_UPLOAD_LIMITS } from './local-hub-upload-limits';

// upload.php bounds what an anonymous sender can make the server do: the token comes after the
// file in the bodies Moodle posts (course/publish/backup.php: filetype, courseid, file, token;
// course/publish/metadata.php: filetype, file, courseid, filename, screenshotnumber, token; both
// through lib/filelib.php curl::post, libcurl's multipart), so the file is read before the token
// is known. At most 2 uploads at a time and so many an hour per address; a body over the limit
// is refused while it streams (the rest is not read); and whatever failed leaves nothing in the
// file store, the staging files included.

const UPLOAD = 'http://localhost/local/hub/webservice/upload.php';
let t: TestApp;
let admin: Client;
let site: { siteid: number; token: string };
let course: number;
let png: Buffer;

const MBZ = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('a tar inside')]);
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** What the file store held before these tests (content the app stores for itself). */
let before = new Set<string>();
/** Every file the data folder's file store holds (content and staging alike), beyond what it held before. */
const storeFiles = () => allStoreFiles().filter((f) => !before.has(f));
function allStoreFiles(): string[] {
  const walk = (dir: string): string[] => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  };
  return walk(join(t.deps.env.dataDir, 'filedir'));
}
const hubFileRows = async () =>
  await t.store.db
    .select()
    .from(files)
    .where(and(eq(files.component, 'local_hub'), eq(files.itemid, course)));

/**
 * The start of curl's multipart body up to the file's bytes: the text parts before the file (as
 * curlMultipartFor writes them, without its closing boundary), then the file part's header.
 */
function bodyUpToFile(before: [string, string][], filename: string): { head: Buffer; contentType: string } {
  const { body, contentType } = curlMultipartFor(before);
  const boundary = contentType.split('boundary=')[1] as string;
  const parts = body.subarray(0, body.length - `--${boundary}--\r\n`.length);
  const fileHeader = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { head: Buffer.concat([parts, Buffer.from(fileHeader)]), contentType };
}

/** A request body that comes a chunk at a time (no Content-Length, as a chunked upload), counting what the server read. */
function streamingBody(next: (i: number) => Promise<Uint8Array | Error | null> | Uint8Array | Error | null) {
  let pulled = 0;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await next(i++);
        if (chunk === null) controller.close();
        else if (chunk instanceof Error) controller.error(chunk);
        else {
          pulled += chunk.length;
          controller.enqueue(chunk);
        }
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

async function post(stream: ReadableStream<Uint8Array>, contentType: string, ip = '192.0.2.50') {
  const req = new Request(UPLOAD, {
    method: 'POST',
    headers: { 'content-type': contentType, accept: '*/*' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  const res = await t.app.request(req, undefined, { incoming: { socket: { remoteAddress: ip } } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const CHUNK = new Uint8Array(64 * 1024);

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: 'https://hub.example.org' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Upload hub' });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  site = (await rpc<typeof site>(t, 'hub_register_site', [{ siteinfo: siteInfo('Up', 'https://up.example') }], token))
    .value!;
  const ids = await rpc<number[]>(t, 'hub_register_courses', [{ courses: [courseInfo(1, 'Shared')] }], site.token);
  course = ids.value![0]!;
  png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#36a' } })
    .png()
    .toBuffer();
  // The first upload.php request moves the seed's older file content into the store: done before counting.
  await hubUpload(t, [['token', 'x']], '192.0.2.99');
  before = new Set(allStoreFiles());
});
afterAll(() => t?.close());

describe('upload.php: a body over the limit is refused while it streams', () => {
  it('a screenshot past 1000000 bytes: 413 after about its limit, not after the whole body', async () => {
    const { head, contentType } = bodyUpToFile([['filetype', 'screenshot']], 'big.png');
    // 64 MiB of "image" if the server read it all.
    const body = streamingBody((i) => (i === 0 ? head : i <= 1024 ? CHUNK : null));
    const res = await post(body.stream, contentType);
    expect(res.status).toBe(413);
    expect(res.text).toBe('A screenshot is at most 1000000 bytes\n');
    expect(res.headers.get('connection')).toBe('close');
    expect(body.pulled()).toBeLessThan(3 * 1024 * 1024);
    expect(await hubFileRows()).toEqual([]);
    expect(storeFiles()).toEqual([]);
  });

  it('bytes past the parts (an endless epilogue) are refused too', async () => {
    const { body: small, contentType } = curlMultipartFor([
      ['filetype', 'backup'],
      ['courseid', String(course)],
      ['file', { filename: sha1(MBZ), content: MBZ }],
      ['token', 'not-the-token'],
    ]);
    const body = streamingBody((i) => (i === 0 ? new Uint8Array(small) : i <= 1024 ? CHUNK : null));
    const res = await post(body.stream, contentType);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(3 * 1024 * 1024);
    expect(storeFiles()).toEqual([]);
  });

  it('a Content-Length over the largest upload is refused before the body is read', async () => {
    const { contentType } = bodyUpToFile([['filetype', 'backup']], 'b.mbz');
    const res = await t.app.request(
      UPLOAD,
      {
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': String(200 * 1024 * 1024) },
        body: 'x',
      },
      { incoming: { socket: { remoteAddress: '192.0.2.51' } } },
    );
    expect(res.status).toBe(413);
  });
});

describe("upload.php over the hub's real server", () => {
  it('stops reading a chunked screenshot past its limit: 413, the connection closed, the rest never read', async () => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    try {
      const { head, contentType } = bodyUpToFile([['filetype', 'screenshot']], 'big.png');
      const MAX = 512 * 1024 * 1024;
      let written = 0;
      const result = await new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
        const req = request({
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          method: 'POST',
          path: '/local/hub/webservice/upload.php',
          headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' },
        });
        let status: number | undefined;
        let body = '';
        req.on('response', (res) => {
          status = res.statusCode;
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status, body }));
        });
        // The server closes the connection while the client still writes: EPIPE or a reset.
        req.on('error', (e) => resolve({ status, body, error: e.message }));
        req.write(head);
        const chunk = Buffer.alloc(64 * 1024);
        const pump = () => {
          while (written < MAX) {
            written += chunk.length;
            if (!req.write(chunk)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
      });
      // What the client managed to write before the server stopped reading (socket buffers included).
      expect(written).toBeLessThan(64 * 1024 * 1024);
      if (result.status !== undefined) {
        expect(result.status).toBe(413);
      } else {
        expect(result.error).toBeTruthy();
      }
      expect(storeFiles()).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('upload.php: nothing is left in the file store after a refused or aborted upload', () => {
  it('the sender goes away in the middle of the file: 400, no row, no content, no staging file', async () => {
    const { head, contentType } = bodyUpToFile(
      [
        ['filetype', 'backup'],
        ['courseid', String(course)],
      ],
      sha1(MBZ),
    );
    const bytes = Buffer.concat([MBZ, Buffer.alloc(300 * 1024, 1)]);
    const body = streamingBody((i) =>
      i === 0 ? head : i === 1 ? new Uint8Array(bytes) : new Error('the connection was reset'),
    );
    const res = await post(body.stream, contentType);
    expect(res.status).toBe(400);
    expect(res.text).toBe('The upload was interrupted before its end: nothing was kept\n');
    expect(body.pulled()).toBeGreaterThan(300 * 1024);
    expect(await hubFileRows()).toEqual([]);
    expect(storeFiles()).toEqual([]);
  });

  it('a body cut short (no closing boundary) is refused and leaves nothing', async () => {
    const { head, contentType } = bodyUpToFile([['filetype', 'backup']], sha1(MBZ));
    const body = streamingBody((i) => (i === 0 ? head : i === 1 ? new Uint8Array(MBZ) : null));
    const res = await post(body.stream, contentType);
    expect(res.status).toBe(400);
    expect(storeFiles()).toEqual([]);
  });

  it('refused after the file was read (a wrong token, not an image, a course of another site): nothing kept', async () => {
    const wrongToken = await hubUpload(t, [
      ['filetype', 'backup'],
      ['courseid', String(course)],
      ['file', { filename: sha1(MBZ), content: MBZ }],
      ['token', 'f'.repeat(32)],
    ]);
    expect(wrongToken.status).toBe(403);
    const notImage = await hubUpload(t, [
      ['filetype', 'screenshot'],
      ['file', { filename: sha1(MBZ), content: MBZ }],
      ['courseid', String(course)],
      ['screenshotnumber', '1'],
      ['token', site.token],
    ]);
    expect(notImage.status).toBe(400);
    const noCourse = await hubUpload(t, [
      ['filetype', 'screenshot'],
      ['file', { filename: sha1(png), content: png }],
      ['courseid', '999999'],
      ['screenshotnumber', '1'],
      ['token', site.token],
    ]);
    expect(noCourse.status).toBe(404);
    expect(await hubFileRows()).toEqual([]);
    expect(storeFiles()).toEqual([]);
  });

  it('an accepted upload is in the store (what the checks above look at)', async () => {
    const ok = await hubUpload(t, [
      ['filetype', 'screenshot'],
      ['file', { filename: sha1(png), content: png }],
      ['courseid', String(course)],
      ['screenshotnumber', '1'],
      ['token', site.token],
    ]);
    expect(ok.status, ok.text).toBe(200);
    expect(await hubFileRows()).toHaveLength(1);
    expect(storeFiles().map((f) => f.endsWith(sha1(png)))).toEqual([true]);
  });
});

describe('upload.php: per-address limits', () => {
  it(`at most ${HUB_UPLOAD_LIMITS.concurrentPerAddress} uploads at a time from one address`, async () => {
    const ip = '203.0.113.5';
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const held = [0, 1].map(() => {
      let started!: () => void;
      const reading = new Promise<void>((r) => {
        started = r;
      });
      const { head, contentType } = bodyUpToFile([['filetype', 'backup']], sha1(MBZ));
      const body = streamingBody(async (i) => {
        if (i === 0) {
          started();
          return head;
        }
        if (i === 1) {
          await released;
          return new Uint8Array(MBZ);
        }
        return null;
      });
      return { reading, answer: post(body.stream, contentType, ip) };
    });
    await Promise.all(held.map((h) => h.reading));

    const third = await hubUpload(
      t,
      [
        ['filetype', 'backup'],
        ['courseid', String(course)],
        ['file', { filename: sha1(MBZ), content: MBZ }],
        ['token', site.token],
      ],
      ip,
    );
    expect(third.status).toBe(429);
    expect(third.text).toMatch(/^Too many uploads at once from your address: at most 2 at a time/);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not held back.
    const other = await hubUpload(
      t,
      [
        ['filetype', 'backup'],
        ['token', 'x'],
      ],
      '203.0.113.6',
    );
    expect(other.status).toBe(403);

    release();
    // Cut short (no closing boundary): refused, and their places are given back.
    expect((await Promise.all(held.map((h) => h.answer))).map((a) => a.status)).toEqual([400, 400]);
    const after = await hubUpload(
      t,
      [
        ['filetype', 'backup'],
        ['token', 'x'],
      ],
      ip,
    );
    expect(after.status).toBe(403);
    expect(storeFiles().filter((f) => !f.endsWith(sha1(png)))).toEqual([]);
  });

  it(`at most ${HUB_UPLOAD_LIMITS.perAddressPerHour} uploads an hour from one address, refused ones included`, async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < HUB_UPLOAD_LIMITS.perAddressPerHour; i++) {
      const r = await hubUpload(
        t,
        [
          ['filetype', 'backup'],
          ['token', 'x'],
        ],
        ip,
      );
      expect(r.status).toBe(403);
    }
    const refused = await hubUpload(
      t,
      [
        ['filetype', 'backup'],
        ['token', 'x'],
      ],
      ip,
    );
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/^Too many uploads from your address: at most 120 an hour; try again in \d+ minute/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same /64 of IPv6 is one address; another address is not held back.
    expect(
      (
        await hubUpload(
          t,
          [
            ['filetype', 'backup'],
            ['token', 'x'],
          ],
          '203.0.113.10',
        )
      ).status,
    ).toBe(403);
  });
});
