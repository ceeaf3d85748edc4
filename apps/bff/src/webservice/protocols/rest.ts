import type { ExternalDescription } from '@gatehouse/shared';
import type { Context } from 'hono';
import type { AppEnv } from '../../types';
import { tokenFrom } from '../access';
import { DEFAULT_LIMITS, type Params, type RawRequest, readParams } from '../params';
import type { ErrorStatus, ProtocolAdapter, PublicError } from './route';
import { escapeXml } from './xml';

/** Parameters that belong to the REST server, not to the function. */
const SERVER_PARAMS = new Set([
  'wstoken',
  'wsfunction',
  'moodlewsrestformat',
  'moodlewssettingfilter',
  'moodlewssettingfileurl',
  'moodlewssettingraw',
  'moodlewssettinglang',
  'moodlewssettingtimezone',
]);

type Format = 'json' | 'xml';

/** A scalar as text: booleans as 1/0, as Moodle's REST XML writes them. */
function scalarText(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/** Moodle's REST XML: RESPONSE, MULTIPLE, SINGLE, KEY name, VALUE (null="null"), driven by the description. */
function xmlize(value: unknown, desc: ExternalDescription | null): string {
  if (desc === null) return '';
  if (desc.kind === 'value') {
    if (value === null || value === undefined) return '<VALUE null="null"/>\n';
    return `<VALUE>${escapeXml(scalarText(value))}</VALUE>\n`;
  }
  if (desc.kind === 'multiple') {
    const items = Array.isArray(value) ? value : [];
    return `<MULTIPLE>\n${items.map((v) => xmlize(v, desc.content)).join('')}</MULTIPLE>\n`;
  }
  const obj = (value ?? {}) as Record<string, unknown>;
  const keys = Object.entries(desc.keys)
    .map(([k, sub]) => `<KEY name="${escapeXml(k)}">${xmlize(obj[k] ?? null, sub)}</KEY>\n`)
    .join('');
  return `<SINGLE>\n${keys}</SINGLE>\n`;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n';

function restXmlError(e: PublicError): string {
  return `${XML_HEAD}<EXCEPTION class="${escapeXml(e.exception)}">\n<ERRORCODE>${escapeXml(e.errorcode)}</ERRORCODE>\n<MESSAGE>${escapeXml(
    e.message,
  )}</MESSAGE>\n${e.debuginfo ? `<DEBUGINFO>${escapeXml(e.debuginfo)}</DEBUGINFO>\n` : ''}</EXCEPTION>\n`;
}

function json(c: Context<AppEnv>, body: string, status: ErrorStatus) {
  return c.body(body, status, { 'Content-Type': 'application/json; charset=utf-8' });
}

function xml(c: Context<AppEnv>, body: string, status: ErrorStatus) {
  return c.body(body, status, { 'Content-Type': 'application/xml; charset=utf-8' });
}

/** Parameters read through the REST server's own reader (readParams, with its limits). */
const readRestParams = (request: RawRequest) => readParams(request);

/**
 * /webservice/rest/server.php: wstoken (or Authorization: Bearer), wsfunction,
 * moodlewsrestformat=xml|json (xml by default); arguments as PHP bracket fields in the query
 * or a form body, or as a JSON body. Function errors answer HTTP 200 in Moodle's shapes; a
 * request whose parameters cannot be read answers 400 (413 when too large).
 *
 * /webservice/rest/server.php/<function> is the same endpoint with the function in the path
 * (JSON by default): one path per function, which is what the OpenAPI documents describe.
 */
export const rest: ProtocolAdapter<Params, Format> = {
  protocol: 'rest',
  functionInPath: true,
  // The token may come in the body, so the whole request is read (readParams' limits).
  maxBytes: DEFAULT_LIMITS.maxBytes,
  status: { refused: 200, invalid: 400 },
  read: readRestParams,
  decode(_deps, _c, request, params, call) {
    const inPath = call.functionName !== '';
    const requested = params.moodlewsrestformat;
    const format: Format = requested === 'json' || requested === 'xml' ? requested : inPath ? 'json' : 'xml';
    const args: Record<string, unknown> = {};
    // readParams builds null-prototype objects: every key for..in sees is the request's own.
    for (const k in params) if (!SERVER_PARAMS.has(k)) args[k] = params[k];
    call.token = tokenFrom(request.header('authorization'), params.wstoken);
    if (!inPath) call.functionName = typeof params.wsfunction === 'string' ? params.wsfunction : '';
    call.args = args;
    return format;
  },
  encodeResult(c, format, fn, value) {
    if (format === 'json') return json(c, JSON.stringify(value ?? null), 200);
    return xml(c, `${XML_HEAD}<RESPONSE>\n${xmlize(value, fn.returns)}</RESPONSE>\n`, 200);
  },
  encodeError(c, format, error, status) {
    // A request whose parameters could not be read: the query string alone says which format to answer in.
    const answerIn = format ?? queryFormat(c);
    return answerIn === 'json' ? json(c, JSON.stringify(error), status) : xml(c, restXmlError(error), status);
  },
};

function queryFormat(c: Context<AppEnv>): Format {
  const requested = c.req.query('moodlewsrestformat');
  if (requested === 'json' || requested === 'xml') return requested;
  return c.req.param('wsfunction') ? 'json' : 'xml';
}
