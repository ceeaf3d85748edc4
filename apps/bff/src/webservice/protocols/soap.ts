import type { ExternalDescription, ExternalSingle } from '@gatehouse/shared';
import type { Deps } from '../../deps';
import { builtOnce } from '../../lib/built-once';
import { cachedToken, checkProtocol, checkService, checkToken, loadToken } from '../access';
import type { ServiceFunctions } from '../access-cache';
import { type CallRequest, callAccess } from '../call';
import { readBodyLimited } from '../params';
import type { ExternalFunction } from '../types';
import type { Exchange } from './exchange';
import type { ErrorStatus, ProtocolAdapter, PublicError } from './route';
import { decodeRpcArgs, moodleFault, moodleSendError, rpcResponse, SoapRequestError } from './soap-encoded';
import { buildDocumentWsdl, buildRpcWsdl, type PhpType, type RpcModel, rpcModel } from './soap-wsdl';
import { child, escapeXml, MAX_ANONYMOUS_XML_BYTES, MAX_XML_BYTES, NS, parseXmlBody, type XNode } from './xml';

// SOAP 1.1 at /webservice/soap/server.php in two styles on one endpoint. By default Moodle's
// contract: RPC/encoded, the WSDL as Moodle's wsdl.php writes it, answers and faults as PHP's
// SoapServer writes them for Moodle (soap-encoded.ts). As an opt-in (`&style=document`),
// Gatehouse's document/literal contract, which .NET and zeep prefer (below). A request to the
// address of the document/literal WSDL (`style=document`) is read as document/literal; any other
// one in the style its body is written in: document/literal when the body declares Gatehouse's
// target namespace (urn:gatehouse:webservice, the one every document/literal operation is
// qualified with), RPC/encoded otherwise (its namespace is the endpoint URL, or any URI a PHP
// client without the WSDL was given).

// ---- document/literal ------------------------------------------------------------------------

/** Reads an element into a value: built once per description (readerFor), so a call walks only its XML. */
type Reader = (node: XNode) => unknown;

/** Reads a function's arguments from a document/literal operation element, by the description's reader. */
export function decodeElement(node: XNode, desc: ExternalDescription): unknown {
  return readerFor(desc)(node);
}

const readerFor = builtOnce((desc: ExternalDescription): Reader => makeReader(desc));

const isNilElement = (node: XNode) => node.attrs.nil === 'true' || node.attrs.nil === '1';

function makeReader(desc: ExternalDescription): Reader {
  if (desc.kind === 'value') {
    const trim = desc.type === 'bool';
    return (node) => {
      if (isNilElement(node)) return null;
      if (node.children.length) throw new SoapRequestError(`<${node.name}> must hold a value, not elements`);
      return trim ? node.text.trim() : node.text;
    };
  }
  if (desc.kind === 'multiple') {
    const item = readerFor(desc.content);
    return (node) => {
      if (isNilElement(node)) return null;
      const children = node.children;
      const out = new Array(children.length);
      for (let i = 0; i < children.length; i++) out[i] = item(children[i] as XNode);
      return out;
    };
  }
  const fields = structReader(desc.keys);
  return (node) => (isNilElement(node) ? null : fields(node));
}

/** A structure's elements, each by its key's reader (own keys only: `__proto__` is an unknown element). */
function structReader(keys: Record<string, ExternalDescription>): Reader {
  const byName = new Map(Object.keys(keys).map((k) => [k, readerFor(keys[k] as ExternalDescription)]));
  return (node) => {
    const out = Object.create(null) as Record<string, unknown>;
    for (const c of node.children) {
      if (Object.hasOwn(out, c.name)) throw new SoapRequestError(`<${c.name}> appears twice`);
      const read = byName.get(c.name);
      // Unknown elements are passed on as text so that validation names them.
      out[c.name] = read ? read(c) : c.text;
    }
    return out;
  };
}

const operationReaderFor = builtOnce((params: ExternalSingle) => structReader(params.keys));

/** A document/literal operation element's arguments: its children, by the function's parameters. */
function decodeOperation(op: XNode, params: ExternalSingle): Record<string, unknown> {
  return operationReaderFor(params)(op) as Record<string, unknown>;
}

/** What an element holds for a value that is neither undefined nor null, by its description. */
type Inner = (value: unknown) => string;

/**
 * Each description's encoder of an element's content, built once (on first use) and kept with the
 * description: a structure's is generated code with its keys and their tags written in. An
 * element's tags belong to where it appears (`return`, `item`, a key), so they are its parent's.
 */
const innerFor = builtOnce(
  (desc: ExternalDescription): Inner =>
    desc.kind === 'value' ? valueInner : desc.kind === 'multiple' ? listInner(desc.content) : structInner(desc.keys),
);

const valueInner: Inner = (value) => escapeXml(typeof value === 'string' ? value : String(value));

function listInner(content: ExternalDescription): Inner {
  let item: Inner | undefined;
  return (value) => {
    if (!Array.isArray(value)) return '';
    item ??= innerFor(content);
    let out = '';
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v === undefined) continue;
      out += v === null ? '<item xsi:nil="true"/>' : `<item>${item(v)}</item>`;
    }
    return out;
  };
}

function structInner(keys: Record<string, ExternalDescription>): Inner {
  const names: string[] = [];
  for (const k in keys) names.push(k);
  const subs = names.map((k) => keys[k] as ExternalDescription);
  // Sub-encoders are looked up on first use: a description may refer to itself through a list.
  const encs: (Inner | undefined)[] = names.map(() => undefined);
  const sub = (i: number): Inner => {
    let e = encs[i];
    if (e === undefined) {
      e = innerFor(subs[i] as ExternalDescription);
      encs[i] = e;
    }
    return e;
  };
  const opens = names.map((k) => `<${k}>`);
  const closes = names.map((k) => `</${k}>`);
  const nils = names.map((k) => `<${k} xsi:nil="true"/>`);
  const lines = names.map(
    (k, i) =>
      `x = o[${JSON.stringify(k)}]; if (x !== undefined) out += x === null ? n[${i}] : a[${i}] + (e[${i}] ?? sub(${i}))(x) + z[${i}];`,
  );
  try {
    const make = new Function(
      'a',
      'z',
      'n',
      'e',
      'sub',
      `"use strict";
return function encode(o) {
  let out = "";
  let x;
  ${lines.join('\n  ')}
  return out;
};`,
    ) as (a: string[], z: string[], n: string[], e: (Inner | undefined)[], sub: (i: number) => Inner) => Inner;
    return make(opens, closes, nils, encs, sub);
  } catch {
    return (value) => {
      const obj = value as Record<string, unknown>;
      let out = '';
      for (let i = 0; i < names.length; i++) {
        const x = obj[names[i] as string];
        if (x !== undefined) out += x === null ? nils[i] : `${opens[i]}${sub(i)(x)}${closes[i]}`;
      }
      return out;
    };
  }
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soapEnvelope}" xmlns:xsi="${NS.xsi}"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

/** A document/literal answer: the function's `{name}Response` element holding its `return`. */
export function documentResponse(fn: Pick<ExternalFunction, 'name' | 'returns'>, value: unknown): string {
  const ret =
    !fn.returns || value === undefined
      ? ''
      : value === null
        ? '<return xsi:nil="true"/>'
        : `<return>${innerFor(fn.returns)(value)}</return>`;
  return envelope(`<${fn.name}Response xmlns="${NS.gatehouse}">${ret}</${fn.name}Response>`);
}

/**
 * A document/literal fault (the `style=document` contract): the Moodle error code as faultcode,
 * the message as faultstring, all of it in detail.
 */
function documentFault(e: PublicError): string {
  const detail = `<exception xmlns="${NS.gatehouse}"><exception>${escapeXml(e.exception)}</exception><errorcode>${escapeXml(
    e.errorcode,
  )}</errorcode><message>${escapeXml(e.message)}</message>${e.debuginfo ? `<debuginfo>${escapeXml(e.debuginfo)}</debuginfo>` : ''}</exception>`;
  return envelope(
    `<SOAP-ENV:Fault><faultcode>${escapeXml(e.errorcode)}</faultcode><faultstring>${escapeXml(e.message)}</faultstring><detail>${detail}</detail></SOAP-ENV:Fault>`,
  );
}

/** A request's style, as decode found it: document/literal, or RPC/encoded with what its answer needs. */
type SoapState = typeof DOCUMENT | RpcState;
const DOCUMENT = { style: 'document' } as const;
interface RpcState {
  readonly style: 'rpc';
  readonly deps: Deps;
  readonly call: CallRequest;
  /** The query string's wstoken: the endpoint's address, the answer's namespace, carries it. */
  readonly wstoken: string | null;
}

// The target namespace as a namespace declaration's value, in either quotes. The parser keeps no
// namespace declarations, so the body's bytes are searched (natively, once) instead.
const GATEHOUSE_NS_DQ = Buffer.from(`"${NS.gatehouse}"`);
const GATEHOUSE_NS_SQ = Buffer.from(`'${NS.gatehouse}'`);

/** Whether a body declares Gatehouse's target namespace: a document/literal request. */
function declaresGatehouse(body: Uint8Array): boolean {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return buf.indexOf(GATEHOUSE_NS_DQ) >= 0 || buf.indexOf(GATEHOUSE_NS_SQ) >= 0;
}

const XML_TYPE = 'text/xml; charset=utf-8';
/** The headers of Moodle's own SOAP answers (webservice_soap_server::send_headers): the WSDL and send_error. */
const moodleHeaders = {
  'Content-Type': 'application/xml; charset=utf-8',
  'Cache-Control': 'private, must-revalidate, pre-check=0, post-check=0, max-age=0',
  Expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
  Pragma: 'no-cache',
  'Accept-Ranges': 'none',
  'Content-Disposition': 'inline; filename="response.xml"',
};

function xml(x: Exchange, body: string, status: ErrorStatus) {
  return x.text(body, status, XML_TYPE);
}

/** What rawurlencode leaves as it is (a token's characters, for one). */
const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;

/** PHP's rawurlencode, as moodle_url writes the token into the endpoint URL. */
function rawurlencode(s: string): string {
  if (UNRESERVED.test(s)) return s;
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Where SOAP clients send their calls, from the public URL (GATEHOUSE_WWWROOT), never the
 * request's Host: Moodle's `server.php?wstoken=…` (also the RPC contract's namespace), without
 * the query for a token sent in an Authorization header.
 */
function serviceAddress(deps: Deps, wstoken: string | null | undefined): string {
  return `${deps.env.wwwroot}/webservice/soap/server.php${wstoken ? `?wstoken=${rawurlencode(wstoken)}` : ''}`;
}

const models = new WeakMap<ServiceFunctions, RpcModel>();
const ownModels = new WeakMap<ExternalFunction, PhpType | null>();

/** Moodle's model of a service's functions (struct class names depend on all of them), cached per function list. */
function serviceModel(deps: Deps, functions: ServiceFunctions): RpcModel {
  let model = models.get(functions);
  if (!model) {
    model = rpcModel(functions.list.map((n) => deps.catalogue.get(n)).filter((f): f is ExternalFunction => !!f));
    models.set(functions, model);
  }
  return model;
}

/**
 * How Moodle's WSDL types a function's return value. Only a structure's class name depends on
 * the rest of the service (the classes are numbered across it), so only then is the token's
 * service looked at; other returns are typed from the function alone.
 */
function returnType(state: RpcState, fn: ExternalFunction): PhpType | null {
  if (fn.returns?.kind === 'single') {
    const held = callAccess(state.deps, state.call);
    const method = held && serviceModel(state.deps, held.functions).byName.get(fn.name);
    if (method) return method.returns;
  }
  let own = ownModels.get(fn);
  if (own === undefined) {
    own = rpcModel([fn]).methods[0]?.returns ?? null;
    ownModels.set(fn, own);
  }
  return own;
}

const debugging = (deps: Deps) => deps.settings.get('debug') !== 'none';

/**
 * `?wsdl=1`: the WSDL of the token's service, after the token's and the service's part of the
 * chain: Moodle's RPC/encoded one, or with `&style=document` Gatehouse's document/literal one
 * (whose address carries `style=document`, so that refusals before a call is read answer in
 * that style too).
 */
async function wsdlAnswer(deps: Deps, x: Exchange, call: CallRequest, query: URLSearchParams) {
  checkProtocol(deps, 'soap');
  const found = checkToken(deps, 'soap', cachedToken(deps, call.token) ?? (await loadToken(deps, call.token)), call.ip);
  const service = checkService(deps, found, call.ip);
  const wstoken = query.get('wstoken');
  if (query.get('style') === 'document') {
    const fns = service.functions.map((n) => deps.catalogue.get(n)).filter((f): f is ExternalFunction => !!f);
    const address = serviceAddress(deps, wstoken);
    const location = `${address}${address.includes('?') ? '&' : '?'}style=document`;
    return xml(x, buildDocumentWsdl(fns, location, `gatehouse_${service.shortname}`), 200);
  }
  return x.send(buildRpcWsdl(serviceModel(deps, found.functions), serviceAddress(deps, wstoken)), 200, moodleHeaders);
}

/**
 * /webservice/soap/server.php: SOAP 1.1, Moodle's RPC/encoded contract by default and
 * document/literal as an opt-in, told apart by the request's body. `?wsdl=1` returns the WSDL
 * of the token's service, generated from the catalogue. The token (query string or
 * Authorization header) is checked before the body is read; a body without one is read only up
 * to MAX_ANONYMOUS_XML_BYTES.
 *
 * HTTP statuses as Moodle's: a refusal before the call (the token's part of the chain, also for
 * a WSDL request) is Moodle's send_error fault with 200; a fault during the call is 500 (413 for
 * a body over the limit). The document/literal style answers every fault with 500 (or 413).
 */
export const soap: ProtocolAdapter<Uint8Array, SoapState> = {
  protocol: 'soap',
  maxBytes: MAX_XML_BYTES,
  maxAnonymousBytes: MAX_ANONYMOUS_XML_BYTES,
  postOnly: 'SOAP calls are POST requests (or GET ?wsdl=1 for the WSDL)',
  status: { refused: 200, invalid: 500 },
  answer(deps, x, call, query) {
    const { method } = x.request;
    if (!query?.has('wsdl') || (method !== 'GET' && method !== 'HEAD')) return undefined;
    return wsdlAnswer(deps, x, call, query);
  },
  read: readBodyLimited,
  decode(deps, _c, request, body, call) {
    const root = parseXmlBody(body);
    if (root.name !== 'Envelope') throw new SoapRequestError('The document is not a SOAP envelope');
    const soapBody = child(root, 'Body');
    const op = soapBody?.children[0];
    if (!soapBody || !op) throw new SoapRequestError('The SOAP body holds no operation');
    call.functionName = op.name;
    const fn = deps.catalogue.get(op.name);
    const { query } = request;
    if (query.get('style') === 'document' || declaresGatehouse(body)) {
      call.args = fn ? decodeOperation(op, fn.parameters) : {};
      return DOCUMENT;
    }
    call.args = fn ? decodeRpcArgs(op, soapBody, fn.parameters) : {};
    return { style: 'rpc', deps, call, wstoken: query.get('wstoken') };
  },
  encodeResult(x, state, fn, value) {
    if (state.style === 'document') return xml(x, documentResponse(fn, value), 200);
    const namespace = serviceAddress(state.deps, state.wstoken);
    return xml(x, rpcResponse(fn.name, returnType(state, fn), value, namespace), 200);
  },
  encodeError(x, state, error, status) {
    // A refusal (200) is a 500 everywhere but before a call in Moodle's style; 404 and 413 stay.
    const failed: ErrorStatus = status === 413 || status === 404 ? status : 500;
    if (state?.style === 'document') return xml(x, documentFault(error), failed);
    if (state) {
      // A call without any token is refused by the chain after its body was read: still the
      // token's part of the chain, which Moodle answers with send_error.
      if (status === 200 && state.call.token === undefined && error.errorcode === 'invalidtoken')
        return x.send(moodleSendError(error), 200, moodleHeaders);
      return xml(x, moodleFault(error, debugging(state.deps)), failed);
    }
    // Not read as a call: a refusal before the body (status 200) or a body that is not a call.
    if (x.request.query.get('style') === 'document') return xml(x, documentFault(error), failed);
    if (status === 200) return x.send(moodleSendError(error), 200, moodleHeaders);
    // What the request got wrong is Gatehouse's own finding: its message is always shown.
    return xml(x, moodleFault(error, true), failed);
  },
};
