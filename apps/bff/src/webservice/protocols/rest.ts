import type { ExternalDescription } from '@gatehouse/shared';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { ProtocolDisabled, protocolRefused, tokenFrom } from '../access';
import { publicError, runCall } from '../call';
import { MoodleException } from '../exceptions';
import { ParamsError, rawRequest, readParams } from '../params';
import { scalarText } from './scalar';
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

function restXmlResponse(value: unknown, desc: ExternalDescription | null): string {
  return `${XML_HEAD}<RESPONSE>\n${xmlize(value, desc)}</RESPONSE>\n`;
}

function restXmlError(e: ReturnType<typeof publicError>): string {
  return `${XML_HEAD}<EXCEPTION class="${escapeXml(e.exception)}">\n<ERRORCODE>${escapeXml(e.errorcode)}</ERRORCODE>\n<MESSAGE>${escapeXml(
    e.message,
  )}</MESSAGE>\n${e.debuginfo ? `<DEBUGINFO>${escapeXml(e.debuginfo)}</DEBUGINFO>\n` : ''}</EXCEPTION>\n`;
}

function send(
  c: Context<AppEnv>,
  format: 'json' | 'xml',
  body: { value: unknown; desc: ExternalDescription | null } | { error: ReturnType<typeof publicError> },
  status: 200 | 400 | 413 = 200,
) {
  if (format === 'json') {
    return c.body('error' in body ? JSON.stringify(body.error) : JSON.stringify(body.value ?? null), status, {
      'Content-Type': 'application/json; charset=utf-8',
    });
  }
  return c.body('error' in body ? restXmlError(body.error) : restXmlResponse(body.value, body.desc), status, {
    'Content-Type': 'application/xml; charset=utf-8',
  });
}

/**
 * /webservice/rest/server.php: wstoken (or Authorization: Bearer), wsfunction,
 * moodlewsrestformat=xml|json (xml by default); arguments as PHP bracket fields in the query
 * or a form body, or as a JSON body. Function errors answer HTTP 200 in Moodle's shapes.
 *
 * /webservice/rest/server.php/<function> is the same endpoint with the function in the path
 * (JSON by default): one path per function, which is what the OpenAPI documents describe.
 */
export function restRoutes(deps: Deps) {
  const handle = async (c: Context<AppEnv>, pathFunction?: string) => {
    if (protocolRefused(deps, 'rest')) return c.body(null, 403);
    const defaultFormat = pathFunction ? 'json' : 'xml';
    const request = rawRequest(c);
    let params: Record<string, unknown>;
    try {
      params = await readParams(request);
    } catch (err) {
      if (!(err instanceof ParamsError)) throw err;
      // The parameters could not be read: the query string alone says which format to answer in.
      const requested = c.req.query('moodlewsrestformat');
      const queryFormat = requested === 'json' || requested === 'xml' ? requested : defaultFormat;
      const error = publicError(
        deps,
        new MoodleException('invalid_parameter_exception', 'invalidparameter', err.message),
      );
      return send(c, queryFormat, { error }, err.status);
    }
    const format =
      params.moodlewsrestformat === 'json' || params.moodlewsrestformat === 'xml'
        ? params.moodlewsrestformat
        : defaultFormat;
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) if (!SERVER_PARAMS.has(k)) args[k] = v;
    try {
      const outcome = await runCall(deps, {
        protocol: 'rest',
        token: tokenFrom(request.header('authorization'), params.wstoken),
        functionName: pathFunction ?? (typeof params.wsfunction === 'string' ? params.wsfunction : ''),
        args,
        ip: c.get('actor').ip,
        reqId: c.var.reqId,
      });
      if (outcome.ok) return send(c, format, { value: outcome.value, desc: outcome.fn.returns });
      return send(c, format, { error: publicError(deps, outcome.error) });
    } catch (err) {
      if (err instanceof ProtocolDisabled) return c.body(null, 403);
      throw err;
    }
  };
  return new Hono<AppEnv>().all('/', (c) => handle(c)).all('/:wsfunction', (c) => handle(c, c.req.param('wsfunction')));
}
