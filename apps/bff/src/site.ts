import { isUnstorableValue } from './db/sql';
import type { Deps } from './deps';
import { DISK_FULL_MESSAGE, isDiskFull } from './lib/disk';
import { DomainError } from './lib/errors';
import { errorBody, httpStatusOf } from './lib/http-status';
import { type Log, requestIdFor, requestLog } from './lib/log';
import { Metrics, protocolOfPath } from './lib/metrics';
import { clientAddress } from './lib/public-url';
import type { HeaderList } from './lib/response-headers';

// What the site does around every request, whoever carries it: the site middleware (app.ts) for
// what Hono serves, and the direct lane (webservice/protocols/lane.ts) for the protocol
// endpoints it takes from Node itself. One implementation, so that both answer alike.

/**
 * The site's secure headers, on every answer (what hono/secure-headers sent for these options,
 * built once): a strict CSP, no framing, no sniffing, same-origin referrers and resources
 * (webservice/cors.ts makes Moodle's endpoints' resources cross-origin), HSTS behind HTTPS.
 */
function siteHeaders(hsts: boolean): HeaderList {
  return [
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'same-origin'],
    ...(hsts ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const] : []),
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
    [
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ],
  ];
}

/** Who is calling. */
export interface Caller {
  /** The client's address: behind a trusted proxy, the one it forwarded. */
  readonly ip: string;
  /** The request's id (X-Request-Id): a trusted proxy's, else a new one. */
  readonly reqId: string;
}

/** An error's answer in the console API's shape (what app.onError answers). */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Something that carries a request's id, for its log lines (a Hono context, or the lane's exchange). */
type Logged = { readonly var: { readonly reqId: string } };

export class Site {
  /** The site's own headers, in the order they are written. */
  readonly headers: HeaderList;
  readonly #deps: Deps;
  readonly #trustedProxies: string;

  constructor(deps: Deps) {
    this.#deps = deps;
    this.headers = siteHeaders(deps.env.cookieSecure);
    this.#trustedProxies = deps.env.trustedProxies;
  }

  /**
   * The caller of a request that came from `remote`. The proxy headers are read only when there
   * are trusted proxies: reading a header may build the request's Headers, which a protocol call
   * otherwise never needs.
   */
  caller(remote: string, header: (name: string) => string | undefined): Caller {
    const trusted = this.#trustedProxies;
    if (!trusted) return { ip: remote, reqId: requestIdFor(remote, undefined, trusted) };
    return {
      ip: clientAddress(remote, header('x-forwarded-for'), trusted),
      reqId: requestIdFor(remote, header('x-request-id'), trusted),
    };
  }

  /**
   * Before serving: whether another process changed the database (through the Node server at
   * most once per event-loop turn, `inTurn`: lib/generation.ts says why that is enough there;
   * app.request callers may write and ask within one turn), then settings and roles as they are
   * now (reloaded only when the database changed since they were read). A promise only when
   * something must be read.
   */
  ready(inTurn: boolean): Promise<void> | undefined {
    const deps = this.#deps;
    if (inTurn) deps.gen.checkInTurn();
    else deps.gen.check();
    const settings = deps.settings.ready();
    if (settings) return settings.then(() => deps.authz.ready());
    return deps.authz.ready() ?? undefined;
  }

  /**
   * After serving: the request's duration by protocol, and its count where no call pipeline
   * counted it (lib/metrics.ts; the probes are not counted); the access log at debug only (at
   * info, a request that went well writes nothing).
   */
  served(req: Logged, method: string, path: string, status: () => number, ms: number): void {
    const deps = this.#deps;
    if (path !== '/metrics' && path !== '/readyz') {
      const protocol = protocolOfPath(path);
      deps.metrics.served(protocol, ms);
      if (Metrics.countsByStatus(protocol)) deps.metrics.countStatus(protocol, status());
    }
    if (deps.log.isLevelEnabled('debug')) {
      requestLog(req, deps.log).debug({ method, path, status: status(), ms: Math.round(ms * 100) / 100 }, 'request');
    }
  }

  /** The logger of a request being served. */
  log(req: Logged): Log {
    return requestLog(req, this.#deps.log);
  }

  /**
   * The answer to an error no route answered, in the API's shape: a full disk (503, the write
   * rolled back), a domain error, Hono's own refusals, a value no row can hold (the client's
   * bad input), else 500 with the stack in the server's log only.
   */
  errorAnswer(req: Logged, method: string, path: string, err: unknown, httpStatus?: number): ErrorAnswer {
    if (isDiskFull(err)) {
      this.log(req).warn(
        { method, path, error: err instanceof Error ? err.message : String(err) },
        'Disk full: a write was refused',
      );
      return { status: 503, body: { error: { code: 'diskfull', message: DISK_FULL_MESSAGE } } };
    }
    if (err instanceof DomainError) return { status: httpStatusOf(err), body: errorBody(err) };
    if (httpStatus !== undefined) {
      // Hono's own refusals (a malformed JSON body, for one) in the API's error shape.
      const message = err instanceof Error && err.message ? err.message : 'Invalid request';
      return {
        status: httpStatus >= 400 && httpStatus < 500 ? httpStatus : 400,
        body: { error: { code: 'invalid', message } },
      };
    }
    // A value no row can hold (PostgreSQL refuses U+0000 in text, or a number past its range),
    // where no input check refused it first: the client's bad input.
    if (isUnstorableValue(err)) {
      return {
        status: 400,
        body: {
          error: {
            code: 'invalid',
            message: 'The request holds a value that cannot be stored (a NUL character, or a number out of range)',
          },
        },
      };
    }
    this.log(req).error({ method, path, err: err instanceof Error ? err : new Error(String(err)) }, 'Unexpected error');
    return {
      status: 500,
      body: { error: { code: 'internal', message: 'Something went wrong on the server. It has been logged.' } },
    };
  }
}
