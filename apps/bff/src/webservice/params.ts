/**
 * Request parameters as Moodle's protocol servers read them: the query string plus a form body
 * (urlencoded or multipart) in PHP bracket notation (`groups[0][courseid]=2`, nested to any
 * depth within the limit), or a JSON body. Built on null-prototype objects, so no key can reach
 * Object.prototype.
 */
import { isUtf8 } from 'node:buffer';
import { IncomingMessage } from 'node:http';
import { PHP_KEY_ORDER } from '@gatehouse/shared';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

export class ParamsError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

export type Params = Record<string, unknown>;

export interface ParamLimits {
  /** Largest body in bytes. */
  maxBytes?: number;
  /** Deepest nesting of brackets or JSON structures. */
  maxDepth?: number;
  /** Most parameters in one request. */
  maxParams?: number;
}

export const DEFAULT_LIMITS = { maxBytes: 4 * 1024 * 1024, maxDepth: 32, maxParams: 20_000 } as const;

/** Splits `a[b][0][]` into ['a', 'b', '0', '']; a malformed key is taken literally, as PHP does. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) break;
    parts.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  return parts;
}

function node(): Params {
  return Object.create(null) as Params;
}

/**
 * A canonical array index ("0", "7", not "07" or "-1"): the keys JavaScript enumerates first,
 * in ascending order, whatever order they were set in. PHP reads the same keys as integers and
 * keeps them in insertion order.
 */
function indexOf(k: string): number {
  const n = k.length;
  if (n === 0 || n > 10) return -1;
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && n > 1)) return -1;
  for (let i = 1; i < n; i++) {
    const d = k.charCodeAt(i);
    if (d < 48 || d > 57) return -1;
  }
  const v = Number(k);
  return v < 4294967295 ? v : -1;
}

/** What fromPairs knows of a node's keys, for PHP's next index and its key order. */
interface KeyState {
  /** PHP's next free index for `a[]`: one past the largest integer key so far (0 at first). */
  next: number;
  /** A key that is not an index has been set: an index set after it is out of JavaScript's order. */
  named: boolean;
  /** Every key in insertion order, once that order is not JavaScript's. */
  order?: string[];
}

/** Notes a key new to a nested node, before it is set. */
function added(states: Map<Params, KeyState>, cur: Params, k: string): void {
  const index = indexOf(k);
  let st = states.get(cur);
  if (!st) {
    st = { next: 0, named: false };
    states.set(cur, st);
  }
  if (st.order) st.order.push(k);
  else if (index < 0) st.named = true;
  else if (st.named || index < st.next - 1) st.order = [...Object.keys(cur), k];
  if (index >= st.next) st.next = index + 1;
}

/**
 * Builds nested parameters from flat bracket-notation pairs, as PHP builds $_GET and $_POST:
 * `a[]` appends at one past the largest integer key, and where keys were set out of
 * JavaScript's enumeration order (`values[2]=b&values[0]=a`) the node records PHP's order
 * under PHP_KEY_ORDER, which the validator follows for a list.
 */
export function fromPairs(pairs: Iterable<[string, string]>, limits: ParamLimits = {}): Params {
  const maxDepth = limits.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const maxParams = limits.maxParams ?? DEFAULT_LIMITS.maxParams;
  const root = node();
  // Only nested nodes: the top level is a single structure, read by name.
  const states = new Map<Params, KeyState>();
  let n = 0;
  for (const [key, value] of pairs) {
    if (++n > maxParams) throw new ParamsError(`Too many parameters (at most ${maxParams})`);
    const path = splitKey(key);
    if (path.length - 1 > maxDepth) throw new ParamsError(`Parameters nested too deeply (at most ${maxDepth} levels)`);
    let cur = root;
    for (let i = 0; i < path.length; i++) {
      let k = path[i] as string;
      const last = i === path.length - 1;
      // a[]=x appends, like PHP (O(1): the next index is remembered per node).
      if (k === '' && i > 0) k = String(states.get(cur)?.next ?? 0);
      const existing = cur[k];
      if (existing === undefined && cur !== root) added(states, cur, k);
      if (last) {
        if (typeof existing === 'object' && existing !== null)
          throw new ParamsError(`Parameter "${key}" conflicts with another parameter`);
        cur[k] = value;
      } else {
        if (existing === undefined) cur[k] = node();
        else if (typeof existing !== 'object' || existing === null) {
          throw new ParamsError(`Parameter "${key}" conflicts with another parameter`);
        }
        cur = cur[k] as Params;
      }
    }
  }
  for (const [obj, st] of states) {
    if (st.order) Object.defineProperty(obj, PHP_KEY_ORDER, { value: st.order });
  }
  return root;
}

function depthOf(v: unknown, limit: number, depth = 0): void {
  if (depth > limit) throw new ParamsError(`Parameters nested too deeply (at most ${limit} levels)`);
  if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) depthOf(x, limit, depth + 1);
}

/**
 * A protocol request: under the Node server the `IncomingMessage` (read directly: building a full
 * web `Request` with a web stream and an abort signal for every call cost about a quarter of a
 * REST call's CPU in a profile), else the web `Request` (app.request, as the tests drive the app).
 */
export interface RawRequest {
  readonly method: string;
  /** The request line's target (path and query as the client sent them), or the web Request's URL. */
  readonly target: string;
  readonly incoming?: IncomingMessage;
  /** The web Request, where the request came as one (through Hono). */
  readonly raw?: Request;
  /** A request header (lower-case name), read without building a web `Headers` when possible. */
  header(name: string): string | undefined;
  /** The query string's parameters, parsed once (from Node's request line when there is one). */
  readonly query: URLSearchParams;
}

/** A RawRequest as one object per request (a method, not a closure). */
export class IncomingRequest implements RawRequest {
  #query: URLSearchParams | undefined;

  constructor(
    readonly incoming: IncomingMessage | undefined,
    readonly raw?: Request,
  ) {}

  get method(): string {
    return this.raw?.method ?? this.incoming?.method ?? 'GET';
  }

  get target(): string {
    return this.incoming?.url ?? this.raw?.url ?? '/';
  }

  header(name: string): string | undefined {
    const { incoming } = this;
    if (!incoming) return this.raw?.headers.get(name) ?? undefined;
    const v = incoming.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  get query(): URLSearchParams {
    if (this.#query) return this.#query;
    // The request line's target (path and query) as the client sent it: no URL to build.
    const { target } = this;
    const q = target.indexOf('?');
    const hash = target.indexOf('#', q);
    this.#query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1, hash < 0 ? undefined : hash));
    return this.#query;
  }
}

/** The request of a Hono context, with the Node IncomingMessage when there is one. */
export function rawRequest(c: Context): RawRequest {
  const bound = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return new IncomingRequest(bound instanceof IncomingMessage ? bound : undefined, c.req.raw);
}

function tooLarge(maxBytes: number) {
  return new ParamsError(`The request body is too large (at most ${maxBytes} bytes)`, 413);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  // One chunk (most bodies): as it is, not copied. Node's stream hands out a new Buffer each time.
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Reads the body up to the limit, refusing more without buffering it all. */
export async function readBodyLimited(req: RawRequest, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(req.header('content-length') ?? '');
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const { incoming } = req;
  // Straight from Node's stream, unless something has started reading it already.
  if (incoming && incoming.readableFlowing === null && !incoming.readableDidRead) {
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > maxBytes) {
          // The rest is read and dropped (not destroyed), so the 413 reaches the client and the
          // connection stays usable.
          done();
          incoming.resume();
          reject(tooLarge(maxBytes));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        done();
        resolve(concat(chunks, size));
      };
      const onError = () => {
        done();
        reject(new ParamsError('The request body could not be read'));
      };
      const done = () => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onError);
      };
      incoming.on('data', onData);
      incoming.on('end', onEnd);
      incoming.on('error', onError);
    });
  }
  const stream = req.raw?.body;
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

const NOT_UTF8 = 'The request is not valid UTF-8';

/** A percent-escape of a byte outside ASCII: only those can make a sequence that is not UTF-8. */
const NON_ASCII_ESCAPE = /%[89a-f][0-9a-f]/i;
/** A % that escapes nothing (URLSearchParams and PHP keep it as it is). */
const BARE_PERCENT = /%(?![0-9a-f]{2})/gi;

/**
 * Refuses percent-encoded bytes that are not UTF-8 (`%ff%fe`): URLSearchParams would decode
 * them to U+FFFD, which would then be stored. The fields are separated by ASCII (`&`, `=`), and
 * no multi-byte sequence can hold an ASCII byte, so checking the whole text at once checks
 * every name and value. decodeURIComponent refuses exactly what is not UTF-8 (stray or missing
 * continuation bytes, overlongs, surrogates, past U+10FFFF); only text with a non-ASCII escape
 * is checked at all.
 */
function checkPercentUtf8(encoded: string): void {
  if (!encoded.includes('%') || !NON_ASCII_ESCAPE.test(encoded)) return;
  try {
    decodeURIComponent(encoded.replace(BARE_PERCENT, '%25'));
  } catch {
    throw new ParamsError(`${NOT_UTF8}: a percent-encoded field holds bytes that are not UTF-8`);
  }
}

/** A form body's or query string's pairs, as PHP reads them, refusing bytes that are not UTF-8. */
function formPairs(encoded: string): Iterable<[string, string]> {
  // Nothing to decode (no escape, no `+`, no leading `?`): the pairs as they are, split here,
  // as URLSearchParams splits them (empty pairs skipped, a name alone has the empty value).
  if (!ENCODED.test(encoded)) return plainPairs(encoded);
  checkPercentUtf8(encoded);
  return new URLSearchParams(encoded).entries();
}

/** What URLSearchParams would decode or strip: an escape, a `+`, a leading `?`. */
const ENCODED = /[%+]|^\?/;

function plainPairs(encoded: string): [string, string][] {
  const pairs: [string, string][] = [];
  let at = 0;
  const n = encoded.length;
  while (at <= n) {
    let end = encoded.indexOf('&', at);
    if (end < 0) end = n;
    if (end > at) {
      const eq = encoded.indexOf('=', at);
      pairs.push(
        eq < 0 || eq > end ? [encoded.slice(at, end), ''] : [encoded.slice(at, eq), encoded.slice(eq + 1, end)],
      );
    }
    at = end + 1;
  }
  return pairs;
}

/** The query string's pairs, without parsing the whole URL again. */
function queryPairs(url: string): Iterable<[string, string]> {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const hash = url.indexOf('#', q);
  const encoded = url.slice(q + 1, hash < 0 ? undefined : hash);
  try {
    return formPairs(encoded);
  } catch (e) {
    if (e instanceof ParamsError) throw e;
    throw new ParamsError('The query string is malformed');
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  // isUtf8 (simdutf) then a plain decode: cheaper than a fatal TextDecoder on the call path.
  if (!isUtf8(bytes)) throw new ParamsError(NOT_UTF8);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Query string and body, merged (the body wins), with every limit enforced. */
export async function readParams(request: RawRequest, limits: ParamLimits = {}): Promise<Params> {
  const maxBytes = limits.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  const maxDepth = limits.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const params = fromPairs(queryPairs(request.target), limits);
  const { method } = request;
  if (method === 'GET' || method === 'HEAD') return params;
  const contentType = request.header('content-type') ?? '';
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'multipart/form-data') {
    const declared = Number(request.header('content-length') ?? '');
    if (Number.isFinite(declared) && declared > maxBytes)
      throw new ParamsError(`The request body is too large (at most ${maxBytes} bytes)`, 413);
    let form: FormData;
    try {
      const body = await readBodyLimited(request, maxBytes);
      form = await new Response(body, {
        headers: { 'content-type': contentType },
      }).formData();
    } catch (e) {
      if (e instanceof ParamsError) throw e;
      // The form reader decodes text fields strictly: bytes that are not UTF-8 fail it too.
      throw new ParamsError('The multipart body is malformed, or a text field in it is not valid UTF-8');
    }
    const pairs: [string, string][] = [];
    for (const [k, v] of form.entries()) if (typeof v === 'string') pairs.push([k, v]);
    return mergeInto(params, fromPairs(pairs, limits));
  }
  const body = decodeUtf8(await readBodyLimited(request, maxBytes));
  if (!body.trim()) return params;
  if (type === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ParamsError('The JSON body is malformed');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ParamsError('The JSON body must be an object');
    depthOf(json, maxDepth);
    return mergeInto(params, json as Params);
  }
  // application/x-www-form-urlencoded, and bodies without a type, as PHP reads them.
  return mergeInto(params, fromPairs(formPairs(body), limits));
}

function mergeInto(target: Params, source: Params): Params {
  for (const k of Object.keys(source)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    target[k] = source[k];
  }
  return target;
}
