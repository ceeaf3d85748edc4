import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createListener, type Listener, listen } from '../app';
import type { TestApp } from './helpers';

// A test server as `npm start` serves the app (app.ts createListener: the protocol endpoints'
// calls through the direct lane, the rest through Hono), listening before the app exists, so
// that the site's public URL (GATEHOUSE_WWWROOT) can be the address it listens on.

export interface EarlyServer {
  server: Server;
  /** Where it listens, e.g. http://127.0.0.1:41234. */
  base: string;
  /** Serves `t` from now on (until then every request answers 503). */
  attach(t: TestApp): void;
  close(): Promise<void>;
}

export async function listenFirst(): Promise<EarlyServer> {
  let listener: Listener | undefined;
  const server = listen(
    (req, res) => {
      if (listener) listener(req, res);
      else res.writeHead(503, { 'Content-Type': 'text/plain' }).end('starting');
    },
    0,
    '127.0.0.1',
  );
  await new Promise((r) => server.once('listening', r));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attach: (t) => {
      listener = createListener(t.deps, t.app.fetch);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
