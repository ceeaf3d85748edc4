import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { fileStoreOf } from '../files/files.service';
import { type HubDownload, HubFileError, hubDownload, hubUpload } from './local-hub-files';

// local_hub's file scripts below /local/hub/webservice: upload.php (a registered site's course
// backup and screenshots, multipart as Moodle's curl class posts them) and download.php (backups,
// screenshots and the hub logo), both streamed through the file store. A refusal is a short
// plain-text answer with its status; nothing is stored.

const CSP = "sandbox; default-src 'none'";

/**
 * A refusal as plain text. An upload refused before its body was read to the end (over a limit,
 * too many at once) closes the connection, so that the rest of the body is not read either.
 */
function refusal(c: Context<AppEnv>, err: unknown, upload = false): Response {
  if (err instanceof HubFileError) {
    return c.body(`${err.message}\n`, err.status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(err.retryAfter !== undefined ? { 'Retry-After': String(err.retryAfter) } : {}),
      ...(upload ? { Connection: 'close' } : {}),
    });
  }
  throw err;
}

function send(c: Context<AppEnv>, deps: Deps, d: HubDownload): Response {
  const h = new Headers();
  h.set('Content-Type', d.mimetype);
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Content-Security-Policy', CSP);
  const head = c.req.method === 'HEAD';
  if (d.kind === 'image') {
    h.set('Content-Disposition', `inline; filename="${d.filename}"`);
    h.set('Cache-Control', 'public, max-age=3600');
    h.set('Content-Length', String(d.body.length));
    return new Response(head ? null : new Uint8Array(d.body), { status: 200, headers: h });
  }
  h.set('Content-Disposition', `${d.attachment ? 'attachment' : 'inline'}; filename="${d.filename}"`);
  h.set('Cache-Control', d.attachment ? 'private, max-age=0, no-transform' : 'public, max-age=3600');
  h.set('ETag', `"${d.hash}"`);
  h.set('Content-Length', String(d.size));
  if (head || d.size === 0) return new Response(head ? null : '', { status: 200, headers: h });
  const stream = Readable.toWeb(fileStoreOf(deps).read(d.hash)) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: 200, headers: h });
}

export function localHubFileRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .post('/upload.php', async (c) => {
      try {
        await hubUpload(c, deps);
        // local_hub's upload.php writes nothing.
        return c.body(null, 200);
      } catch (err) {
        return refusal(c, err, true);
      }
    })
    .get('/download.php', async (c) => {
      try {
        return send(c, deps, await hubDownload(deps, c.req.query()));
      } catch (err) {
        return refusal(c, err);
      }
    });
}
