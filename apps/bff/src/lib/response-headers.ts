import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';

// Headers that middleware adds to every answer (the site's secure headers, the request id,
// Server-Timing, Moodle's CORS), set where they cost least.
//
// Through the Node server (@hono/node-server passes the Node response as `c.env.outgoing`),
// they are set on the Node response before the handler runs: when @hono/node-server writes the
// answer, `writeHead` merges the answer's own headers over them, so a header the route set
// itself wins, and the answer's own Headers object holds only the answer's own few headers
// (setting a dozen headers on a web `Headers` object and writing them out cost more than the
// XML-RPC encoder on a site-info call; Node's setHeader costs a fraction of that). Without a
// Node response (app.request, as the tests drive the app) they go on the answer's Headers once
// it is made, with the same precedence.

/** Header names and values, built once. */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/** The part of Node's ServerResponse this module uses. */
export interface NodeResponse {
  setHeader(name: string, value: string): unknown;
  readonly headersSent: boolean;
}

/** The Node response this request is answered on, while its head is not written; undefined outside the Node server. */
export function nodeResponse(c: Context): NodeResponse | undefined {
  const out = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  return out !== undefined && typeof out.setHeader === 'function' && !out.headersSent ? out : undefined;
}

/** Sets each header on the Node response (which the answer's own headers override: see above). */
export function presetHeaders(out: NodeResponse, list: HeaderList): void {
  for (let i = 0; i < list.length; i++) {
    const h = list[i] as HeaderList[number];
    out.setHeader(h[0], h[1]);
  }
}

/** Adds each header the answer does not already carry (the answer's own value stays). */
export function addMissingHeaders(headers: Headers, list: HeaderList): void {
  for (let i = 0; i < list.length; i++) {
    const h = list[i] as HeaderList[number];
    if (!headers.has(h[0])) headers.set(h[0], h[1]);
  }
}

/**
 * The answer's headers as its own `Headers` object, made from what the route gave. Through the
 * Node server this must happen for every answer: a route may pass a shared object (a module
 * constant) as an answer's headers, and @hono/node-server writes the Content-Length into a plain
 * header object it is handed, which would then go out with every later answer that shares it.
 */
export function ownHeaders(res: Response): Headers {
  return res.headers;
}

/** `Server-Timing` for an answer whose serving began at `started` (performance.now()). */
function serverTiming(started: number): string {
  return `app;dur=${(performance.now() - started).toFixed(2)}`;
}

/** Whether the answer was written straight to the Node response (textAnswer): nothing is left to add to it. */
export function answeredDirectly(res: Response): boolean {
  return res === RESPONSE_ALREADY_SENT;
}

/**
 * A text answer (a protocol's XML or JSON) with its status and Content-Type. Through the Node
 * server it is written straight to the Node response, as one Buffer (encoded once, its length
 * known: @hono/node-server would measure the string, then encode it again to write it), with the
 * headers already set on it (presetHeaders) and `Server-Timing`; the route returns
 * RESPONSE_ALREADY_SENT. Elsewhere (app.request) it is an ordinary answer, which the site
 * middleware completes: the same status, headers and bytes either way (response-headers.test.ts).
 */
export function textAnswer(c: Context, body: string, status: number, contentType: string): Response {
  const out = nodeResponse(c) as (NodeResponse & ServerResponse) | undefined;
  if (!out) return c.body(body, status as 200, { 'Content-Type': contentType });
  const started = c.get('started') as number | undefined;
  const bytes = Buffer.from(body, 'utf8');
  out.statusCode = status;
  out.setHeader('Content-Type', contentType);
  out.setHeader('Content-Length', bytes.length);
  if (started !== undefined) out.setHeader('Server-Timing', serverTiming(started));
  out.end(bytes);
  return RESPONSE_ALREADY_SENT;
}
