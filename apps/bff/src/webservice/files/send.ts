import { Readable } from 'node:stream';
import { phpJsonEncode } from '@gatehouse/shared';
import type { Context } from 'hono';
import type { Deps } from '../../deps';
import type { ResolvedFile } from '../../features/files/file-access';
import { fileStoreOf } from '../../features/files/files.service';
import type { AppEnv } from '../../types';
import type { MoodleException } from '../exceptions';
import { defaultPicture, type PictureSize } from './default-picture';

// Sending a file as Moodle's send_stored_file and readfile_accel do (lib/filelib.php): the
// Content-Disposition (attachment when forced, else inline), the cache headers for the file's
// lifetime, Content-Type (text/plain with charset=utf-8), Last-Modified, ETag "<contenthash>" and
// 304 for a matching If-None-Match (If-Modified-Since only without one), Accept-Ranges and one
// byte range (206). The content is streamed from the file store, never held whole.
//
// Deliberate differences: an unsatisfiable range answers 416 (Moodle ignores it and sends the
// whole file), text/plain is byte-served too, several ranges are answered with the whole file
// (Moodle sends multipart/byteranges), a name outside ASCII is given as RFC 6266's filename*
// beside an ASCII fallback (Moodle writes the raw bytes, which Node refuses in a header), and a
// served file carries `Content-Security-Policy: sandbox`, so an uploaded HTML or SVG file that a
// browser opens runs in an opaque origin, never as the Gatehouse console's.

const FILE_CSP =
  "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'self' 'unsafe-inline'";

/** The response headers a page on another origin may read on a file answer (for moodleCors). */
export const FILE_EXPOSED_HEADERS = ['Content-Disposition', 'Content-Range', 'Accept-Ranges', 'ETag'] as const;

const httpDate = (unix: number) => new Date(unix * 1000).toUTCString();

/** Moodle's error answer on its AJAX scripts (core_renderer_ajax::fatal_error), as login/token.php sends it. */
export function ajaxError(deps: Deps, e: MoodleException, status: 200 | 403 | 404 | 413 = 200): Response {
  const developer = deps.settings.get('debug') === 'developer';
  const body = phpJsonEncode({
    error: e.message,
    errorcode: e.errorcode,
    stacktrace: null,
    debuginfo: developer ? `${e.debuginfo ?? ''}\nError code: ${e.errorcode}` : null,
    reproductionlink: developer ? `${deps.env.wwwroot}/` : null,
  });
  return new Response(body, { status, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
}

/** Content-Disposition with the name as Moodle sends it, and RFC 6266's filename* when it is not plain ASCII. */
function disposition(kind: 'attachment' | 'inline', filename: string): string {
  if (/^[\x20-\x7e]*$/.test(filename) && !/["\\]/.test(filename)) return `${kind}; filename="${filename}"`;
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function cacheHeaders(h: Headers, deps: Deps, lifetime: number, cacheability: 'private' | 'public') {
  if (lifetime > 0) {
    h.set('Cache-Control', `${cacheability}, max-age=${lifetime}, no-transform`);
    h.set('Expires', httpDate(deps.now() + lifetime));
    h.set('Pragma', '');
  } else if (deps.env.wwwroot.startsWith('https:')) {
    h.set('Cache-Control', 'private, max-age=10, no-transform');
    h.set('Expires', httpDate(0));
    h.set('Pragma', '');
  } else {
    h.set('Cache-Control', 'private, must-revalidate, pre-check=0, post-check=0, max-age=0, no-transform');
    h.set('Expires', httpDate(0));
    h.set('Pragma', 'no-cache');
  }
}

/** One `bytes=a-b` range within `size`: the range, 'unsatisfiable', or null to send the whole file. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null; // several ranges, or not a byte range: the whole file
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return null; // invalid: ignored, as Moodle does
  }
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  return { start, end };
}

function etagMatches(header: string, hash: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .some((t) => t === hash || t === '*');
}

/** Sends a stored file (kind 'stored'), or a 404 when its content is missing from the store. */
export function sendStored(
  c: Context<AppEnv>,
  deps: Deps,
  file: Extract<ResolvedFile, { kind: 'stored' }>,
  forcedownload: boolean,
  notFound: () => Response,
): Response {
  const { row } = file;
  const hash = row.contenthash as string;
  const store = fileStoreOf(deps);
  const size = store.size(hash);
  if (size === undefined) {
    deps.log.error({ fileId: row.id, contenthash: hash }, 'A stored file has no content in the file store');
    return notFound();
  }
  const h = new Headers();
  h.set(
    'Content-Disposition',
    disposition(file.forceDownload || forcedownload ? 'attachment' : 'inline', row.filename),
  );
  cacheHeaders(h, deps, file.lifetime, file.cacheability);
  const mimetype = row.mimetype === 'text/plain' ? 'text/plain; charset=utf-8' : row.mimetype;
  h.set('Content-Type', mimetype);
  h.set('Last-Modified', httpDate(row.timemodified || row.timecreated));
  h.set('ETag', `"${hash}"`);
  h.set('Content-Security-Policy', FILE_CSP);
  h.set('X-Content-Type-Options', 'nosniff');
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, hash)) return new Response(null, { status: 304, headers: h });
  } else {
    const since = Date.parse(c.req.header('if-modified-since') ?? '');
    if (!Number.isNaN(since) && since / 1000 >= (row.timemodified || row.timecreated)) {
      return new Response(null, { status: 304, headers: h });
    }
  }
  h.set('Accept-Ranges', 'bytes');
  const ifRange = c.req.header('if-range');
  let range = parseRange(c.req.header('range'), size);
  if (range && ifRange !== undefined && !etagMatches(ifRange, hash)) range = null;
  if (range === 'unsatisfiable') {
    h.set('Content-Range', `bytes */${size}`);
    h.delete('Content-Disposition');
    return new Response(null, { status: 416, headers: h });
  }
  const head = c.req.method === 'HEAD';
  if (range) {
    h.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    h.set('Content-Length', String(range.end - range.start + 1));
    return new Response(head ? null : streamOf(store.read(hash, range)), { status: 206, headers: h });
  }
  h.set('Content-Length', String(size));
  if (head || size === 0) return new Response(head ? null : '', { status: 200, headers: h });
  return new Response(streamOf(store.read(hash)), { status: 200, headers: h });
}

function streamOf(r: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(r) as ReadableStream<Uint8Array>;
}

/** The default picture of a user who has none (Moodle's theme image u/f1, sent for 14 days). */
export function sendDefaultPicture(c: Context<AppEnv>, deps: Deps, size: PictureSize): Response {
  const png = defaultPicture(size);
  const h = new Headers();
  h.set('Content-Disposition', `inline; filename="${size}.png"`);
  cacheHeaders(h, deps, 14 * 86_400, 'public');
  h.set('Content-Type', 'image/png');
  h.set('Content-Length', String(png.length));
  h.set('Content-Security-Policy', FILE_CSP);
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(png), { status: 200, headers: h });
}

/**
 * A page's index.html as page_pluginfile sends it (send_file of a string, lifetime 0, forced
 * download; readstring_accel's headers: Last-Modified now, Accept-Ranges none).
 */
/** A generated SVG (a course's image), cached for an hour as file_pluginfile's send_file($svg, …, 60 * 60) sends it. */
export function sendGenerated(c: Context<AppEnv>, deps: Deps, filename: string, svg: string, force: boolean): Response {
  const body = Buffer.from(svg, 'utf8');
  const h = new Headers();
  h.set('Content-Disposition', disposition(force ? 'attachment' : 'inline', filename));
  cacheHeaders(h, deps, 3600, 'private');
  h.set('Content-Type', 'image/svg+xml');
  h.set('Content-Length', String(body.length));
  h.set('Content-Security-Policy', FILE_CSP);
  h.set('X-Content-Type-Options', 'nosniff');
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: h });
}

export function sendPage(c: Context<AppEnv>, deps: Deps, filename: string, html: string): Response {
  const body = Buffer.from(html, 'utf8');
  const h = new Headers();
  h.set('Content-Disposition', disposition('attachment', filename));
  cacheHeaders(h, deps, 0, 'private');
  h.set('Content-Type', 'text/html');
  h.set('Last-Modified', httpDate(deps.now()));
  h.set('Accept-Ranges', 'none');
  h.set('Content-Length', String(body.length));
  h.set('Content-Security-Policy', FILE_CSP);
  h.set('X-Content-Type-Options', 'nosniff');
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: h });
}
