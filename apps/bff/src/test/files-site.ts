import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { addServiceFunctions, createService } from '../features/services/services.service';
import { createAdminToken } from '../features/tokens/tokens.service';
import { setRoleCapability } from '../webservice/functions/test-helpers';
import { makeTestApp, type TestApp } from './helpers';

// A site for the file endpoints' tests: web services and REST on, the app on a real port (so
// that fetch with Node's FormData sends real multipart bodies, and the URLs functions return,
// built from GATEHOUSE_WWWROOT = the listening address, can be fetched), a service that allows
// file downloads and uploads ("files") and one that allows neither ("nofiles"), and tokens.

export interface FilesSite {
  t: TestApp;
  base: string;
  /** A token of the user on the "files" service (created on first use). */
  token: (username: string) => Promise<string>;
  /** A token of the user on the "nofiles" service. */
  tokenWithoutFiles: (username: string) => Promise<string>;
  close: () => void;
}

const FUNCTIONS = [
  'core_webservice_get_site_info',
  'core_files_upload',
  'core_user_get_users_by_field',
  'core_course_get_contents',
  'core_enrol_get_users_courses',
];

export async function startFilesSite(opts: { env?: Record<string, string> } = {}): Promise<FilesSite> {
  let app: TestApp['app'] | undefined;
  const server = serve({
    fetch: (req, env) => (app ? app.fetch(req, env) : new Response('starting', { status: 503 })),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base, ...opts.env } });
  app = t.app;
  await t.deps.settings.apply({ enablewebservices: '1', webserviceprotocols: 'rest' }, SYSTEM_ACTOR);
  // REST for every signed-in user (the file scripts need no protocol capability; the functions do).
  setRoleCapability(t.deps, 'user', 'webservice/rest:use', 'allow');
  const service = async (shortname: string, files: boolean) => {
    const s = await createService(
      t.deps,
      {
        name: shortname,
        shortname,
        enabled: true,
        restrictedUsers: false,
        requiredCapability: null,
        downloadFiles: files,
        uploadFiles: files,
      },
      SYSTEM_ACTOR,
    );
    await addServiceFunctions(t.deps, s.id, FUNCTIONS, SYSTEM_ACTOR);
    return s.id;
  };
  const withFiles = await service('files', true);
  const withoutFiles = await service('nofiles', false);
  const tokens = new Map<string, string>();
  const tokenOf = async (username: string, serviceId: number) => {
    const key = `${username}/${serviceId}`;
    let secret = tokens.get(key);
    if (!secret) {
      secret = (
        await createAdminToken(
          t.deps,
          { userId: await t.userId(username), serviceId, validUntil: null },
          SYSTEM_ACTOR,
          true,
        )
      ).secret;
      tokens.set(key, secret);
    }
    return secret;
  };
  return {
    t,
    base,
    token: (u) => tokenOf(u, withFiles),
    tokenWithoutFiles: (u) => tokenOf(u, withoutFiles),
    close: () => {
      server.close();
      t.close();
    },
  };
}
