import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../deps';
import { type Client, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { courseInfo, enableHub, hubCall, hubUpload, rpc, siteInfo } from './hub-rpc.test-helpers';
import { cachedImage, IMAGE_CACHE_LIMITS, imageCacheStats } from './local-hub-image-cache';

// download.php's resized screenshots are kept (blocks/community/renderer.php lists every course
// with <img src="{hub}/local/hub/webservice/download.php?courseid=N&filetype=screenshot">, the
// first screenshot at 150 × 150), so the list does not resize on every request; a screenshot
// uploaded again (course/publish/metadata.php posts it with the same screenshotnumber) is
// served new, never from the old one.

let t: TestApp;
let admin: Client;
let site: { siteid: number; token: string };
let course: number;

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const image = (colour: string, width = 600, height = 300) =>
  sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();

/** course/publish/metadata.php: filetype, file, courseid, filename, screenshotnumber, token. */
const uploadScreenshot = (img: Buffer, n = 1) =>
  hubUpload(t, [
    ['filetype', 'screenshot'],
    ['file', { filename: sha1(img), content: img }],
    ['courseid', String(course)],
    ['filename', `shot${n}.png`],
    ['screenshotnumber', String(n)],
    ['token', site.token],
  ]);

async function thumbnail(query = '') {
  const res = await t.app.request(
    `/local/hub/webservice/download.php?courseid=${course}&filetype=screenshot${query}`,
    {},
    { incoming: { socket: { remoteAddress: '192.0.2.30' } } },
  );
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** The colour of the image's first pixel, as #rrggbb. */
async function colourOf(png: Buffer): Promise<string> {
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return `#${[data[0], data[1], data[2]].map((v) => (v as number).toString(16).padStart(2, '0')).join('')}`;
}

beforeAll(async () => {
  t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '0', GATEHOUSE_WWWROOT: 'https://hub.example.org' } });
  admin = await signIn(t, 'admin');
  await enableHub(admin, { privacy: 'public', name: 'Picture hub' });
  const token = (await t.client().get('/local/hub/publictoken.php')).body.token as string;
  site = (
    await rpc<typeof site>(t, 'hub_register_site', [{ siteinfo: siteInfo('Pics', 'https://pics.example') }], token)
  ).value!;
  await admin.post(`/api/hub/sites/${site.siteid}/trust`);
  const published = () =>
    hubCall<number[]>(
      t,
      'hub_register_courses',
      [[courseInfo(1, 'Pictures', { enrollable: true, courseurl: 'https://pics.example/course/view.php?id=1' })]],
      site.token,
    );
  course = (await published()).value![0]!;
});
afterAll(() => t?.close());

describe("download.php's resized screenshots", () => {
  it('are made once and then served from the cache', async () => {
    expect((await uploadScreenshot(await image('#22aa66'))).status).toBe(200);
    const before = imageCacheStats(t.deps);
    const first = await thumbnail();
    const second = await thumbnail();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.equals(first.body)).toBe(true);
    expect(await sharp(first.body).metadata()).toMatchObject({ width: 150, height: 75 });
    expect(imageCacheStats(t.deps)).toMatchObject({ misses: before.misses + 1, hits: before.hits + 1 });
    // Another size is another image.
    const wide = await thumbnail('&imagewidth=300&imageheight=150');
    expect(await sharp(wide.body).metadata()).toMatchObject({ width: 300, height: 150 });
    expect(imageCacheStats(t.deps).misses).toBe(before.misses + 2);
  });

  it('a screenshot uploaded again is served new, not from the old cache', async () => {
    expect(await colourOf((await thumbnail()).body)).toBe('#22aa66');
    expect((await uploadScreenshot(await image('#cc3311'))).status).toBe(200);
    const changed = await thumbnail();
    expect(changed.status).toBe(200);
    expect(await colourOf(changed.body)).toBe('#cc3311');
    expect(await colourOf((await thumbnail('&imagewidth=300&imageheight=150')).body)).toBe('#cc3311');
  });

  it('a deleted screenshot is not served from the cache (deletescreenshots)', async () => {
    expect((await thumbnail()).status).toBe(200);
    // course/publish/metadata.php publishing again with "delete the screenshots" ticked.
    const again = await hubCall<number[]>(
      t,
      'hub_register_courses',
      [
        [
          courseInfo(1, 'Pictures', {
            enrollable: true,
            courseurl: 'https://pics.example/course/view.php?id=1',
            deletescreenshots: 1,
          }),
        ],
      ],
      site.token,
    );
    expect(again.value).toEqual([course]);
    expect((await thumbnail()).status).toBe(404);
  });
});

describe('the image cache', () => {
  const fake = () => ({}) as Deps;
  const made = (bytes: number) => async () => ({ body: Buffer.alloc(bytes), mimetype: 'image/png' });

  it(`holds at most ${IMAGE_CACHE_LIMITS.bytes} bytes and ${IMAGE_CACHE_LIMITS.entries} images, the least recently used out first`, async () => {
    const deps = fake();
    const size = 400 * 1024;
    const fit = Math.floor(IMAGE_CACHE_LIMITS.bytes / size);
    for (let i = 0; i < fit + 5; i++) await cachedImage(deps, `k${i}`, made(size));
    const stats = imageCacheStats(deps);
    expect(stats.bytes).toBeLessThanOrEqual(IMAGE_CACHE_LIMITS.bytes);
    expect(stats.entries).toBe(fit);
    // The oldest went; the newest is still there.
    await cachedImage(deps, `k${fit + 4}`, made(size));
    expect(imageCacheStats(deps).hits).toBe(1);
    await cachedImage(deps, 'k0', made(size));
    expect(imageCacheStats(deps).misses).toBe(fit + 6);

    const many = fake();
    for (let i = 0; i < IMAGE_CACHE_LIMITS.entries + 10; i++) await cachedImage(many, `k${i}`, made(10));
    expect(imageCacheStats(many).entries).toBe(IMAGE_CACHE_LIMITS.entries);
  });

  it('does not keep an image larger than its entry limit, nor a failed one; one make for concurrent requests', async () => {
    const deps = fake();
    await cachedImage(deps, 'big', made(IMAGE_CACHE_LIMITS.entryBytes + 1));
    expect(imageCacheStats(deps).entries).toBe(0);
    await expect(
      cachedImage(deps, 'bad', async () => {
        throw new Error('not an image');
      }),
    ).rejects.toThrow('not an image');
    expect(imageCacheStats(deps).entries).toBe(0);
    let calls = 0;
    const slow = async () => {
      calls++;
      return { body: Buffer.alloc(10), mimetype: 'image/png' };
    };
    await Promise.all([cachedImage(deps, 'same', slow), cachedImage(deps, 'same', slow)]);
    expect(calls).toBe(1);
  });
});
