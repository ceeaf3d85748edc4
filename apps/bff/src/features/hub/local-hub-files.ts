import { Readable, Transform } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'hono';
import type { DbOrTx } from '../../db/client';
import type { Deps } from '../../deps';
import { imageTool } from '../../lib/images';
import type { AppEnv } from '../../types';
import { ContentTooLarge, type Staged } from '../files/file-store';
import { deleteFile } from '../files/files.repo';
import { deleteFiles, fileStoreOf, filesReady, findFile, releaseContent, storeFile } from '../files/files.service';
import { readHubConfig } from './hub-config';
import {
  HUB_BACKUP_FILENAME as BACKUP_FILENAME,
  HUB_BACKUP_AREA,
  HUB_COMPONENT,
  HUB_SCREENSHOT_AREA,
  hubPlace,
  HUB_FILES_CONTEXT as SYSTEM_CONTEXT,
  hubScreenshotFilename as screenshotFilename,
} from './hub-constants';
import { courseById } from './hub-courses.repo';
import { siteOfToken } from './local-hub-access';
import { hubFilesOf, hubFilesOfSite } from './local-hub-files.repo';
import { cachedImage } from './local-hub-image-cache';
import { startUpload } from './local-hub-upload-limits';

// The hub's files (local_hub keeps them in {dataroot}/hub/{level1}/{courseid}/): here rows of the
// files table in the system context, component local_hub, item = the hub course id, their
// content in the file store. A course has at most one backup (backup.mbz, filearea backup) and
// screenshots 1 to 10 (screenshot_<n>, filearea screenshot); the hub's logo is hublogo/0/hublogo.

/** Moodle's system context id. */
const HUB_LOGO_AREA = 'hublogo';

/** The size of each of these courses' backup, for those that have one (hub_get_courses' backupsize). */
export async function backupSizes(deps: Deps, courseIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await hubFilesOf(deps.store.db, SYSTEM_CONTEXT, HUB_COMPONENT, HUB_BACKUP_AREA, courseIds);
  return new Map(rows.filter((r) => r.filename === BACKUP_FILENAME).map((r) => [r.itemid, r.filesize]));
}

/** Whether the hub has a logo of its own (hub_get_info's hublogo). */
export async function hubLogoExists(deps: Deps): Promise<boolean> {
  return (await hubFilesOf(deps.store.db, SYSTEM_CONTEXT, HUB_COMPONENT, HUB_LOGO_AREA, [0])).length > 0;
}

/** local_hub's MAXSCREENSHOTSNUMBER: screenshots 1 to 10 a course. */
export const MAX_SCREENSHOTS = 10;

/** In the caller's write: the rows of these hub courses' backups and screenshots go; returns their content hashes for releaseHubContent after the commit. */
export async function deleteCourseFilesIn(tx: DbOrTx, courseIds: readonly number[]): Promise<(string | null)[]> {
  const rows = [
    ...(await hubFilesOf(tx, SYSTEM_CONTEXT, HUB_COMPONENT, HUB_BACKUP_AREA, courseIds)),
    ...(await hubFilesOf(tx, SYSTEM_CONTEXT, HUB_COMPONENT, HUB_SCREENSHOT_AREA, courseIds)),
  ];
  const hashes: (string | null)[] = [];
  for (const r of rows) hashes.push((await deleteFile(tx, r.id))?.contenthash ?? null);
  return hashes;
}

/**
 * In the caller's write (a site deleted with its courses): the rows of the backups and
 * screenshots of the site's courses go; returns their content hashes, which the caller hands to
 * releaseHubContent once the write has committed (content is removed only by a later write that
 * finds no row using it: files.service's ordering rule).
 */
export async function deleteSiteCourseFilesIn(tx: DbOrTx, siteId: number): Promise<(string | null)[]> {
  const rows = await hubFilesOfSite(tx, SYSTEM_CONTEXT, HUB_COMPONENT, [HUB_BACKUP_AREA, HUB_SCREENSHOT_AREA], siteId);
  const hashes: (string | null)[] = [];
  for (const r of rows) hashes.push((await deleteFile(tx, r.id))?.contenthash ?? null);
  return hashes;
}

/** After the write that deleted hub file rows: the content no row uses any more leaves the file store. */
export function releaseHubContent(deps: Deps, hashes: readonly (string | null)[]): Promise<void> {
  return releaseContent(deps, hashes);
}

/** hub_register_courses' deletescreenshots: the courses' screenshot files go (their number stays). */
export async function deleteScreenshots(deps: Deps, courseIds: readonly number[]): Promise<void> {
  const rows = await hubFilesOf(deps.store.db, SYSTEM_CONTEXT, HUB_COMPONENT, HUB_SCREENSHOT_AREA, courseIds);
  await deleteFiles(
    deps,
    rows.map((r) => r.id),
  );
}

// ---- upload.php --------------------------------------------------------------------------------

/** The largest course backup upload.php takes (local_hub has none of its own: PHP's upload limit). */
const HUB_MAX_BACKUP_BYTES = 100 * 1024 * 1024;
/** The largest screenshot (course/publish/forms.php: the screenshots filemanager's maxbytes, 1000000). */
const HUB_MAX_SCREENSHOT_BYTES = 1_000_000;
/** local_hub's HUB_SITEIMAGEWIDTH and HUB_SITEIMAGEHEIGHT (lib/hublib.php), and HUBLOGOIMAGEWIDTH/HEIGHT. */
const HUB_IMAGE_SIZE = 150;
/** The largest width or height download.php resizes a screenshot to. */
const MAX_IMAGE_SIDE = 2000;

/** A refused upload or download: its HTTP status and a plain message (never a stack). */
export class HubFileError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 429,
    message: string,
    /** Seconds after which the sender may try again (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** PHP's clean_param(…, PARAM_INT): (int) of the leading number, 0 otherwise. */
function phpInt(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const m = /^\s*([+-]?\d+)/.exec(v);
  const n = m ? Number.parseInt(m[1] as string, 10) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

/** PHP's clean_param(…, PARAM_ALPHA) / PARAM_ALPHANUM. */
const phpAlpha = (v: string | undefined) => (v ?? '').replace(/[^a-zA-Z]/g, '');
const phpAlphanum = (v: string | undefined) => (v ?? '').replace(/[^a-zA-Z0-9]/g, '');

const IMAGE_FORMATS: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** The image type of these first bytes (PNG, JPEG, GIF or WebP signatures), or undefined. */
function imageTypeOf(head: Buffer): string | undefined {
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 6 && /^GIF8[79]a$/.test(head.subarray(0, 6).toString('latin1'))) return 'gif';
  if (
    head.length >= 12 &&
    head.subarray(0, 4).toString('latin1') === 'RIFF' &&
    head.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return undefined;
}

/** A course backup (.mbz) is a zip or a gzipped tar. */
const isBackup = (head: Buffer) =>
  (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) ||
  (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b);

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface UploadPart {
  staged?: Staged;
  /** The first bytes (a backup's signature), or the whole file (a screenshot, at most 1 MB), as it came. */
  head: Buffer;
}

/**
 * What the body may hold besides the file: the text fields (busboy takes at most 20 of 8 KiB)
 * and the multipart framing, with room for the chunks the parser has not reached yet. Past it
 * (a long preamble or epilogue, say) the upload is refused while it streams.
 */
const MAX_NON_FILE_BYTES = 1024 * 1024;

/** Passes the part through to the store, keeping its first `keep` bytes and counting them all. */
function keeping(keep: number, into: (b: Buffer) => void, count: (n: number) => void): Transform {
  const chunks: Buffer[] = [];
  let kept = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      count(chunk.length);
      if (kept < keep) {
        const part = chunk.subarray(0, keep - kept);
        chunks.push(part);
        kept += part.length;
      }
      done(null, chunk);
    },
    flush(done) {
      into(Buffer.concat(chunks));
      done();
    },
  });
}

const interrupted = () => new HubFileError(400, 'The upload was interrupted before its end: nothing was kept');

const tooLarge = (screenshot: boolean) =>
  new HubFileError(
    413,
    screenshot
      ? `A screenshot is at most ${HUB_MAX_SCREENSHOT_BYTES} bytes`
      : `A course backup is at most ${HUB_MAX_BACKUP_BYTES} bytes`,
  );

/**
 * Reads upload.php's multipart body as curl sends it (the fields in any order; the `file` part
 * streamed into the file store's staging area, within the limit of the file type named before it).
 * Any failure (a file or a body over its limit, a malformed body, the sender going away) stops
 * reading at once and leaves nothing staged: the staging file is removed before this returns.
 */
async function readUpload(
  c: Context<AppEnv>,
  deps: Deps,
  fields: Map<string, string>,
): Promise<UploadPart | undefined> {
  const body = c.req.raw.body;
  if (!body) return undefined;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: Object.fromEntries(c.req.raw.headers.entries()),
      // One byte past the largest file, so that the store's limit (maxBytes) sees it and refuses.
      limits: { files: 1, fields: 20, fieldSize: 8 * 1024, parts: 21, fileSize: HUB_MAX_BACKUP_BYTES + 1 },
    });
  } catch {
    throw new HubFileError(400, 'upload.php takes a multipart/form-data body (filetype, courseid, token and file)');
  }
  let part: UploadPart | undefined;
  const store = fileStoreOf(deps);
  let staging: Promise<void> | undefined;
  let failure: unknown;
  let fileStream: Readable | undefined;
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        if (failure !== undefined) return;
        failure = err;
        reject(err);
        // Stop reading: the file part (and with it the staging) ends with the error, and the
        // rest of the body is left unread (the refusal closes the connection).
        const error = err instanceof Error ? err : new Error(String(err));
        parser.destroy(error);
        // With the error: the staged stream's 'error' listener ends the pipe into the staging.
        fileStream?.destroy(error);
        source.pause();
      };
      let total = 0;
      let fileBytes = 0;
      parser.on('field', (name, value) => fields.set(name, value));
      parser.on('file', (field, stream) => {
        // Busboy goes on parsing the chunk it holds after it reports an error: a file stream it
        // opens then would never end (and its staging never settle).
        if (failure !== undefined) {
          stream.destroy();
          return;
        }
        if (field !== 'file' || part) {
          stream.resume();
          return;
        }
        fileStream = stream;
        const p: UploadPart = { head: Buffer.alloc(0) };
        part = p;
        const screenshot = fields.get('filetype') === 'screenshot';
        const max = screenshot ? HUB_MAX_SCREENSHOT_BYTES : HUB_MAX_BACKUP_BYTES;
        const kept = stream.pipe(
          keeping(
            screenshot ? HUB_MAX_SCREENSHOT_BYTES : 16,
            (b) => {
              p.head = b;
            },
            (n) => {
              fileBytes += n;
            },
          ),
        );
        stream.on('error', (err) => kept.destroy(err));
        staging = store.stage(kept, { maxBytes: max }).then(
          (staged) => {
            p.staged = staged;
            if (failure !== undefined) staged.discard();
          },
          (err) =>
            fail(
              err instanceof ContentTooLarge
                ? tooLarge(screenshot)
                : // A file system error (ENOSPC, EIO…) is the server's; anything else, the body's end.
                  /^E[A-Z]+$/.test(String((err as NodeJS.ErrnoException)?.code ?? ''))
                  ? err
                  : interrupted(),
            ),
        );
      });
      parser.on('close', resolve);
      parser.on('error', () =>
        fail(new HubFileError(400, 'upload.php takes a multipart/form-data body (filetype, courseid, token and file)')),
      );
      // The body goes to the parser as it comes (with backpressure), counted: past the file's
      // own limit and what the fields may take, it is refused without reading further.
      source.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total - fileBytes > MAX_NON_FILE_BYTES) {
          fail(tooLarge(fields.get('filetype') === 'screenshot'));
          return;
        }
        if (failure === undefined && !parser.write(chunk)) {
          source.pause();
          parser.once('drain', () => source.resume());
        }
      });
      source.on('end', () => {
        if (failure === undefined) parser.end();
      });
      source.on('error', () => fail(interrupted()));
    });
    if (staging) await staging;
    // The staging may fail after the body ended (the file was over its limit).
    if (failure !== undefined) throw failure;
    return part;
  } catch (e) {
    // Whatever was staged goes; the staging of a file cut short has removed its own file.
    if (staging) await staging.catch(() => {});
    (part as UploadPart | undefined)?.staged?.discard();
    throw e;
  }
}

/**
 * POST /local/hub/webservice/upload.php, as local_hub's webservice/upload.php: `token` (the
 * site's hub token), `filetype` (backup or screenshot), `courseid` (the hub course id),
 * `screenshotnumber` (1 by default) and the `file` part. Stricter than local_hub: the course must
 * be one the token's site published, a backup must be a zip or gzip archive (.mbz) of a
 * downloadable course and a screenshot a PNG, JPEG, GIF or WebP image, screenshots are numbered
 * 1 to 10, and a refusal is an error (local_hub answers every request with an empty page). A
 * course keeps its first backup (local_hub never overwrites one); a screenshot replaces the one
 * of its number.
 */
export async function hubUpload(c: Context<AppEnv>, deps: Deps): Promise<void> {
  const wait = filesReady(deps);
  if (wait) await wait;
  // optional_param reads the query string and the body (the body wins).
  const fields = new Map<string, string>(Object.entries(c.req.query()));
  // Refused before the body is read: no hub, or a body larger than any upload.
  const hub = await readHubConfig(deps.store.db);
  if (!hub.enabled) throw new HubFileError(404, 'There is no hub on this site (the hub is not enabled)');
  if (Number(c.req.header('content-length') ?? 0) > HUB_MAX_BACKUP_BYTES + MAX_NON_FILE_BYTES) {
    throw tooLarge(false);
  }
  // The token comes after the file: what the address may ask for is bounded before reading it.
  const place = await startUpload(deps, c.get('actor').ip);
  if (!('done' in place)) throw new HubFileError(429, place.message, place.retryAfter);
  let part: UploadPart | undefined;
  try {
    part = await readUpload(c, deps, fields);
    const found = await siteOfToken(deps, phpAlphanum(fields.get('token')));
    if (!found) throw new HubFileError(403, 'The token is not the token of a site registered with this hub');
    const courseId = phpInt(fields.get('courseid'), 0);
    const course = courseId > 0 ? await courseById(deps.store.db, courseId) : undefined;
    if (!course || course.deleted || course.siteId !== found.site.id) {
      throw new HubFileError(404, 'Your site published no course with this id on this hub');
    }
    const filetype = phpAlpha(fields.get('filetype'));
    if (filetype !== HUB_BACKUP_AREA && filetype !== HUB_SCREENSHOT_AREA) {
      throw new HubFileError(400, 'filetype: backup or screenshot');
    }
    const staged = part?.staged;
    if (!staged || staged.size === 0) throw new HubFileError(400, 'No file: the file goes in the part named file');
    const head = part?.head ?? Buffer.alloc(0);
    if (filetype === HUB_BACKUP_AREA) {
      if (course.enrollable) throw new HubFileError(400, 'An enrollable course has no backup on the hub');
      if (!isBackup(head)) throw new HubFileError(400, 'A course backup is a .mbz file (a zip or gzip archive)');
      const stored = await storeFile(
        deps,
        staged,
        {
          place: hubPlace(HUB_BACKUP_AREA, courseId, BACKUP_FILENAME),
          userId: null,
          mimetype: 'application/vnd.moodle.backup',
        },
        { replace: false, quota: null },
      );
      if (!stored.ok) throw new HubFileError(409, 'This course has its backup already (one backup per course)');
      return;
    }
    const number = phpInt(fields.get('screenshotnumber'), 1);
    if (number < 1 || number > MAX_SCREENSHOTS)
      throw new HubFileError(400, `screenshotnumber: 1 to ${MAX_SCREENSHOTS}`);
    const type = imageTypeOf(head);
    if (!type || !(await isDecodableImage(head, type))) {
      throw new HubFileError(400, 'A screenshot is a PNG, JPEG, GIF or WebP image');
    }
    await storeFile(
      deps,
      staged,
      {
        place: hubPlace(HUB_SCREENSHOT_AREA, courseId, screenshotFilename(number)),
        userId: null,
        mimetype: IMAGE_FORMATS[type] as string,
      },
      { replace: true, quota: null },
    );
  } finally {
    part?.staged?.discard();
    place.done();
  }
}

/** Whether libvips reads the whole image as the type its signature says (a truncated or forged file is not one). */
async function isDecodableImage(buf: Buffer, type: string): Promise<boolean> {
  try {
    const sharp = await imageTool();
    const meta = await sharp(buf, { failOn: 'error', animated: true }).metadata();
    if (meta.format !== type || !meta.width || !meta.height) return false;
    await sharp(buf, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: false });
    return true;
  } catch {
    return false;
  }
}

// ---- download.php ------------------------------------------------------------------------------

/** What download.php sends: a stored file as it is, or an image made for the request. */
export type HubDownload =
  | { kind: 'stored'; hash: string; size: number; mimetype: string; filename: string; attachment: boolean }
  | { kind: 'image'; body: Buffer; mimetype: string; filename: string };

/**
 * GET /local/hub/webservice/download.php, as local_hub's webservice/download.php: `filetype`
 * backup (the course's .mbz, of a visible course; on a private hub only with a registered site's
 * `token`), screenshot (number `screenshotnumber`, resized to fit `imagewidth` × `imageheight`,
 * 150 × 150 by default, or as it is with imagewidth=original; local_hub's rule: one of them must
 * be 150 unless original, else wrongimagesize) or hubscreenshot (the hub's logo, 150 × 150, or
 * one made from its name when it has none).
 */
export async function hubDownload(deps: Deps, q: Record<string, string>): Promise<HubDownload> {
  const wait = filesReady(deps);
  if (wait) await wait;
  const filetype = phpAlpha(q.filetype);
  const hub = await readHubConfig(deps.store.db);
  if (filetype === 'hubscreenshot') return hubLogo(deps, hub.name);
  const courseId = phpInt(q.courseid, 0);
  if (!hub.enabled) throw new HubFileError(404, 'There is no hub on this site (the hub is not enabled)');
  if (courseId <= 0 || !filetype)
    throw new HubFileError(400, 'courseid and filetype (backup, screenshot or hubscreenshot) are required');
  if (filetype !== HUB_BACKUP_AREA && filetype !== HUB_SCREENSHOT_AREA) {
    throw new HubFileError(400, 'filetype: backup, screenshot or hubscreenshot');
  }
  const course = await courseById(deps.store.db, courseId);
  if (!course || course.deleted || !course.visible)
    throw new HubFileError(404, 'No visible course with this id on this hub');
  if (filetype === HUB_BACKUP_AREA) {
    if (hub.privacy === 'private' && !(await siteOfToken(deps, phpAlphanum(q.token)))) {
      throw new HubFileError(403, "This hub is private: a backup is sent only with a registered site's token");
    }
    const row = await findFile(deps, hubPlace(HUB_BACKUP_AREA, courseId, BACKUP_FILENAME));
    const size = row?.contenthash ? fileStoreOf(deps).size(row.contenthash) : undefined;
    if (!row?.contenthash || size === undefined) throw new HubFileError(404, 'This course has no backup on this hub');
    return {
      kind: 'stored',
      hash: row.contenthash,
      size,
      mimetype: row.mimetype,
      filename: `backup_${courseId}.mbz`,
      attachment: true,
    };
  }
  const number = phpInt(q.screenshotnumber, 1);
  const row = await findFile(deps, hubPlace(HUB_SCREENSHOT_AREA, courseId, screenshotFilename(number)));
  const size = row?.contenthash ? fileStoreOf(deps).size(row.contenthash) : undefined;
  if (!row?.contenthash || size === undefined)
    throw new HubFileError(404, 'This course has no screenshot of this number');
  const widthParam = phpAlphanum(q.imagewidth ?? String(HUB_IMAGE_SIZE));
  const height = phpInt(q.imageheight, HUB_IMAGE_SIZE);
  if (widthParam === 'original') {
    return {
      kind: 'stored',
      hash: row.contenthash,
      size,
      mimetype: row.mimetype,
      filename: 'image',
      attachment: false,
    };
  }
  const width = phpInt(widthParam, 0);
  // download.php: `if (($imagewidth != HUB_SITEIMAGEWIDTH and $imageheight != HUB_SITEIMAGEHEIGHT) and $imagewidth != 'original')`.
  if (
    (width !== HUB_IMAGE_SIZE && height !== HUB_IMAGE_SIZE) ||
    width < 1 ||
    height < 1 ||
    width > MAX_IMAGE_SIDE ||
    height > MAX_IMAGE_SIDE
  ) {
    throw new HubFileError(
      400,
      `Wrong image size: the width or the height must be ${HUB_IMAGE_SIZE} (or imagewidth=original), each at most ${MAX_IMAGE_SIDE}`,
    );
  }
  const hash = row.contenthash;
  // The community block lists courses with their first screenshot at 150 × 150: made once, then kept.
  const image = await cachedImage(deps, `screenshot/${courseId}/${number}/${width}x${height}/${hash}`, async () => {
    const source = await readAll(fileStoreOf(deps).read(hash));
    const type = imageTypeOf(source.subarray(0, 16)) ?? 'png';
    const sharp = await imageTool();
    const out = sharp(source).resize(width, height, { fit: 'inside' });
    const body = await (type === 'jpeg' ? out.jpeg() : type === 'webp' ? out.webp() : out.png()).toBuffer();
    return { body, mimetype: IMAGE_FORMATS[type === 'gif' ? 'png' : type] as string };
  });
  return { kind: 'image', ...image, filename: 'image' };
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The hub's logo at 150 × 150 (hublogo_150x150), or one made from the hub's name. */
async function hubLogo(deps: Deps, name: string): Promise<HubDownload> {
  const row = await findFile(deps, hubPlace(HUB_LOGO_AREA, 0, 'hublogo'));
  const hash = row?.contenthash;
  if (hash && fileStoreOf(deps).size(hash) !== undefined) {
    const image = await cachedImage(deps, `hublogo/${hash}`, async () => {
      const source = await readAll(fileStoreOf(deps).read(hash));
      const sharp = await imageTool();
      const body = await sharp(source).resize(HUB_IMAGE_SIZE, HUB_IMAGE_SIZE, { fit: 'inside' }).png().toBuffer();
      return { body, mimetype: 'image/png' };
    });
    return { kind: 'image', ...image, filename: 'image' };
  }
  const initial = escapeXml([...(name.trim() || 'Hub')][0]?.toUpperCase() ?? 'H');
  const image = await cachedImage(deps, `hubinitial/${initial}`, async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${HUB_IMAGE_SIZE}" height="${HUB_IMAGE_SIZE}"><rect width="100%" height="100%" fill="#1f5f8b"/><text x="50%" y="50%" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="80" fill="#ffffff">${initial}</text></svg>`;
    const sharp = await imageTool();
    return { body: await sharp(Buffer.from(svg)).png().toBuffer(), mimetype: 'image/png' };
  });
  return { kind: 'image', ...image, filename: 'image' };
}
