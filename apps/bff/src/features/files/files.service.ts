import { randomInt } from 'node:crypto';
import type { UserRow } from '../../db/rows';
import { withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { findUser } from '../users/users.repo';
import { moduleContext, userContext } from './contexts';
import { type FileStore, fileStoreFor, type Staged, unlessPinned } from './file-store';
import {
  bytesOfUser,
  deleteFile,
  draftItemUsed,
  type FilePlace,
  type FileRow,
  fileAt,
  filesInContexts,
  insertFile,
  legacyRows,
  rowsUsing,
  setContentHash,
  staleDrafts,
  usedHashes,
} from './files.repo';
import { userOfAccessKey } from './user-key';

// The rules of stored files: a row per file, its content in the file store, counted by
// reference. Content is committed into the store inside the write that adds its row, and
// removed only by a later write that finds no row using it (see file-store.ts, "ordering rule"),
// so a content hash stays exactly as long as a row uses it; what a crash or a rolled-back write
// leaves behind (content no row uses) is removed by the sweep.

export type { FilePlace, FileRow } from './files.repo';

/** Moodle purges draft areas four days after their last change (file_storage::cron). */
const DRAFT_LIFETIME_SECONDS = 4 * 24 * 3600;

/** The file store behind this server's data folder. */
/** The file root when GATEHOUSE_FILEDIR moved it (its pin goes beside it); undefined for the data folder's own. */
const pinRoot = (deps: Pick<Deps, 'env'>): string | undefined =>
  deps.env.GATEHOUSE_FILEDIR ? deps.env.fileDir : undefined;

export function fileStoreOf(deps: Pick<Deps, 'env'>): FileStore {
  return fileStoreFor(deps.env.dataDir, deps.env.fileDir);
}

const ready = new WeakMap<Deps, Promise<void> | null>();

/**
 * Once per process: moves content written before the file store into it, removes stale drafts,
 * orphaned content and staging files left by a crash. Undefined once done (nothing to await).
 */
export function filesReady(deps: Deps): Promise<void> | undefined {
  const state = ready.get(deps);
  if (state === null) return undefined;
  if (state) return state;
  const p = (async () => {
    await moveLegacyContent(deps);
    await sweepFiles(deps);
  })().then(
    () => {
      ready.set(deps, null);
    },
    (err) => {
      ready.delete(deps);
      throw err;
    },
  );
  ready.set(deps, p);
  return p;
}

/** Rows written before the file store keep their content in base64 in the row: it moves into the store. */
async function moveLegacyContent(deps: Deps): Promise<number> {
  const store = fileStoreOf(deps);
  let moved = 0;
  for (;;) {
    const batch = await legacyRows(deps.store.db, 50);
    if (batch.length === 0) return moved;
    for (const row of batch) {
      const staged = await store.stage(bufferSource(Buffer.from(row.content, 'base64')));
      try {
        await withWrite(deps, async (tx) => {
          staged.commit();
          await setContentHash(tx, row.id, staged.hash, staged.size);
        });
      } finally {
        staged.discard();
      }
      moved++;
    }
  }
}

async function* bufferSource(buf: Buffer): AsyncIterable<Uint8Array> {
  yield buf;
}

function removeAll(store: FileStore, hashes: readonly string[]): void {
  for (const h of hashes) store.delete(h);
}

/** Content that no row uses is removed, unless a backup pins the store (then the next sweep does). */
export async function releaseContent(deps: Deps, hashes: readonly (string | null | undefined)[]): Promise<void> {
  const candidates = [...new Set(hashes.filter((h): h is string => typeof h === 'string'))];
  if (candidates.length === 0) return;
  const store = fileStoreOf(deps);
  await withWrite(deps, async (tx) => {
    const unused: string[] = [];
    for (const h of candidates) if ((await rowsUsing(tx, h)) === 0) unused.push(h);
    if (unused.length) unlessPinned(deps.env.dataDir, () => removeAll(store, unused), pinRoot(deps));
  });
}

/**
 * Removes draft files older than four days, then every content the store holds that no row uses,
 * and staging files older than a day. Returns how many contents went.
 */
export async function sweepFiles(deps: Deps): Promise<{ drafts: number; orphans: number }> {
  const stale = await staleDrafts(deps.store.db, deps.now() - DRAFT_LIFETIME_SECONDS);
  if (stale.length)
    await deleteFiles(
      deps,
      stale.map((r) => r.id),
    );
  const store = fileStoreOf(deps);
  const used = await usedHashes(deps.store.db);
  const candidates = [...store.hashes()].filter((h) => !used.has(h));
  let orphans = 0;
  if (candidates.length) {
    await withWrite(deps, async (tx) => {
      const unused: string[] = [];
      for (const h of candidates) if ((await rowsUsing(tx, h)) === 0) unused.push(h);
      if (unused.length && unlessPinned(deps.env.dataDir, () => removeAll(store, unused), pinRoot(deps)))
        orphans = unused.length;
    });
  }
  if ('clearStaging' in store && typeof store.clearStaging === 'function') store.clearStaging(24 * 3600_000);
  return { drafts: stale.length, orphans };
}

/** Deletes file rows; their content goes with the last row that used it. */
export async function deleteFiles(deps: Deps, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const released = await withWrite(deps, async (tx) => {
    const hashes: (string | null)[] = [];
    for (const id of ids) hashes.push((await deleteFile(tx, id))?.contenthash ?? null);
    return hashes;
  });
  await releaseContent(deps, released);
}

export interface NewFile {
  place: FilePlace;
  userId: number | null;
  mimetype: string;
  author?: string | null;
  license?: string | null;
  source?: string | null;
}

export type StoreOutcome =
  | { ok: true; row: FileRow }
  | { ok: false; reason: 'exists' }
  | { ok: false; reason: 'quota'; used: number; quota: number };

/**
 * Stores staged content as the file at `file.place`: refused when a file is there already
 * (unless `replace`), or when the user's files would pass `quota` (checked in the write, so two
 * uploads at once cannot both take the last free bytes). The staged copy is dropped either way.
 */
export async function storeFile(
  deps: Deps,
  staged: Staged,
  file: NewFile,
  opts: { replace: boolean; quota: number | null; quotaUserId?: number },
): Promise<StoreOutcome> {
  try {
    const now = deps.now();
    const result = await withWrite(deps, async (tx) => {
      const existing = await fileAt(tx, file.place);
      if (existing && !opts.replace) return { outcome: { ok: false, reason: 'exists' } as StoreOutcome, old: null };
      if (opts.quota !== null) {
        const used = await bytesOfUser(tx, opts.quotaUserId ?? file.userId ?? 0);
        const freed = existing && existing.userId === (opts.quotaUserId ?? file.userId) ? existing.filesize : 0;
        if (used - freed + staged.size > opts.quota) {
          return {
            outcome: { ok: false, reason: 'quota', used: used - freed, quota: opts.quota } as StoreOutcome,
            old: null,
          };
        }
      }
      const old = existing ? ((await deleteFile(tx, existing.id))?.contenthash ?? null) : null;
      staged.commit();
      const row = await insertFile(tx, {
        ...file.place,
        contenthash: staged.hash,
        userId: file.userId,
        mimetype: file.mimetype,
        filesize: staged.size,
        author: file.author ?? null,
        license: file.license ?? null,
        source: file.source ?? null,
        timecreated: now,
        timemodified: now,
      });
      return { outcome: { ok: true, row } as StoreOutcome, old };
    });
    if (result.old && result.old !== staged.hash) await releaseContent(deps, [result.old]);
    return result.outcome;
  } finally {
    staged.discard();
  }
}

/** A draft item id no draft file of the user uses yet (Moodle's file_get_unused_draft_itemid). */
export async function unusedDraftItemId(deps: Deps, userId: number): Promise<number> {
  const ctx = userContext(userId);
  for (;;) {
    const id = randomInt(1, 1_000_000_000);
    if (!(await draftItemUsed(deps.store.db, ctx, id))) return id;
  }
}

/** How many bytes the user's own files take. */
export function bytesUsedBy(deps: Deps, userId: number): Promise<number> {
  return bytesOfUser(deps.store.db, userId);
}

/** The file at a place. */
export function findFile(deps: Pick<Deps, 'store'>, place: FilePlace): Promise<FileRow | undefined> {
  return fileAt(deps.store.db, place);
}

/** The user a tokenpluginfile.php key names, when it is one this server made. */
export async function userOfKey(deps: Deps, key: string): Promise<UserRow | undefined> {
  const id = userOfAccessKey(deps.tokenSecret, key);
  return id === undefined ? undefined : findUser(deps.store.db, id);
}

/** A file of a course module, as core_course_get_contents lists it in the module's `contents`. */
export interface ModuleContent {
  type: 'file';
  filename: string;
  filepath: string;
  filesize: number;
  fileurl: string;
  timecreated: number;
  timemodified: number;
  sortorder: number;
  userid: number;
  author: string;
  license: string;
  /** resource_export_contents / page_export_contents: the file's type, and that it is stored here. */
  mimetype: string;
  isexternalfile: boolean;
}

/**
 * The files in the `content` area of each module (a resource's files, a page's index.html), by
 * module id, with the URL that downloads each with the token (Moodle's
 * make_webservice_pluginfile_url(…)->out(false) with forcedownload=1).
 */
export async function moduleContentsOf(
  deps: Deps,
  modules: readonly { id: number; modname: string }[],
): Promise<Map<number, ModuleContent[]>> {
  // Content written before the file store (the demo data's files) is listed once it is in the store.
  const wait = filesReady(deps);
  if (wait) await wait;
  const byContext = new Map(modules.map((m) => [moduleContext(m.id), m]));
  const rows = await filesInContexts(deps.store.db, [...byContext.keys()], 'content');
  const out = new Map<number, ModuleContent[]>();
  for (const r of rows) {
    const m = byContext.get(r.contextid);
    if (!m || r.component !== `mod_${m.modname}`) continue;
    const path = `${r.contextid}/${r.component}/content/0${r.filepath}`;
    const list = out.get(m.id) ?? [];
    list.push({
      type: 'file',
      filename: r.filename,
      filepath: r.filepath,
      filesize: r.filesize,
      fileurl: `${deps.env.wwwroot}/webservice/pluginfile.php/${encodeURI(path)}${encodeURIComponent(r.filename)}?forcedownload=1`,
      timecreated: r.timecreated,
      timemodified: r.timemodified,
      sortorder: list.length === 0 ? 1 : 0,
      userid: r.userId ?? 0,
      author: r.author ?? '',
      license: r.license ?? '',
      mimetype: r.mimetype,
      isexternalfile: false,
    });
    out.set(m.id, list);
  }
  return out;
}

/** A stored file as core_external\util::get_area_files lists it (external_files). */
export interface AreaFile {
  filename: string;
  filepath: string;
  filesize: number;
  fileurl: string;
  timemodified: number;
  mimetype: string;
  isexternalfile: boolean;
}

/**
 * The files of one area of each module (`content`, `intro`), by module id, as
 * util::get_area_files lists them: by path and name, each with its webservice/pluginfile.php URL
 * (make_webservice_pluginfile_url, the item id in it when `itemidInUrl`).
 */
export async function moduleAreaFilesOf(
  deps: Deps,
  modules: readonly { id: number; modname: string }[],
  filearea: 'content' | 'intro',
  itemidInUrl: boolean,
): Promise<Map<number, AreaFile[]>> {
  const wait = filesReady(deps);
  if (wait) await wait;
  const byContext = new Map(modules.map((m) => [moduleContext(m.id), m]));
  const rows = await filesInContexts(deps.store.db, [...byContext.keys()], filearea);
  const out = new Map<number, AreaFile[]>();
  for (const r of rows) {
    const m = byContext.get(r.contextid);
    if (!m || r.component !== `mod_${m.modname}`) continue;
    const item = itemidInUrl ? `/${r.itemid}` : '';
    const path = `${r.contextid}/${r.component}/${filearea}${item}${r.filepath}`;
    const list = out.get(m.id) ?? [];
    list.push({
      filename: r.filename,
      filepath: r.filepath,
      filesize: r.filesize,
      fileurl: `${deps.env.wwwroot}/webservice/pluginfile.php/${encodeURI(path)}${encodeURIComponent(r.filename)}`,
      timemodified: r.timemodified,
      mimetype: r.mimetype,
      isexternalfile: false,
    });
    out.set(m.id, list);
  }
  return out;
}
