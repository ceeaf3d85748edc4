import type { MiddlewareHandler } from 'hono';
import { addMissingHeaders, type HeaderList, nodeResponse, presetHeaders } from '../lib/response-headers';
import type { AppEnv } from '../types';

// Cross-origin access to Moodle's web-service endpoints, as Moodle allows it: its REST and
// XML-RPC servers, login/token.php, webservice/upload.php and the file scripts answer with
// `Access-Control-Allow-Origin: *` ("Allow cross-origin requests only for Web Services. This
// allow to receive requests done by Web Workers or webapps in different domains.",
// webservice/rest/locallib.php, send_headers), so that an app on another origin can call them.
// None of them reads a cookie (a token or a key says who calls), so `*` gives a page on another
// origin nothing it could not do by itself. The console (/api) never gets these headers.

/**
 * The request headers a cross-origin call may send beyond the CORS-safelisted ones:
 * Authorization for Gatehouse's `Authorization: Bearer <token>`, Content-Type for a JSON or XML
 * body, and the conditional and range headers of a file download.
 */
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Range, If-None-Match, If-Modified-Since, If-Range, X-Requested-With';
const ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
/** How long a browser may keep a preflight's answer (browsers cap it lower: Chromium at 2 hours). */
const PREFLIGHT_MAX_AGE = '86400';

export interface MoodleCorsOptions {
  /**
   * Response headers a page on another origin may read beyond the CORS-safelisted ones
   * (Content-Type, Content-Length, Last-Modified, Cache-Control, Expires, Pragma, Content-Language):
   * for files, e.g. ['Content-Disposition', 'Content-Range', 'Accept-Ranges', 'ETag'].
   */
  exposeHeaders?: readonly string[];
}

/**
 * Moodle's CORS for a web-service endpoint, as one middleware: mount it on the endpoint's path
 * (`app.use('/webservice/upload.php', moodleCors())`).
 * - Every answer, errors included, carries `Access-Control-Allow-Origin: *` and
 *   `Cross-Origin-Resource-Policy: cross-origin` (the site-wide secure headers set CORP
 *   same-origin, which would stop a page on another origin from embedding a file, and they keep
 *   a value set here).
 * - An OPTIONS request (a browser's preflight, sent before a call with an Authorization header or
 *   a JSON body) is answered here, 204, without reaching the endpoint.
 */
export function moodleCors(options: MoodleCorsOptions = {}): MiddlewareHandler<AppEnv> {
  const expose = options.exposeHeaders?.length ? options.exposeHeaders.join(', ') : undefined;
  const headers: HeaderList = [
    ['Access-Control-Allow-Origin', '*'],
    ['Cross-Origin-Resource-Policy', 'cross-origin'],
    ...(expose ? [['Access-Control-Expose-Headers', expose] as const] : []),
  ];
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
        'Cross-Origin-Resource-Policy': 'cross-origin',
      });
    }
    // On the Node response before the route runs when there is one, else on the answer after
    // it (lib/response-headers.ts); over the site's same-origin resource policy either way.
    const out = nodeResponse(c);
    if (out) {
      presetHeaders(out, headers);
      await next();
      return;
    }
    await next();
    addMissingHeaders(c.res.headers, headers);
  };
}
