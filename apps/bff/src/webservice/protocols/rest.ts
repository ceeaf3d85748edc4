import { cleanReturnValueAsJson, type ExternalDescription, phpJsonEncode } from '@gatehouse/shared';
import { tokenFrom } from '../access';
import { DEFAULT_LIMITS, type Params, type RawRequest, readParams } from '../params';
import type { ExternalFunction } from '../types';
import type { Exchange } from './exchange';
import type { ErrorStatus, ProtocolAdapter, PublicError } from './route';
import { escapeXml, phpDouble } from './xml';

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

/**
 * Moodle's REST XML (webservice/rest/locallib.php, xmlize_result, Moodle 4.x): RESPONSE, then
 * MULTIPLE / SINGLE / KEY name / VALUE driven by the description. Every key of a structure is
 * written, in the description's order, one whose value is unset or null (isset) as
 * `<VALUE null="null"/>`; a structure that is null has all its keys so; a list that is not one
 * is an empty MULTIPLE. A value is htmlspecialchars((string)$value, ENT_COMPAT): booleans 1/0,
 * floats with PHP's precision (phpDouble), & < > " escaped (and characters XML cannot carry
 * dropped, where PHP would write them and break the document).
 */
function xmlize(value: unknown, desc: ExternalDescription | null): string {
  if (desc === null) return '';
  if (desc.kind === 'value') {
    if (value === null || value === undefined) return '<VALUE null="null"/>\n';
    if (typeof value === 'string') return `<VALUE>${escapeXml(value)}</VALUE>\n`;
    if (typeof value === 'boolean') return value ? '<VALUE>1</VALUE>\n' : '<VALUE>0</VALUE>\n';
    if (typeof value === 'number' && desc.type === 'float') return `<VALUE>${phpDouble(value)}</VALUE>\n`;
    return `<VALUE>${escapeXml(String(value))}</VALUE>\n`;
  }
  if (desc.kind === 'multiple') {
    let out = '<MULTIPLE>\n';
    if (Array.isArray(value)) for (const v of value) out += xmlize(v, desc.content);
    return `${out}</MULTIPLE>\n`;
  }
  const obj = (value ?? EMPTY) as Record<string, unknown>;
  let out = '<SINGLE>\n';
  for (const k in desc.keys)
    out += `<KEY name="${escapeXml(k)}">${xmlize(obj[k], desc.keys[k] as ExternalDescription)}</KEY>\n`;
  return `${out}</SINGLE>\n`;
}

const EMPTY: Record<string, unknown> = Object.freeze(Object.create(null));

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n';

/** A call's answer in REST's XML, byte for byte as Moodle's send_response writes it. */
export function restXmlResult(value: unknown, returns: ExternalDescription | null): string {
  return `${XML_HEAD}<RESPONSE>\n${xmlize(value, returns)}</RESPONSE>\n`;
}

function restXmlError(e: PublicError): string {
  return `${XML_HEAD}<EXCEPTION class="${escapeXml(e.exception)}">\n<ERRORCODE>${escapeXml(e.errorcode)}</ERRORCODE>\n<MESSAGE>${escapeXml(
    e.message,
  )}</MESSAGE>\n${e.debuginfo ? `<DEBUGINFO>${escapeXml(e.debuginfo)}</DEBUGINFO>\n` : ''}</EXCEPTION>\n`;
}

/** PHP's json_encode text (phpJsonEncode, phpJsonAnswer): ASCII only, every other character escaped. */
function json(x: Exchange, body: string, status: ErrorStatus) {
  return x.text(body, status, 'application/json; charset=utf-8', true);
}

function xml(x: Exchange, body: string, status: ErrorStatus) {
  return x.text(body, status, 'application/xml; charset=utf-8');
}

/** A JSON call's answer: its return value cleaned and written as json_encode writes it, in one pass. */
const jsonAnswer = (fn: ExternalFunction, raw: unknown) => cleanReturnValueAsJson(fn.returns, raw);

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
    // JSON: the return value cleaned and written in one pass (encodeResult gets the text).
    if (format === 'json') call.answer = jsonAnswer;
    return format;
  },
  encodeResult(x, format, fn, value) {
    // Moodle's REST server answers json_encode($validatedvalues): `\/` for slashes, `\uXXXX` outside ASCII.
    if (format === 'json') return json(x, value as string, 200);
    return xml(x, restXmlResult(value, fn.returns), 200);
  },
  encodeError(x, format, error, status) {
    // A request whose parameters could not be read: the query string alone says which format to answer in.
    const answerIn = format ?? queryFormat(x);
    return answerIn === 'json' ? json(x, phpJsonEncode(error), status) : xml(x, restXmlError(error), status);
  },
};

function queryFormat(x: Exchange): Format {
  const requested = x.request.query.get('moodlewsrestformat');
  if (requested === 'json' || requested === 'xml') return requested;
  return x.pathFunction ? 'json' : 'xml';
}
