import type { ExternalDescription } from '@gatehouse/shared';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Catalogue, Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { ProtocolDisabled, protocolRefused, tokenFrom } from '../access';
import { publicError, refusalBeforeBody, runCall } from '../call';
import { MoodleException } from '../exceptions';
import { decodeUtf8, ParamsError, rawRequest, readBodyLimited } from '../params';
import { faultCode, missingTokenRefusal } from './faults';
import { child, escapeXml, MAX_ANONYMOUS_XML_BYTES, MAX_XML_BYTES, parseXml, XmlError, type XNode } from './xml';

class RpcError extends Error {}

/** Decodes an XML-RPC <value>. */
export function decodeValue(v: XNode): unknown {
  const typed = v.children[0];
  if (!typed) return v.text;
  switch (typed.name) {
    case 'int':
    case 'i4':
    case 'i8': {
      const n = Number(typed.text.trim());
      if (!Number.isSafeInteger(n)) throw new RpcError(`Not an integer: ${typed.text.slice(0, 40)}`);
      return n;
    }
    case 'double': {
      const n = Number(typed.text.trim());
      if (!Number.isFinite(n)) throw new RpcError(`Not a number: ${typed.text.slice(0, 40)}`);
      return n;
    }
    case 'boolean':
      if (typed.text.trim() === '1') return true;
      if (typed.text.trim() === '0') return false;
      throw new RpcError('A boolean must be 0 or 1');
    case 'string':
    case 'dateTime.iso8601':
    case 'base64':
      return typed.text;
    case 'nil':
      return null;
    case 'struct': {
      const out = Object.create(null) as Record<string, unknown>;
      for (const m of typed.children.filter((c) => c.name === 'member')) {
        const name = child(m, 'name');
        const value = child(m, 'value');
        if (!name || !value) throw new RpcError('A struct member needs a name and a value');
        if (name.text === '__proto__') continue;
        out[name.text] = decodeValue(value);
      }
      return out;
    }
    case 'array': {
      const data = child(typed, 'data');
      return (data?.children ?? []).filter((c) => c.name === 'value').map(decodeValue);
    }
    default:
      throw new RpcError(`Unknown XML-RPC type <${typed.name}>`);
  }
}

/** Encodes a return value as an XML-RPC <value>, typed after the description. */
function encodeValue(value: unknown, desc: ExternalDescription | null): string {
  if (value === null || value === undefined || desc === null) return '<value><nil/></value>';
  if (desc.kind === 'value') {
    switch (desc.type) {
      case 'int': {
        const n = Number(value);
        return Math.abs(n) <= 2_147_483_647 ? `<value><int>${n}</int></value>` : `<value><i8>${n}</i8></value>`;
      }
      case 'float':
        return `<value><double>${Number(value)}</double></value>`;
      case 'bool':
        return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
      default:
        return `<value><string>${escapeXml(String(value))}</string></value>`;
    }
  }
  if (desc.kind === 'multiple') {
    const items = Array.isArray(value) ? value : [];
    return `<value><array><data>${items.map((v) => encodeValue(v, desc.content)).join('')}</data></array></value>`;
  }
  const obj = value as Record<string, unknown>;
  const members = Object.entries(desc.keys)
    .filter(([k]) => obj[k] !== undefined)
    .map(([k, sub]) => `<member><name>${escapeXml(k)}</name>${encodeValue(obj[k], sub)}</member>`)
    .join('');
  return `<value><struct>${members}</struct></value>`;
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

function member(name: string, value: string): string {
  return `<member><name>${name}</name>${value}</member>`;
}

function faultXml(e: ReturnType<typeof publicError>): string {
  const str = (s: string) => `<value><string>${escapeXml(s)}</string></value>`;
  return `${HEAD}<methodResponse><fault><value><struct>${member('faultCode', `<value><int>${faultCode(e)}</int></value>`)}${member(
    'faultString',
    str(e.message),
  )}${member('errorcode', str(e.errorcode))}${member('exception', str(e.exception))}${
    e.debuginfo ? member('debuginfo', str(e.debuginfo)) : ''
  }</struct></value></fault></methodResponse>\n`;
}

/**
 * Maps the call's parameters to the function's arguments: one struct of named arguments (the
 * usual form), or positional values in the order the function declares its parameters.
 */
export function argumentsFor(catalogue: Catalogue, functionName: string, values: unknown[]): unknown {
  const fn = catalogue.get(functionName);
  if (!fn) return {};
  const keys = Object.keys(fn.parameters.keys);
  const first = values[0];
  const isStruct = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (values.length === 0) return {};
  if (values.length === 1 && isStruct(first) && Object.keys(first).every((k) => keys.includes(k))) return first;
  if (values.length > keys.length)
    throw new RpcError(`${functionName} takes ${keys.length} parameter(s), ${values.length} given`);
  const out = Object.create(null) as Record<string, unknown>;
  values.forEach((v, i) => {
    out[keys[i] as string] = v;
  });
  return out;
}

function reply(c: Context<AppEnv>, xml: string) {
  return c.body(xml, 200, { 'Content-Type': 'text/xml; charset=utf-8' });
}

/**
 * /webservice/xmlrpc/server.php: a methodCall whose method name is the function name. The
 * token (query string or Authorization header) is checked before the body is read; a body
 * without one is read only up to MAX_ANONYMOUS_XML_BYTES.
 */
export function xmlrpcRoutes(deps: Deps) {
  return new Hono<AppEnv>().all('/', async (c) => {
    if (protocolRefused(deps, 'xmlrpc')) return c.body(null, 403);
    const request = rawRequest(c);
    const query = new URL(c.req.url).searchParams;
    const token = tokenFrom(request.header('authorization'), query.get('wstoken') ?? undefined);
    const ip = c.get('actor').ip;
    const refuse = (e: MoodleException, status: 200 | 413 = 200) =>
      c.body(faultXml(publicError(deps, e)), status, { 'Content-Type': 'text/xml; charset=utf-8' });
    const fault = (message: string, status: 200 | 413 = 200) =>
      refuse(new MoodleException('invalid_parameter_exception', 'invalidparameter', message), status);
    let methodName = '';
    let args: unknown = {};
    try {
      if (c.req.method !== 'POST') throw new RpcError('XML-RPC calls are POST requests');
      const refusal = refusalBeforeBody(deps, 'xmlrpc', token, ip, c.var.reqId);
      if (refusal) return refuse(refusal);
      const limit = token === undefined ? MAX_ANONYMOUS_XML_BYTES : MAX_XML_BYTES;
      const text = decodeUtf8(await readBodyLimited(request, limit));
      const root = parseXml(text);
      if (root.name !== 'methodCall') throw new RpcError('The document is not an XML-RPC methodCall');
      methodName = child(root, 'methodName')?.text.trim() ?? '';
      const values = (child(root, 'params')?.children ?? [])
        .filter((p) => p.name === 'param')
        .map((p) => {
          const v = child(p, 'value');
          if (!v) throw new RpcError('A param needs a value');
          return decodeValue(v);
        });
      args = argumentsFor(deps.catalogue, methodName, values);
    } catch (err) {
      if (err instanceof ProtocolDisabled) return c.body(null, 403);
      if (err instanceof ParamsError) {
        if (err.status === 413 && token === undefined) return refuse(missingTokenRefusal());
        return fault(err.message, err.status === 413 ? 413 : 200);
      }
      if (err instanceof XmlError || err instanceof RpcError) return fault(err.message);
      throw err;
    }
    try {
      const outcome = await runCall(deps, {
        protocol: 'xmlrpc',
        token,
        functionName: methodName,
        args,
        ip,
        reqId: c.var.reqId,
      });
      if (!outcome.ok) return reply(c, faultXml(publicError(deps, outcome.error)));
      return reply(
        c,
        `${HEAD}<methodResponse><params><param>${encodeValue(outcome.value, outcome.fn.returns)}</param></params></methodResponse>\n`,
      );
    } catch (err) {
      if (err instanceof ProtocolDisabled) return c.body(null, 403);
      throw err;
    }
  });
}
