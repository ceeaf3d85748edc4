import { single, value } from '@gatehouse/shared';
import type { Staged } from '../../features/files/file-store';
import { fileStoreOf, filesReady, storeFile, unusedDraftItemId } from '../../features/files/files.service';
import { SERVER_MAX_UPLOAD_BYTES, type UploadLimits, uploadLimitsFor } from '../../features/files/limits';
import { mimetypeOf } from '../../features/files/mimetypes';
import { diskProbeOf, isDiskFull, LowDiskSpaceError, requireFreeSpace } from '../../lib/disk';
import { invalidParameter, MoodleException, missingRecord, moodleError } from '../exceptions';
import { type CallContext, defineFunction, perRecord } from '../types';
import { fullname, parseContextId, siteUrl, userContextId } from './common';

export { SERVER_MAX_UPLOAD_BYTES } from '../../features/files/limits';

/** The caller's upload limits (features/files/limits.ts). */
export function uploadLimits(ctx: CallContext): UploadLimits {
  return uploadLimitsFor(ctx.deps, ctx.user);
}

const AREAS = ['private', 'draft'] as const;

/** What a stored file needs besides its content: its row, and the folders of the file store. */
const ROW_BYTES = 4096;

const codingError = (message: string) =>
  new MoodleException(
    'coding_exception',
    'codingerror',
    `Coding error detected, it must be fixed by a programmer: ${message}`,
  );

const fileException = (errorcode: string, message: string, o: { debuginfo?: string } = {}) =>
  new MoodleException('file_exception', errorcode, message, o.debuginfo);

/** Moodle's PARAM_PATH for a file area: starts and ends with a slash, no empty or dot segments. */
function checkFilepath(p: string): string {
  if (!p.startsWith('/') || !p.endsWith('/'))
    throw invalidParameter(`Invalid file path: ${p} (it must start and end with /)`);
  const parts = p.split('/').slice(1, -1);
  if (parts.some((s) => s === '' || s === '.' || s === '..' || /[\\\0]/.test(s))) {
    throw invalidParameter(`Invalid file path: ${p}`);
  }
  if (p.length > 255) throw invalidParameter('The file path is longer than 255 characters');
  return p;
}

/** Moodle's PARAM_FILE: a plain name, no path. */
function checkFilename(n: string): string {
  if (!n || n === '.' || n === '..' || /[/\\\0:*?"<>|]/.test(n) || n.length > 255) {
    throw invalidParameter(`Invalid file name: ${n}`);
  }
  return n;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// Moodle's strings (lang/en/error.php) for file_exception 'maxbytes' and 'userquotalimit'.
const tooBig = (size: string, max: number) =>
  fileException('maxbytes', 'The file is larger than the maximum size allowed.', {
    debuginfo: `The file is ${size} bytes; the largest you may upload is ${max} bytes (maxbytes)`,
  });

const overQuota = (used: number, size: number, quota: number) =>
  fileException('userquotalimit', 'You have reached your file quota limit.', {
    debuginfo: `Your files take ${used} bytes; with this file (${size} bytes) they would pass your quota of ${quota} bytes (userquota)`,
  });

/** Moodle's file_exception 'storedfilecannotcreatefile' (the file pool could not be written), in clearer words. */
const noDiskSpace = (debuginfo: string) =>
  fileException(
    'storedfilecannotcreatefile',
    'The server is low on disk space, so the file was not stored. Ask the site administrator to free some space.',
    { debuginfo },
  );

const upload = defineFunction({
  name: 'core_files_upload',
  component: 'core_files',
  description: `Upload a file (base64 encoded) into the caller's own private or draft file area. The file may be at most the site's maximum size (maxbytes; the server takes at most ${SERVER_MAX_UPLOAD_BYTES} bytes), and all the caller's files together at most their quota (userquota). The token's service must allow file uploads.`,
  type: 'write',
  capabilities: [perRecord('moodle/user:manageownfiles', 'in the context of the user whose private files are written')],
  example: {
    component: 'user',
    filearea: 'private',
    itemid: 0,
    filepath: '/',
    filename: 'hello.txt',
    filecontent: 'SGVsbG8sIHdvcmxkIQ==',
    contextlevel: 'user',
    instanceid: 2,
  },
  services: ['moodle_mobile_app'],
  parameters: single({
    contextid: value('int', 'context id', { default: 0 }),
    component: value('component', 'component: user'),
    filearea: value('alpha', 'file area: private or draft'),
    itemid: value('int', 'associated id: 0 in the private area; in the draft area 0 asks for a new draft item id'),
    filepath: value('raw', 'file path, e.g. /'),
    filename: value('raw', 'file name'),
    filecontent: value('text', 'file content (base64 encoded)'),
    contextlevel: value('alpha', 'The context level to put the file in, (user)', { default: null, allowNull: true }),
    instanceid: value('int', 'The Instance id of item associated with the context level', {
      default: null,
      allowNull: true,
    }),
  }),
  returns: single({
    contextid: value('int', 'context id of the stored file'),
    component: value('alpha', 'component: user'),
    filearea: value('alpha', 'file area: private or draft'),
    itemid: value('int', 'item id: 0 in the private area, the draft item id in the draft area'),
    filepath: value('raw', 'file path'),
    filename: value('raw', 'file name'),
    url: value('text', 'file download url (with a token added, for web service clients)'),
  }),
  async execute(ctx, p) {
    // Moodle checks this per record, in its context (see capabilities); Gatehouse's roles hold
    // site-wide, so one check up front gives every record the same answer.
    ctx.requireCapability('moodle/user:manageownfiles', 'Manage files in own private file areas');
    if (!ctx.service.uploadFiles) {
      throw moodleError(
        'servicenotavailable',
        `The service "${ctx.service.name}" does not allow file uploads`,
        'Web service file upload must be enabled in external service settings',
      );
    }
    if (p.component !== 'user' || !(AREAS as readonly string[]).includes(p.filearea)) {
      throw codingError('File can be uploaded to user private or draft areas only');
    }
    // The context: by id, or by level and instance; in both cases the caller's own user context.
    let ownerId: number;
    if (p.contextid) {
      const c = parseContextId(p.contextid);
      if (!c) throw missingRecord('context', `No context with id ${p.contextid}`);
      if (c.level !== 'user') throw codingError('File can be uploaded to user private or draft areas only');
      ownerId = c.instanceid;
    } else if (p.contextlevel !== null && p.instanceid !== null) {
      if (p.contextlevel !== 'user') throw codingError('File can be uploaded to user private or draft areas only');
      ownerId = p.instanceid;
    } else {
      throw invalidParameter('Missing parameters, please provide either context level with instance id or contextid');
    }
    if (ownerId !== ctx.user.id) {
      throw moodleError(
        'accessdenied',
        'Access denied',
        'Files can only be uploaded to your own private or draft area',
      );
    }
    const filepath = checkFilepath(p.filepath);
    const filename = checkFilename(p.filename);
    const limits = uploadLimits(ctx);
    const encoded = p.filecontent.replace(/\s+/g, '');
    // Refused before decoding when even the shortest reading of the base64 is too big.
    if (Math.floor(encoded.length / 4) * 3 - 2 > limits.maxBytes) {
      throw tooBig(`about ${Math.floor((encoded.length / 4) * 3)}`, limits.maxBytes);
    }
    if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) throw invalidParameter('filecontent is not valid base64');
    const content = Buffer.from(encoded, 'base64');
    if (content.length > limits.maxBytes) throw tooBig(String(content.length), limits.maxBytes);
    let itemid = p.itemid;
    if (p.filearea === 'private') {
      if (itemid !== 0) throw invalidParameter('Files in the private area have item id 0');
    } else if (itemid === 0) {
      itemid = await unusedDraftItemId(ctx.deps, ctx.user.id);
    } else if (itemid < 0) {
      throw invalidParameter('Invalid draft item id');
    }
    const userId = ctx.user.id;
    const contextid = userContextId(userId);
    try {
      // The content goes to the file store (GATEHOUSE_DATA/filedir), its row to the database.
      requireFreeSpace(diskProbeOf(ctx.deps), content.length + ROW_BYTES);
    } catch (e) {
      if (e instanceof LowDiskSpaceError) throw noDiskSpace(e.message);
      throw e;
    }
    const wait = filesReady(ctx.deps);
    if (wait) await wait;
    let staged: Staged;
    try {
      staged = await fileStoreOf(ctx.deps).stage(
        (async function* () {
          yield content;
        })(),
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC')
        throw noDiskSpace(`The file store is full: ${(e as Error).message}`);
      throw e;
    }
    let outcome: Awaited<ReturnType<typeof storeFile>>;
    try {
      // A private file of that name is refused; a draft file of that name is replaced.
      outcome = await storeFile(
        ctx.deps,
        staged,
        {
          place: { contextid, component: 'user', filearea: p.filearea, itemid, filepath, filename },
          userId,
          mimetype: mimetypeOf(filename),
          author: fullname(ctx.user),
          license: 'unknown',
          source: null,
        },
        { replace: p.filearea === 'draft', quota: limits.quota },
      );
    } catch (e) {
      // SQLite ran out of room (the disk, or its page limit): the write is rolled back.
      if (isDiskFull(e)) throw noDiskSpace(`The database could not grow: ${(e as Error).message}`);
      throw e;
    }
    if (!outcome.ok && outcome.reason === 'exists')
      throw fileException('filenameexist', `File name already exists: ${filename}`);
    if (!outcome.ok && outcome.reason === 'quota') throw overQuota(outcome.used, content.length, outcome.quota);
    const item = p.filearea === 'draft' ? `${itemid}` : '';
    const path = [contextid, 'user', p.filearea, item].filter((s) => s !== '').join('/');
    const url = `${siteUrl(ctx)}/webservice/pluginfile.php/${path}${encodeURI(filepath)}${encodeURIComponent(filename)}`;
    return { contextid, component: 'user', filearea: p.filearea, itemid, filepath, filename, url };
  },
});

export const FILES_FUNCTIONS = [upload];
