import { Readable, Transform } from 'node:stream';
import { phpJsonEncode } from '@gatehouse/shared';
import busboy from 'busboy';
import type { Context } from 'hono';
import type { Deps } from '../../deps';
import { userContext } from '../../features/files/contexts';
import type { Staged } from '../../features/files/file-store';
import { ContentTooLarge } from '../../features/files/file-store';
import { bytesUsedBy, fileStoreOf, filesReady, storeFile, unusedDraftItemId } from '../../features/files/files.service';
import { SERVER_MAX_UPLOAD_BYTES, uploadLimitsFor } from '../../features/files/limits';
import { mimetypeOf } from '../../features/files/mimetypes';
import type { AppEnv } from '../../types';
import type { TokenAccess } from '../access-cache';
import { MoodleException } from '../exceptions';
import { ajaxError } from './send';
import { authenticate, bearerToken, toMoodle } from './token-auth';

// POST /webservice/upload.php, as Moodle's webservice/upload.php: multipart/form-data with
// `token`, `filepath` (default /), `filearea` (draft, or the legacy private), `itemid` (a draft
// area; 0 asks for a new one) and one or more files; the answer is the JSON array of the stored
// files' records (or, per file, its error), Moodle's AJAX error object otherwise.
//
// The body is streamed: each file goes straight into the file store's staging area while it
// is read (never whole in memory), and the token is checked before the body is read when it
// comes in the Authorization header or the query string. Deliberate difference: filearea=private
// is accepted (as Moodle did until 3.1, for the seed era's mobile app), for holders of
// moodle/user:manageownfiles; Moodle 3.1+ answers privatefilesupload.

/** The most a request may carry in all (PHP's post_max_size): enough for several files at the server's limit. */
const MAX_REQUEST_BYTES = 4 * SERVER_MAX_UPLOAD_BYTES + 1024 * 1024;
const MAX_FILES = 20;

interface Part {
  field: string;
  filename: string;
  staged?: Staged;
  /** Past the server's limit (PHP's UPLOAD_ERR_INI_SIZE). */
  tooBig?: boolean;
}

// Moodle's strings: lang/en/error.php, lang/en/webservice.php, repository/upload/lang/en/repository_upload.php.
const uploadDisabled = () =>
  new MoodleException(
    'webservice_access_exception',
    'accessexception',
    'Access control exception',
    'Web service file upload must be enabled in external service settings',
  );
const iniSize = () =>
  new MoodleException(
    'moodle_exception',
    'upload_error_ini_size',
    'The uploaded file exceeds the upload_max_filesize directive in php.ini.',
  );
const partial = () =>
  new MoodleException('moodle_exception', 'upload_error_partial', 'The uploaded file was only partially uploaded.');
const quotaLimit = (debuginfo?: string) =>
  new MoodleException('file_exception', 'userquotalimit', 'You have reached your file quota limit.', debuginfo);
/** file_exception('error'): its string is core's 'error', "Error". */
const areaError = () =>
  new MoodleException('file_exception', 'error', 'Error', 'Only the draft and private areas take uploads');
const invalidPath = () =>
  new MoodleException(
    'file_exception',
    'storedfileproblem',
    'Unknown exception related to local files (Invalid file path)',
  );
const MAXBYTES_STRING = 'The file is larger than the maximum size allowed.';

/** PHP's clean_param(…, PARAM_PATH). */
function cleanPath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .replace(/[\p{Cc}&<>"`|':]/gu, '')
    .replace(/\.\.+/g, '')
    .replace(/\/\/+/g, '/')
    .replace(/\/(\.\/)+/g, '/');
}

/** PHP's clean_param(…, PARAM_FILE). */
function cleanFile(name: string): string {
  const n = name.replace(/[\p{Cc}&<>"`|':\\/]/gu, '');
  return n === '.' || n === '..' ? '' : n;
}

/** PHP's clean_param(…, PARAM_ALPHA). */
const cleanAlpha = (v: string) => v.replace(/[^a-zA-Z]/g, '');

/** PHP's clean_param(…, PARAM_INT): (int) of the leading number, 0 otherwise. */
function cleanInt(v: string): number {
  const m = /^\s*([+-]?\d+)/.exec(v);
  const n = m ? Number.parseInt(m[1] as string, 10) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

/** PHP's serialize((object) ['source' => $name]): the string's length in bytes. */
const serializedSource = (name: string) =>
  `O:8:"stdClass":1:{s:6:"source";s:${Buffer.byteLength(name, 'utf8')}:"${name}";}`;

class BodyTooLarge extends Error {}

function limitStream(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new BodyTooLarge());
      else done(null, chunk);
    },
  });
}

/**
 * Reads the multipart body: fields (the last of a name wins, as PHP's $_POST) and files, each
 * staged in the file store as it streams in (what is staged is dropped by the caller).
 */
async function readMultipart(
  c: Context<AppEnv>,
  deps: Deps,
  onField: (name: string, value: string) => void,
): Promise<Part[]> {
  const headers = Object.fromEntries(c.req.raw.headers.entries());
  const body = c.req.raw.body;
  const parts: Part[] = [];
  if (!body) return parts;
  const store = fileStoreOf(deps);
  const pending: Promise<void>[] = [];
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      limits: {
        files: MAX_FILES,
        fields: 50,
        fieldSize: 64 * 1024,
        parts: MAX_FILES + 50,
        fileSize: SERVER_MAX_UPLOAD_BYTES,
      },
      defParamCharset: 'utf8',
    });
  } catch {
    // Not multipart/form-data (or no boundary): no files, as PHP sees such a body.
    return parts;
  }
  await new Promise<void>((resolve, reject) => {
    // Busboy goes on parsing the rest of a chunk after it reports an error (a malformed part
    // header, say), and a file stream it opens then never ends: every file stream is ended here
    // when the body fails, and one that opens after is ended at once, or its staging would wait
    // for it forever and the request would never answer. Ended without an error: the staging
    // sees a premature close, and a stream nobody reads any more (its staging failed before
    // reading) emits no 'error' event that nothing listens to.
    const open = new Set<Readable>();
    let failed = false;
    const fail = (err: unknown) => {
      source.unpipe();
      failed = true;
      for (const s of open) s.destroy();
      reject(err);
    };
    parser.on('field', (name, value) => onField(name, value));
    parser.on('file', (field, stream, info) => {
      if (failed) {
        stream.destroy();
        return;
      }
      open.add(stream);
      stream.once('close', () => open.delete(stream));
      const part: Part = { field, filename: info.filename ?? '' };
      parts.push(part);
      stream.on('limit', () => {
        part.tooBig = true;
      });
      pending.push(
        store.stage(stream, { maxBytes: SERVER_MAX_UPLOAD_BYTES }).then(
          (staged) => {
            if (part.tooBig) staged.discard();
            else part.staged = staged;
          },
          (err) => {
            stream.resume();
            if (err instanceof ContentTooLarge) part.tooBig = true;
            else throw err;
          },
        ),
      );
    });
    parser.on('error', fail);
    parser.on('close', () => resolve());
    const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    const limited = limitStream(MAX_REQUEST_BYTES);
    source.on('error', fail);
    limited.on('error', fail);
    source.pipe(limited).pipe(parser);
  }).catch(async (err) => {
    await Promise.allSettled(pending);
    for (const p of parts) p.staged?.discard();
    throw err;
  });
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    for (const p of parts) p.staged?.discard();
    throw (failed as PromiseRejectedResult).reason;
  }
  return parts;
}

export async function uploadPhp(c: Context<AppEnv>, deps: Deps): Promise<Response> {
  const ip = c.get('actor').ip;
  const wait = filesReady(deps);
  if (wait) await wait;
  const query = c.req.query();
  // Fields as PHP merges them: the body's over the query string's (optional_param reads both).
  const fields = new Map<string, string>(Object.entries(query));
  let held: TokenAccess | undefined;
  let early = bearerToken(c.req.header('authorization')) ?? query.token;
  let parts: Part[] = [];
  try {
    if (early !== undefined) {
      held = await authenticate(deps, early, ip);
      if (!held.service.uploadFiles) throw uploadDisabled();
    }
    try {
      parts = await readMultipart(c, deps, (name, value) => fields.set(name, value));
    } catch (err) {
      if (err instanceof BodyTooLarge) return ajaxError(deps, iniSize(), 413);
      if (err instanceof MoodleException) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
        throw new MoodleException(
          'file_exception',
          'storedfilecannotcreatefile',
          'Can not create local file pool file, please verify permissions in dataroot and available disk space.',
        );
      }
      deps.log.debug(
        { err: err instanceof Error ? err : new Error(String(err)) },
        'upload.php: the body could not be read',
      );
      throw partial();
    }
    try {
      if (!held) {
        early = fields.get('token');
        held = await authenticate(deps, early, ip);
        if (!held.service.uploadFiles) throw uploadDisabled();
      }
      return await storeParts(deps, held, fields, parts);
    } finally {
      for (const p of parts) p.staged?.discard();
    }
  } catch (err) {
    if (!(err instanceof MoodleException))
      deps.log.error({ err: err instanceof Error ? err : new Error(String(err)) }, 'upload.php failed');
    return ajaxError(deps, toMoodle(err));
  }
}

async function storeParts(
  deps: Deps,
  held: TokenAccess,
  fields: Map<string, string>,
  parts: Part[],
): Promise<Response> {
  const user = held.u;
  const filepath = cleanPath(fields.get('filepath') ?? '/');
  const filearea = cleanAlpha(fields.get('filearea') ?? 'private');
  let itemid = cleanInt(fields.get('itemid') ?? '0');
  if (filearea === 'private') {
    // Moodle before 3.1: require_capability('moodle/user:manageownfiles', $context).
    if (!deps.authz.has(user, 'moodle/user:manageownfiles')) {
      throw new MoodleException(
        'required_capability_exception',
        'nopermissions',
        'Sorry, but you do not currently have permissions to do that (Manage files in own private file areas).',
        'moodle/user:manageownfiles',
      );
    }
    itemid = 0;
  } else if (filearea !== 'draft') {
    throw areaError();
  }
  if (parts.some((p) => p.tooBig)) throw iniSize();
  const limits = uploadLimitsFor(deps, user);
  type Entry = { part: Part; filename: string } & ({ ok: true } | { ok: false; errortype: string; error: string });
  const entries: Entry[] = [];
  let total = 0;
  for (const part of parts) {
    const filename = cleanFile(part.filename);
    const size = part.staged?.size ?? 0;
    if (size > limits.siteMaxBytes) {
      entries.push({ part, filename, ok: false, errortype: 'fileoversized', error: MAXBYTES_STRING });
    } else {
      total += size;
      entries.push({ part, filename, ok: true });
    }
  }
  if (filearea === 'draft' && itemid <= 0) itemid = await unusedDraftItemId(deps, user.id);
  if (limits.reportedMaxBytes !== -1 && total > limits.maxBytes) {
    throw quotaLimit(`The upload is ${total} bytes; the largest you may upload is ${limits.maxBytes} bytes (maxbytes)`);
  }
  if (entries.some((e) => e.ok) && (!filepath.startsWith('/') || !filepath.endsWith('/'))) throw invalidPath();
  if (limits.quota !== null) {
    // All the files or none: Gatehouse's quota counts every file of the user (issue 14).
    const used = await bytesUsedBy(deps, user.id);
    if (used + total > limits.quota) {
      throw quotaLimit(
        `Your files take ${used} bytes; with these files (${total} bytes) they would pass your quota of ${limits.quota} bytes (userquota)`,
      );
    }
  }
  const contextid = userContext(user.id);
  const author = `${user.firstname} ${user.lastname}`.trim();
  const results: unknown[] = [];
  for (const e of entries) {
    if (!e.ok) {
      results.push({ filename: e.filename, errortype: e.errortype, error: e.error });
      continue;
    }
    if (!e.filename) throw new MoodleException('moodle_exception', 'nofile', 'File not specified');
    const staged = e.part.staged as Staged;
    const outcome = await storeFile(
      deps,
      staged,
      {
        place: { contextid, component: 'user', filearea, itemid, filepath, filename: e.filename },
        userId: user.id,
        mimetype: mimetypeOf(e.filename),
        author,
        license: 'unknown',
        source: serializedSource(e.filename),
      },
      { replace: false, quota: limits.quota },
    );
    if (!outcome.ok && outcome.reason === 'exists') {
      results.push({
        filename: e.filename,
        errortype: 'filenameexist',
        error: `File name already exists: ${e.filename}`,
      });
      continue;
    }
    if (!outcome.ok && outcome.reason === 'quota') {
      throw quotaLimit(
        `Your files take ${outcome.used} bytes; with this file (${staged.size} bytes) they would pass your quota of ${outcome.quota} bytes (userquota)`,
      );
    }
    // The order and types of Moodle's $file_record: ids read from the database are strings in PHP
    // ($USER->id), the context's id and the item id integers.
    results.push({
      component: 'user',
      contextid,
      userid: String(user.id),
      filearea,
      filename: e.filename,
      filepath,
      itemid,
      license: 'unknown',
      author,
      source: serializedSource(e.filename),
    });
  }
  return new Response(phpJsonEncode(results), {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  });
}
