import { Readable } from 'node:stream';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { DomainError, notFound } from '../../lib/errors';
import { imageTool } from '../../lib/images';
import { deleteFile } from '../files/files.repo';
import { type FileRow, fileStoreOf, filesReady, findFile, releaseContent } from '../files/files.service';
import {
  HUB_BACKUP_AREA as BACKUP_AREA,
  HUB_BACKUP_FILENAME as BACKUP_FILENAME,
  HUB_COMPONENT,
  hubScreenshotFilename,
  hubPlace as place,
  HUB_SCREENSHOT_AREA as SCREENSHOT_AREA,
  HUB_FILES_CONTEXT as SYSTEM_CONTEXT,
} from './hub-constants';
import { courseById, type HubCourseRow } from './hub-courses.repo';
import { hubFilesOf } from './local-hub-files.repo';

// What the console shows and does with a hub course's files (upload.php stores them: see
// local-hub-files.ts for the places): which screenshots and whether a backup the hub holds, the
// files themselves for the administrator (hidden courses too, which download.php never sends),
// and deleting them.

/** The places local-hub-files.ts stores the hub's files at: the system context, local_hub, item = course. */
/** local_hub's MAXSCREENSHOTSNUMBER. */
const MAX_SCREENSHOT = 10;
/** local_hub's HUB_SITEIMAGEWIDTH / HEIGHT: the thumbnails' box. */
const THUMBNAIL_SIZE = 150;

const screenshotNumber = (filename: string): number | undefined => {
  const m = /^screenshot_([1-9]\d?)$/.exec(filename);
  const n = m ? Number(m[1]) : 0;
  return n >= 1 && n <= MAX_SCREENSHOT ? n : undefined;
};

export interface CourseFiles {
  /** The numbers of the screenshots stored, ascending. */
  screenshots: number[];
  /** The backup's size in bytes, or null. */
  backupSize: number | null;
}

/** The screenshots and backup of each of these courses (two queries, whatever their number). */
export async function courseFilesOf(db: DbOrTx, courseIds: readonly number[]): Promise<Map<number, CourseFiles>> {
  const out = new Map<number, CourseFiles>();
  if (courseIds.length === 0) return out;
  const [shots, backups] = await Promise.all([
    hubFilesOf(db, SYSTEM_CONTEXT, HUB_COMPONENT, SCREENSHOT_AREA, courseIds),
    hubFilesOf(db, SYSTEM_CONTEXT, HUB_COMPONENT, BACKUP_AREA, courseIds),
  ]);
  const entry = (id: number) => {
    let e = out.get(id);
    if (!e) {
      e = { screenshots: [], backupSize: null };
      out.set(id, e);
    }
    return e;
  };
  for (const r of shots) {
    const n = screenshotNumber(r.filename);
    if (n !== undefined) entry(r.itemid).screenshots.push(n);
  }
  for (const r of backups) if (r.filename === BACKUP_FILENAME) entry(r.itemid).backupSize = r.filesize;
  for (const e of out.values()) e.screenshots.sort((a, b) => a - b);
  return out;
}

/** One course's files, or none. */
export const filesOf = (map: Map<number, CourseFiles>, id: number): CourseFiles =>
  map.get(id) ?? { screenshots: [], backupSize: null };

async function loadCourse(db: DbOrTx, id: number): Promise<HubCourseRow> {
  const c = await courseById(db, id);
  if (!c) throw notFound('Course');
  return c;
}

const screenshotRow = (deps: Deps, courseId: number, number: number): Promise<FileRow | undefined> =>
  findFile(deps, place(SCREENSHOT_AREA, courseId, hubScreenshotFilename(number)));

const backupRow = (deps: Deps, courseId: number): Promise<FileRow | undefined> =>
  findFile(deps, place(BACKUP_AREA, courseId, BACKUP_FILENAME));

// ---- the files, for the console ---------------------------------------------------------------

/** A file the console sends: streamed from the store, or an image made for the request. */
export type ConsoleHubFile =
  | { kind: 'stored'; hash: string; size: number; mimetype: string; filename: string; attachment: boolean }
  | { kind: 'image'; body: Buffer; hash: string; mimetype: string };

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * A course's screenshot for Manage courses: as stored (`original`) or fitted inside 150 × 150
 * (as download.php's default), whether the course is visible or not.
 */
export async function consoleScreenshot(
  deps: Deps,
  courseId: number,
  number: number,
  size: 'thumbnail' | 'original',
): Promise<ConsoleHubFile> {
  const wait = filesReady(deps);
  if (wait) await wait;
  await loadCourse(deps.store.db, courseId);
  const row = await screenshotRow(deps, courseId, number);
  const store = fileStoreOf(deps);
  const bytes = row?.contenthash ? store.size(row.contenthash) : undefined;
  if (!row?.contenthash || bytes === undefined) throw notFound('Screenshot');
  const mimetype = IMAGE_TYPES.has(row.mimetype) ? row.mimetype : 'image/png';
  if (size === 'original') {
    return {
      kind: 'stored',
      hash: row.contenthash,
      size: bytes,
      mimetype,
      filename: hubScreenshotFilename(number),
      attachment: false,
    };
  }
  const chunks: Buffer[] = [];
  for await (const c of store.read(row.contenthash)) chunks.push(c as Buffer);
  const sharp = await imageTool();
  const out = sharp(Buffer.concat(chunks)).resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, {
    fit: 'inside',
    withoutEnlargement: true,
  });
  // A GIF's thumbnail is a PNG, as download.php makes it.
  const body = await (mimetype === 'image/jpeg'
    ? out.jpeg()
    : mimetype === 'image/webp'
      ? out.webp()
      : out.png()
  ).toBuffer();
  return {
    kind: 'image',
    body,
    hash: row.contenthash,
    mimetype: mimetype === 'image/jpeg' || mimetype === 'image/webp' ? mimetype : 'image/png',
  };
}

/** A course's backup for Manage courses (an attachment, backup_<id>.mbz as download.php names it). */
export async function consoleBackup(deps: Deps, courseId: number): Promise<ConsoleHubFile> {
  const wait = filesReady(deps);
  if (wait) await wait;
  await loadCourse(deps.store.db, courseId);
  const row = await backupRow(deps, courseId);
  const bytes = row?.contenthash ? fileStoreOf(deps).size(row.contenthash) : undefined;
  if (!row?.contenthash || bytes === undefined) throw notFound('Backup');
  return {
    kind: 'stored',
    hash: row.contenthash,
    size: bytes,
    mimetype: 'application/vnd.moodle.backup',
    filename: `backup_${courseId}.mbz`,
    attachment: true,
  };
}

/** The stored content as a web stream. */
export const streamOf = (deps: Deps, hash: string) =>
  Readable.toWeb(fileStoreOf(deps).read(hash)) as ReadableStream<Uint8Array>;

// ---- deleting them ---------------------------------------------------------------------------

/**
 * Deletes a course's screenshot (one number, or all of them) or its backup, then records it. The
 * site's number of screenshots (hub_register_courses' screenshots) stays, as deletescreenshots
 * leaves it: the site uploads new ones when it publishes again.
 */
export async function deleteCourseFile(
  deps: Deps,
  courseId: number,
  what: { screenshot: number | 'all' } | { backup: true },
  actor: WriteActor,
): Promise<CourseFiles> {
  const wait = filesReady(deps);
  if (wait) await wait;
  const { db } = deps.store;
  const course = await loadCourse(db, courseId);
  let rows: { id: number; filename: string }[];
  let summary: string;
  if ('backup' in what) {
    const row = await backupRow(deps, courseId);
    if (!row) throw new DomainError('notfound', `The course ${course.fullname} has no backup on the hub`);
    rows = [row];
    summary = `Deleted the backup of the hub course ${course.fullname}`;
  } else if (what.screenshot === 'all') {
    rows = (await hubFilesOf(db, SYSTEM_CONTEXT, HUB_COMPONENT, SCREENSHOT_AREA, [courseId])).filter(
      (r) => screenshotNumber(r.filename) !== undefined,
    );
    if (!rows.length) throw new DomainError('notfound', `The course ${course.fullname} has no screenshots on the hub`);
    summary = `Deleted the ${rows.length} screenshot(s) of the hub course ${course.fullname}`;
  } else {
    const row = await screenshotRow(deps, courseId, what.screenshot);
    if (!row) {
      throw new DomainError('notfound', `The course ${course.fullname} has no screenshot ${what.screenshot}`);
    }
    rows = [row];
    summary = `Deleted screenshot ${what.screenshot} of the hub course ${course.fullname}`;
  }
  // The rows and the audit line in one write; the contents leave the store after it commits
  // (a content another row still uses stays).
  const released = await withWrite(deps, async (tx, w) => {
    const hashes: (string | null)[] = [];
    for (const r of rows) hashes.push((await deleteFile(tx, r.id))?.contenthash ?? null);
    w.audit(actor, {
      action: 'backup' in what ? 'hub.course.backup.delete' : 'hub.course.screenshot.delete',
      targetType: 'hubcourse',
      targetId: courseId,
      summary,
      details: { files: rows.map((r) => r.filename) },
    });
    w.invalidate({ kind: 'hub' });
    return hashes;
  });
  await releaseContent(deps, released);
  return filesOf(await courseFilesOf(db, [courseId]), courseId);
}
