import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { getPath } from 'hono/utils/url';
import type { Deps } from './deps';
import { auditRoutes } from './features/audit/audit.routes';
import { authRoutes } from './features/auth/auth.routes';
import { csrfGuard, sessionMiddleware } from './features/auth/guards';
import { docsRoutes, keyDocsRoutes } from './features/docs/docs.routes';
import { hubPublicTokenRoutes, hubRoutes } from './features/hub/hub.routes';
import { publicHubToken } from './features/hub/local-hub-access';
import { localHubFileRoutes } from './features/hub/local-hub-files.routes';
import { siteRegistrationRoutes } from './features/hub/site-registration';
import { mobileRoutes } from './features/mobile/mobile.routes';
import { overviewRoutes } from './features/overview/overview';
import { roleRoutes } from './features/roles/roles.routes';
import { serviceRoutes } from './features/services/services.routes';
import { settingsRoutes } from './features/settings/settings.routes';
import { securityKeyRoutes, tokenRoutes } from './features/tokens/tokens.routes';
import { usageRoutes } from './features/usage/usage.routes';
import { userRoutes } from './features/users/users.routes';
import { DomainError } from './lib/errors';
import { REQUEST_ID_HEADER, requestLog } from './lib/log';
import { metricsAllowed, readiness } from './lib/metrics';
import { allowedOrigins } from './lib/public-url';
import { addMissingHeaders, answeredDirectly, nodeResponse, ownHeaders, presetHeaders } from './lib/response-headers';
import { Site } from './site';
import type { AppEnv } from './types';
import { ajaxRoutes } from './webservice/ajax';
import { moodleCors } from './webservice/cors';
import { fileRoutes } from './webservice/files/routes';
import { loginNotFound, loginTokenRoutes } from './webservice/login-token';
import { amf } from './webservice/protocols/amf';
import { directLane } from './webservice/protocols/lane';
import { localHubWebservices } from './webservice/protocols/local-hub';
import { rest } from './webservice/protocols/rest';
import { protocolHandler, protocolNotFound, protocolRoute, webserviceNotFound } from './webservice/protocols/route';
import { soap } from './webservice/protocols/soap';
import { xmlrpc } from './webservice/protocols/xmlrpc';

/** The console API. Chained so that its type carries every route for the SPA's typed client. */
export function createApi(deps: Deps) {
  return new Hono<AppEnv>()
    .use(csrfGuard(allowedOrigins(deps.env)))
    .use(sessionMiddleware(deps))
    .route('/auth', authRoutes(deps))
    .route('/settings', settingsRoutes(deps))
    .route('/users', userRoutes(deps))
    .route('/roles', roleRoutes(deps))
    .route('/audit', auditRoutes(deps))
    .route('/services', serviceRoutes(deps))
    .route('/tokens', tokenRoutes(deps))
    .route('/me/keys', securityKeyRoutes(deps))
    .route('/me/keys', keyDocsRoutes(deps))
    .route('/mobile', mobileRoutes(deps))
    .route('/docs', docsRoutes(deps))
    .route('/overview', overviewRoutes(deps))
    .route('/hub', hubRoutes(deps))
    .route('/', usageRoutes(deps));
}
export type ApiType = ReturnType<typeof createApi>;

function webDist(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const c of [join(here, '../../web/dist'), join(here, '../../../apps/web/dist')]) {
    if (existsSync(join(c, 'index.html'))) return c;
  }
  return undefined;
}

/**
 * The request's path with repeated slashes merged, as the web servers in front of Moodle do
 * (Apache, nginx's merge_slashes): `//login/token.php`, what a client builds from a wwwroot
 * typed with a trailing slash, reaches login/token.php. Only a path that has `//` is rewritten.
 */
function mergedSlashesPath(request: Request): string {
  const path = getPath(request);
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

/**
 * A path in Moodle's script space (`/webservice/…`, `/login/…`, any `….php`): never the
 * console's SPA shell, so that a script that does not exist answers a 404 a client can read.
 */
const isMoodleScriptPath = (path: string) =>
  path === '/webservice' ||
  path.startsWith('/webservice/') ||
  (path.startsWith('/login/') && path.length > 7) ||
  path.includes('.php');

/** Builds the whole application (no listen), so tests can drive it with app.request(). */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>({ getPath: mergedSlashesPath });

  const site = new Site(deps);
  const { headers } = site;
  const { metrics } = deps;

  // Every answer's own headers (secure headers, request id, Server-Timing: lib/response-headers.ts,
  // set on the Node response before the route runs when there is one), who is calling (address
  // and request id), and whether another process changed the database since the last request
  // (site.ts, shared with the direct lane).
  app.use(async (c, next) => {
    const out = nodeResponse(c);
    let remote = '';
    try {
      remote = getConnInfo(c).remote.address ?? '';
    } catch {
      remote = '';
    }
    const { ip, reqId } = site.caller(remote, (name: string) => c.req.header(name));
    c.set('reqId', reqId);
    c.set('actor', { id: null, username: 'anonymous', ip });
    if (out) {
      presetHeaders(out, headers);
      out.setHeader(REQUEST_ID_HEADER, reqId);
    }
    const started = performance.now();
    c.set('started', started);
    const ready = site.ready(out !== undefined);
    if (ready) await ready;
    await next();
    // How long the server spent on the request, for browsers' dev tools and the benchmark.
    const ms = performance.now() - started;
    const timing = `app;dur=${ms.toFixed(2)}`;
    const direct = out !== undefined && answeredDirectly(c.res);
    site.served(
      c,
      c.req.method,
      c.req.path,
      () => (direct ? (c.env as { outgoing: { statusCode: number } }).outgoing.statusCode : c.res.status),
      ms,
    );
    if (out) {
      // An answer written straight to the Node response (textAnswer) carried its own Server-Timing.
      if (!direct) {
        // As hono/secure-headers did (no route sets it); and the answer's headers become its own (see ownHeaders).
        ownHeaders(c.res).delete('X-Powered-By');
        if (!out.headersSent) out.setHeader('Server-Timing', timing);
      }
    } else {
      // A header a route set itself stays: the web-service endpoints' Cross-Origin-Resource-Policy
      // (webservice/cors.ts) is cross-origin, the rest of the site's same-origin.
      const h = c.res.headers;
      h.delete('X-Powered-By');
      addMissingHeaders(h, headers);
      h.set('Server-Timing', timing);
      h.set(REQUEST_ID_HEADER, reqId);
    }
  });

  // For load balancers and the benchmark's ceiling: the cheapest route the server has.
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200));
  // For load balancers: whether this node can serve (the database answers, migrations applied,
  // not shutting down). Like /healthz, outside /api: no session, no CSRF check.
  app.get('/readyz', async (c) => {
    c.header('Cache-Control', 'no-store');
    const r = await readiness(deps.store, metrics);
    if (r.ready) return c.json({ status: 'ready' }, 200);
    if (r.error !== undefined) requestLog(c, deps.log).debug({ err: r.error }, 'Not ready');
    return c.json({ status: 'unavailable', reason: r.reason }, 503);
  });
  // Prometheus's scrape (lib/metrics.ts): with GATEHOUSE_METRICS_TOKEN set, for its bearer only;
  // without, for loopback clients only.
  app.get('/metrics', async (c) => {
    const token = deps.env.GATEHOUSE_METRICS_TOKEN;
    if (!metricsAllowed(token, c.req.header('authorization'), c.get('actor').ip)) return c.text('Forbidden', 403);
    return c.body(await metrics.text(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
  });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new DomainError('toolarge', 'The request body is too large');
      },
    }),
  );
  app.route('/api', createApi(deps));
  app.all('/api/*', () => {
    throw new DomainError('notfound', 'No such API route');
  });

  // Moodle's CORS (webservice/cors.ts): login/token.php and the REST and XML-RPC servers, as
  // Moodle sends it (the SOAP server sends none), with their 404s; never /api.
  const cors = moodleCors();
  app.use('/login/token.php', cors);
  app.use('/webservice/rest/*', cors);
  app.use('/webservice/xmlrpc/*', cors);
  app.route('/login/token.php', loginTokenRoutes(deps));
  app.route('/local/hub/publictoken.php', hubPublicTokenRoutes(deps));
  app.route('/local/hub/siteregistration.php', siteRegistrationRoutes(deps));
  app.route('/local/hub/webservice', localHubWebservices(deps, xmlrpc, publicHubToken, localHubFileRoutes(deps)));
  // The Moodle app's AJAX entry points and the local_mobile probe (webservice/ajax.ts).
  app.route('/', ajaxRoutes(deps));
  // The protocol servers: one pipeline (protocols/route.ts), each protocol a codec.
  app.route('/webservice/rest/server.php', protocolRoute(deps, rest));
  app.route('/webservice/xmlrpc/server.php', protocolRoute(deps, xmlrpc));
  app.route('/webservice/soap/server.php', protocolRoute(deps, soap));
  app.route('/webservice/amf/server.php', protocolRoute(deps, amf));
  // Moodle's file scripts: upload.php, pluginfile.php, draftfile.php, tokenpluginfile.php (webservice/files).
  app.route('/', fileRoutes(deps));
  // Anything else in a protocol's folder (/webservice/rest/nosuch.php, /webservice/xmlrpc/x):
  // a 404 in that protocol's shape.
  app.all('/webservice/rest/*', protocolNotFound(deps, rest));
  app.all('/webservice/xmlrpc/*', protocolNotFound(deps, xmlrpc));
  app.all('/webservice/soap/*', protocolNotFound(deps, soap));
  /** A Moodle script that does not exist: login/token.php's shape under /login, Moodle's exception elsewhere. */
  const moodleScriptNotFound = (c: Context<AppEnv>) =>
    c.req.path.startsWith('/login/') ? loginNotFound(deps, c) : webserviceNotFound(deps, c);

  const dist = webDist();
  if (dist) {
    const index = readFileSync(join(dist, 'index.html'), 'utf8');
    app.use('/assets/*', async (c, next) => {
      await next();
      if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
    });
    app.use('/*', serveStatic({ root: dist }));
    // A missing asset is a 404, never the SPA's shell under a year-long immutable cache header.
    app.all('/assets/*', (c) => c.text('Not found', 404));
    // Client-side routes: every other GET gets the SPA shell; Moodle's script paths get a 404.
    app.get('*', (c) => {
      if (isMoodleScriptPath(c.req.path)) return moodleScriptNotFound(c);
      c.header('Cache-Control', 'no-cache');
      return c.html(index);
    });
  }

  app.onError((err, c) => {
    // Also for an error thrown before the middleware above could answer the id.
    if (c.var.reqId) c.header(REQUEST_ID_HEADER, c.var.reqId);
    const logged = c.var.reqId ? c : { var: { reqId: '' } };
    const { status, body } = site.errorAnswer(
      logged,
      c.req.method,
      c.req.path,
      err,
      err instanceof HTTPException ? err.status : undefined,
    );
    return c.json(body, status as 500);
  });
  app.notFound((c) =>
    isMoodleScriptPath(c.req.path)
      ? moodleScriptNotFound(c)
      : c.json({ error: { code: 'notfound', message: 'Not found' } }, 404),
  );
  return app;
}

/** A Node request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The Node server's request listener for an app: the direct lane (webservice/protocols/lane.ts)
 * for the REST, XML-RPC and SOAP endpoints' calls, the app (through @hono/node-server) for
 * everything else (`fetch`: the app's). The lane answers as the app's protocol routes do, through
 * the same pipeline.
 */
export function createListener(deps: Deps, fetch: Hono<AppEnv>['fetch']): Listener {
  const lane = directLane(new Site(deps), [
    { path: '/webservice/rest/server.php', handle: protocolHandler(deps, rest), cors: true, functionInPath: true },
    { path: '/webservice/xmlrpc/server.php', handle: protocolHandler(deps, xmlrpc), cors: true },
    { path: '/webservice/soap/server.php', handle: protocolHandler(deps, soap), cors: false },
  ]);
  const hono = getRequestListener(fetch);
  return (req, res) => {
    if (!lane(req, res)) void hono(req, res);
  };
}

/** The app on a port (`listening` once it is bound), as `npm start` serves it. */
export function listen(listener: Listener, port: number, hostname: string, listening?: () => void): Server {
  const server = createServer(listener);
  server.listen(port, hostname, listening);
  return server;
}
