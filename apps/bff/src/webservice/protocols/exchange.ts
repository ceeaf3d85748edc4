import type { Context } from 'hono';
import { textAnswer } from '../../lib/response-headers';
import type { AppEnv } from '../../types';
import { type RawRequest, rawRequest } from '../params';

/**
 * One protocol request and the way to answer it, whoever carries it: a Hono context (every
 * request app.request makes, and the protocol paths the direct lane does not take) or the
 * direct lane (lane.ts: the protocol endpoints straight from Node's request, without the
 * framework). The protocol pipeline (route.ts) and the codecs see only this, so both carriers
 * run the same code and answer the same bytes.
 */
export interface Exchange {
  readonly request: RawRequest;
  /** The client's address (behind trusted proxies, the forwarded one). */
  readonly ip: string;
  /** The request's id (X-Request-Id). */
  readonly reqId: string;
  /** The function the path names (REST's /server.php/<function>), or ''. */
  readonly pathFunction: string;
  /** The connection (socket) it came on, where there is one: a kept-alive client's token is hashed once (access.ts). */
  readonly connection?: object;
  /**
   * A text answer (a protocol's XML or JSON): encoded once, its length known. `ascii`: the body
   * is all ASCII (PHP's json_encode escapes everything else), so its bytes are its characters.
   */
  text(body: string, status: number, contentType: string, ascii?: boolean): Response;
  /** A binary answer (AMF). */
  bytes(body: Uint8Array, status: number, contentType: string): Response;
  /** Any other answer: an empty body (null), or text with headers of its own. */
  send(body: string | null, status: number, headers?: Readonly<Record<string, string>>): Response;
}

/** The exchange of a Hono context (the site middleware has run: reqId and actor are set). */
class ContextExchange implements Exchange {
  readonly request: RawRequest;

  constructor(
    readonly c: Context<AppEnv>,
    readonly pathFunction: string,
  ) {
    this.request = rawRequest(c);
  }

  get ip(): string {
    return this.c.get('actor').ip;
  }

  get connection(): object | undefined {
    return this.request.incoming?.socket;
  }

  get reqId(): string {
    return this.c.get('reqId');
  }

  text(body: string, status: number, contentType: string): Response {
    return textAnswer(this.c, body, status, contentType);
  }

  bytes(body: Uint8Array, status: number, contentType: string): Response {
    return this.c.body(body as Uint8Array<ArrayBuffer>, status as 200, { 'Content-Type': contentType });
  }

  send(body: string | null, status: number, headers?: Readonly<Record<string, string>>): Response {
    return body === null ? this.c.body(null, status as 200, headers) : this.c.body(body, status as 200, headers);
  }
}

export function contextExchange(c: Context<AppEnv>, pathFunction = ''): Exchange {
  return new ContextExchange(c, pathFunction);
}
