import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { REQUEST_ID_HEADER } from '../../lib/log';
import type { HeaderList } from '../../lib/response-headers';
import type { Site } from '../../site';
import { IncomingRequest } from '../params';
import type { Exchange } from './exchange';
import type { ProtocolHandler } from './route';

// The direct lane: the protocol endpoints' calls taken from Node's request listener before the
// framework sees them. A call through Hono built, for every request, a web Request, a Context,
// the router's match, three middleware frames and @hono/node-server's listeners on both
// streams, which cost more than the call's own work (BENCHMARKS.md, issue 21). The lane runs
// the site's part of a request (site.ts) and the protocol's pipeline (route.ts) through the same
// Exchange as the Hono route, so the answers are the same (lane.test.ts compares them byte for
// byte); it writes each answer's head at once (writeHead with one list, not a setHeader per
// header). What it does not take (another path or method, `//` in the path, an OPTIONS
// preflight, a HEAD) goes to Hono as before.

/** One endpoint the lane takes. */
export interface LaneEndpoint {
  readonly path: string;
  readonly handle: ProtocolHandler;
  /** Moodle's CORS (webservice/cors.ts): Access-Control-Allow-Origin and a cross-origin resource policy. */
  readonly cors: boolean;
  /** Also `<path>/<function>` (REST), for a function name of word characters. */
  readonly functionInPath?: boolean;
}

/** A function name the lane reads from the path itself (anything else, percent-escapes included, goes to Hono). */
const WORD = /^\w+$/;

/** The head's fixed part (the site's headers, the endpoint's CORS), as writeHead's flat list. */
function fixedHead(site: Site, cors: boolean): string[] {
  const list: HeaderList = cors
    ? site.headers.map(([k, v]) => (k === 'Cross-Origin-Resource-Policy' ? [k, 'cross-origin'] : [k, v]))
    : site.headers;
  return list.flat();
}

class LaneExchange implements Exchange {
  readonly request: IncomingRequest;
  readonly started = performance.now();
  ip = '';
  reqId = '';
  readonly connection: object;

  constructor(
    readonly res: ServerResponse,
    req: IncomingMessage,
    readonly head: string[],
    /** How many of head's entries are the endpoint's fixed part. */
    readonly fixed: number,
    readonly cors: boolean,
    readonly pathFunction: string,
  ) {
    this.request = new IncomingRequest(req);
    this.connection = req.socket;
  }

  /** For the request's log lines (site.ts). */
  get var(): { reqId: string } {
    return { reqId: this.reqId };
  }

  text(body: string, status: number, contentType: string, ascii = false): Response {
    // The body goes to Node as a string: Node joins it to the head and writes both with one
    // string write (a Buffer went out as a second chunk of a writev). Latin-1 for ASCII text:
    // the same bytes, its length the string's, without UTF-8's per-character encoding.
    const own = ['Content-Type', contentType];
    if (ascii) this.write(status, body, body.length, 'latin1', own);
    else this.write(status, body, Buffer.byteLength(body, 'utf8'), 'utf8', own);
    return RESPONSE_ALREADY_SENT;
  }

  bytes(body: Uint8Array, status: number, contentType: string): Response {
    this.write(status, body, body.length, 'latin1', ['Content-Type', contentType]);
    return RESPONSE_ALREADY_SENT;
  }

  send(body: string | null, status: number, headers?: Readonly<Record<string, string>>): Response {
    const own: string[] = [];
    if (headers) for (const k in headers) own.push(k, headers[k] as string);
    if (body !== null && !headers?.['Content-Type']) own.push('Content-Type', 'text/plain;charset=UTF-8');
    const text = body ?? '';
    this.write(status, text, Buffer.byteLength(text, 'utf8'), 'utf8', own);
    return RESPONSE_ALREADY_SENT;
  }

  private write(
    status: number,
    body: string | Uint8Array,
    length: number,
    encoding: BufferEncoding,
    own: string[],
  ): void {
    const { res } = this;
    // writeHead reads the list before it returns: one list per endpoint, refilled each time.
    const head = this.head;
    let n = this.fixed;
    head[n++] = REQUEST_ID_HEADER;
    head[n++] = this.reqId;
    if (this.cors) {
      head[n++] = 'Access-Control-Allow-Origin';
      head[n++] = '*';
    }
    for (let i = 0; i < own.length; i++) head[n++] = own[i] as string;
    head[n++] = 'Content-Length';
    head[n++] = String(length);
    head[n++] = 'Server-Timing';
    head[n++] = `app;dur=${(performance.now() - this.started).toFixed(2)}`;
    head.length = n;
    res.writeHead(status, head);
    if (length === 0) res.end();
    else if (typeof body === 'string') res.end(body, encoding);
    else res.end(body);
  }
}

/**
 * The lane for the given endpoints: a request listener's first step, which answers true when it
 * took the request (and will answer it), false to leave it to the next listener.
 */
export function directLane(site: Site, endpoints: readonly LaneEndpoint[]) {
  const byPath = new Map(
    endpoints.map((e) => {
      const head = fixedHead(site, e.cors);
      return [e.path, { ...e, head, fixed: head.length }];
    }),
  );
  const inPath = [...byPath.values()].filter((e) => e.functionInPath);

  const serve = async (x: LaneExchange, req: IncomingMessage, path: string, handle: ProtocolHandler) => {
    const caller = site.caller(req.socket.remoteAddress ?? '', (name) => x.request.header(name));
    x.ip = caller.ip;
    x.reqId = caller.reqId;
    try {
      const ready = site.ready(true);
      if (ready) await ready;
      await handle(x);
    } catch (err) {
      const { res } = x;
      if (res.headersSent) res.destroy();
      else {
        const { status, body } = site.errorAnswer(x, req.method ?? '', path, err);
        x.text(JSON.stringify(body), status, 'application/json');
      }
    }
    const { res } = x;
    site.served(x, req.method ?? '', path, () => res.statusCode, performance.now() - x.started);
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const { method, url } = req;
    if ((method !== 'POST' && method !== 'GET') || url === undefined) return false;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let endpoint = byPath.get(path);
    let pathFunction = '';
    if (!endpoint) {
      for (const e of inPath) {
        if (path.length > e.path.length + 1 && path.startsWith(e.path) && path[e.path.length] === '/') {
          const name = path.slice(e.path.length + 1);
          if (WORD.test(name)) {
            endpoint = e;
            pathFunction = name;
          }
          break;
        }
      }
      if (!endpoint) return false;
    }
    const x = new LaneExchange(res, req, endpoint.head, endpoint.fixed, endpoint.cors, pathFunction);
    void serve(x, req, path, endpoint.handle);
    return true;
  };
}
