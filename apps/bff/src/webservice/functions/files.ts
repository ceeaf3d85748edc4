import { randomInt } from 'node:crypto';
import { single, value } from '@gatehouse/shared';
import { and, eq } from 'drizzle-orm';
import { files } from '../../db/schema';
import { invalidParameter, MoodleException, missingRecord, moodleError } from '../exceptions';
import { defineFunction } from '../types';
import { parseContextId, siteUrl, userContextId } from './common';
import { MAX_UPLOAD_BYTES } from './webservice';

const AREAS = ['private', 'draft'] as const;

const MIME: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  md: 'text/markdown',
  pdf: 'application/pdf',
  json: 'application/json',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export function mimetypeOf(filename: string): string {
  const ext = filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME[ext] ?? 'application/octet-stream';
}

const codingError = (message: string) =>
  new MoodleException(
    'coding_exception',
    'codingerror',
    `Coding error detected, it must be fixed by a programmer: ${message}`,
  );

const fileException = (errorcode: string, message: string) => new MoodleException('file_exception', errorcode, message);

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
const MAX_BASE64 = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;

export const upload = defineFunction({
  name: 'core_files_upload',
  component: 'core_files',
  description:
    "Upload a file (base64 encoded, at most 10 MB) into the caller's own private or draft file area. The token's service must allow file uploads.",
  type: 'write',
  capabilities: ['moodle/user:manageownfiles'],
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
  execute(ctx, p) {
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
    const encoded = p.filecontent.replace(/\s+/g, '');
    if (encoded.length > MAX_BASE64 + 4) {
      throw fileException(
        'maxbytes',
        `This file is bigger than the maximum size (${MAX_UPLOAD_BYTES / 1024 / 1024} MB)`,
      );
    }
    if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) throw invalidParameter('filecontent is not valid base64');
    const content = Buffer.from(encoded, 'base64');
    if (content.length > MAX_UPLOAD_BYTES) {
      throw fileException(
        'maxbytes',
        `This file is bigger than the maximum size (${MAX_UPLOAD_BYTES / 1024 / 1024} MB)`,
      );
    }
    let itemid = p.itemid;
    if (p.filearea === 'private') {
      if (itemid !== 0) throw invalidParameter('Files in the private area have item id 0');
    } else if (itemid === 0) {
      itemid = randomInt(1, 1_000_000_000);
    } else if (itemid < 0) {
      throw invalidParameter('Invalid draft item id');
    }
    const db = ctx.deps.store.db;
    const userId = ctx.user.id;
    const contextid = userContextId(userId);
    db.transaction((tx) => {
      // Gatehouse stores no item id: a name is unique per area and path.
      const existing = tx
        .select({ id: files.id })
        .from(files)
        .where(
          and(
            eq(files.userId, userId),
            eq(files.filearea, p.filearea),
            eq(files.filepath, filepath),
            eq(files.filename, filename),
          ),
        )
        .get();
      if (existing && p.filearea === 'private')
        throw fileException('filenameexist', `File name already exists: ${filename}`);
      if (existing) tx.delete(files).where(eq(files.id, existing.id)).run();
      tx.insert(files)
        .values({
          userId,
          filearea: p.filearea,
          filepath,
          filename,
          mimetype: mimetypeOf(filename),
          filesize: content.length,
          content: content.toString('base64'),
          timecreated: ctx.now,
        })
        .run();
    });
    const item = p.filearea === 'draft' ? `${itemid}` : '';
    const path = [contextid, 'user', p.filearea, item].filter((s) => s !== '').join('/');
    const url = `${siteUrl(ctx)}/webservice/pluginfile.php/${path}${encodeURI(filepath)}${encodeURIComponent(filename)}`;
    return { contextid, component: 'user', filearea: p.filearea, itemid, filepath, filename, url };
  },
});

export const FILES_FUNCTIONS = [upload];
