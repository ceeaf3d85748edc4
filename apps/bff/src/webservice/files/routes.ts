import { type Context, Hono } from 'hono';
import type { UserRow } from '../../db/rows';
import type { Deps } from '../../deps';
import { resolveFile } from '../../features/files/file-access';
import { filesReady, userOfKey } from '../../features/files/files.service';
import type { AppEnv } from '../../types';
import { AccessDenied } from '../access';
import { moodleCors } from '../cors';
import { MoodleException } from '../exceptions';
import { ajaxError, FILE_EXPOSED_HEADERS, sendDefaultPicture, sendGenerated, sendPage, sendStored } from './send';
import { authenticate, bearerToken, toMoodle } from './token-auth';
import { uploadPhp } from './upload';

// Moodle's file scripts for web-service clients:
// - POST /webservice/upload.php (upload.ts);
// - /webservice/pluginfile.php/<contextid>/<component>/<filearea>/… with the token in `token=`
//   (or Authorization: Bearer), when the token's service allows downloads;
// - /webservice/draftfile.php/<contextid>/user/draft/<itemid>/…, the same for draft files alone;
// - /tokenpluginfile.php/<key>/<contextid>/…, the key being site info's userprivateaccesskey
//   (no token: for <img src> and the like);
// - /pluginfile.php/<contextid>/user/icon/…: public user pictures (other files need a token);
// - /theme/image.php/<theme>/core/<rev>/u/f1: the default user picture.
// Who may read which file: features/files/file-access.ts. Errors in Moodle's AJAX shape (these
// scripts are AJAX_SCRIPTs), HTTP 200, except "file not found", which is a 404 as Moodle's.

const notFoundError = () =>
  new MoodleException('moodle_exception', 'filenotfound', 'Sorry, the requested file could not be found');
const downloadDisabled = () =>
  new MoodleException(
    'webservice_access_exception',
    'accessexception',
    'Access control exception',
    'Web service file downloading must be enabled in external service settings',
  );
const invalidKey = () => new MoodleException('moodle_exception', 'invalidkey', 'Incorrect key');

/**
 * What follows the script in the URL (Moodle's get_file_argument): path segments, repeated
 * slashes merged, each percent-decoded; or the `file` parameter without slash arguments. Null
 * when a segment does not decode.
 */
function fileArgs(c: Context<AppEnv>, script: string): string[] | null {
  const raw = new URL(c.req.url).pathname.replace(/\/{2,}/g, '/');
  const at = raw.indexOf(script);
  let rest = at >= 0 ? raw.slice(at + script.length) : '';
  if (rest === '' || rest === '/') rest = c.req.query('file') ?? '';
  const segments = rest.split('/').filter((s, i) => !(i === 0 && s === ''));
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

const forceDownload = (c: Context<AppEnv>) => {
  const v = c.req.query('forcedownload') ?? '';
  return v !== '' && v !== '0' && v.toLowerCase() !== 'false';
};

/** Serves the file `args` names to `user` (null: no one signed in), or Moodle's refusal. */
async function serve(
  c: Context<AppEnv>,
  deps: Deps,
  user: UserRow | null,
  args: string[] | null,
  opts: { draftOnly?: boolean } = {},
): Promise<Response> {
  const notFound = () => ajaxError(deps, notFoundError(), 404);
  if (!args) return notFound();
  const r = await resolveFile(deps, user, args, opts);
  switch (r.kind) {
    case 'notfound':
      return notFound();
    case 'refused':
      return ajaxError(deps, r.error);
    case 'defaulticon':
      return sendDefaultPicture(c, deps, r.size);
    case 'stored':
      return sendStored(c, deps, r, forceDownload(c), notFound);
    case 'page':
      return sendPage(c, deps, r.filename, r.html);
    case 'generated':
      return sendGenerated(c, deps, r.filename, r.svg, forceDownload(c));
  }
}

async function withToken(c: Context<AppEnv>, deps: Deps, script: string, draftOnly: boolean): Promise<Response> {
  const wait = filesReady(deps);
  if (wait) await wait;
  let user: UserRow;
  try {
    const held = await authenticate(
      deps,
      bearerToken(c.req.header('authorization')) ?? c.req.query('token'),
      c.get('actor').ip,
    );
    if (!held.service.downloadFiles) throw downloadDisabled();
    user = held.u;
  } catch (err) {
    return ajaxError(deps, toMoodle(err));
  }
  return serve(c, deps, user, fileArgs(c, script), { draftOnly });
}

/** require_user_key_login('core_files'): the key's user, active and allowed in now. */
async function withKey(c: Context<AppEnv>, deps: Deps): Promise<Response> {
  const wait = filesReady(deps);
  if (wait) await wait;
  const args = fileArgs(c, '/tokenpluginfile.php');
  const key = args?.shift() ?? c.req.query('token') ?? '';
  try {
    // Gatehouse's file endpoints are part of its web services: off with them.
    if (!deps.settings.flag('enablewebservices')) throw new AccessDenied('webservicesdisabled');
    const user = await userOfKey(deps, key);
    if (!user || user.deleted || user.suspended || !user.confirmed || user.auth === 'nologin') {
      return ajaxError(deps, invalidKey(), 403);
    }
    if (deps.settings.flag('maintenance_enabled') && !deps.authz.has(user, 'moodle/site:maintenanceaccess')) {
      throw new AccessDenied('sitemaintenance');
    }
    return await serve(c, deps, user, args);
  } catch (err) {
    return ajaxError(deps, toMoodle(err));
  }
}

/** The routes, to mount at the site's root (app.ts). */
export function fileRoutes(deps: Deps) {
  const cors = moodleCors({ exposeHeaders: FILE_EXPOSED_HEADERS });
  const app = new Hono<AppEnv>();
  for (const path of [
    '/webservice/upload.php',
    '/webservice/pluginfile.php/*',
    '/webservice/pluginfile.php',
    '/webservice/draftfile.php/*',
    '/webservice/draftfile.php',
    '/tokenpluginfile.php/*',
    '/tokenpluginfile.php',
    '/pluginfile.php/*',
    '/theme/image.php/*',
  ]) {
    app.use(path, cors);
  }
  app.on(['GET', 'POST'], '/webservice/upload.php', (c) => uploadPhp(c, deps));
  for (const p of ['/webservice/pluginfile.php', '/webservice/pluginfile.php/*']) {
    app.on(['GET', 'HEAD', 'POST'], p, (c) => withToken(c, deps, '/webservice/pluginfile.php', false));
  }
  for (const p of ['/webservice/draftfile.php', '/webservice/draftfile.php/*']) {
    app.on(['GET', 'HEAD', 'POST'], p, (c) => withToken(c, deps, '/webservice/draftfile.php', true));
  }
  for (const p of ['/tokenpluginfile.php', '/tokenpluginfile.php/*']) {
    app.on(['GET', 'HEAD'], p, (c) => withKey(c, deps));
  }
  // Without a token only public files (user pictures) are served here.
  app.on(['GET', 'HEAD'], '/pluginfile.php/*', async (c) => {
    const wait = filesReady(deps);
    if (wait) await wait;
    return serve(c, deps, null, fileArgs(c, '/pluginfile.php'));
  });
  app.on(['GET', 'HEAD'], '/theme/image.php/*', (c) => {
    const m = /\/u\/(f[123])$/.exec(new URL(c.req.url).pathname);
    if (!m) return c.text('Not found', 404);
    return sendDefaultPicture(c, deps, m[1] as 'f1' | 'f2' | 'f3');
  });
  return app;
}
