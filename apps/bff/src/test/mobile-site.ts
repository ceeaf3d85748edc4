import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SYSTEM_ACTOR } from '../features/audit/audit.service';
import { setMobile } from '../features/mobile/mobile.service';
import { makeTestApp, type TestApp } from './helpers';

// A Gatehouse site on a real port for the Moodle Mobile tests, its public URL (GATEHOUSE_WWWROOT)
// the address it listens on, with "Enable web services for mobile devices" switched on as an
// administrator would (web services, the built-in mobile service, REST and XML-RPC, the protocol
// capabilities for Authenticated user).

export interface MobileSite {
  t: TestApp;
  base: string;
  close(): Promise<void>;
}

export async function startMobileSite(opts: { mobile?: boolean } = {}): Promise<MobileSite> {
  let app: TestApp | undefined;
  const server = serve({
    fetch: (req, env) => {
      if (!app) return new Response('starting', { status: 503 });
      return app.app.fetch(req, env);
    },
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await makeTestApp({ env: { GATEHOUSE_WWWROOT: base } });
  app = t;
  if (opts.mobile !== false) await setMobile(t.deps, true, SYSTEM_ACTOR);
  return {
    t,
    base,
    close: async () => {
      await new Promise((r) => server.close(r));
      t.close();
    },
  };
}

/** A form body as jQuery and the app's interceptor write it (PHP bracket names, every value a string). */
export function form(fields: Record<string, string | number>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) q.append(k, String(v));
  return q.toString();
}
