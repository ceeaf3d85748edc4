import { createHash } from 'node:crypto';
import type { ExternalDescription } from '@gatehouse/shared';
import type { Context } from 'hono';
import type { Catalogue } from '../../deps';
import type { AppEnv } from '../../types';
import { readBodyLimited } from '../params';
import { type ErrorStatus, type ProtocolAdapter, ProtocolRequestError, type PublicError } from './route';
import {
  child,
  escapeXml,
  escapeXmlMarkup,
  MAX_ANONYMOUS_XML_BYTES,
  MAX_XML_BYTES,
  parseXmlBody,
  type XNode,
} from './xml';

class RpcError extends ProtocolRequestError {}

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

/**
 * PHP's base_convert($hex, 16, 10), as PHP computes it: digits accumulate in a 64-bit integer
 * until the next would overflow it, then in a double (so the low digits of a large number are
 * a double's, not the exact ones), and a double is written out by fmod and division by 10.
 * Moodle's XML-RPC fault code is the first 8 digits of this for md5(errorcode).
 */
export function phpBaseConvertHexToDecimal(hex: string): string {
  const LONG_MAX = 0x7fffffffffffffffn;
  const cutoff = LONG_MAX / 16n;
  const cutlim = LONG_MAX % 16n;
  let num = 0n;
  let fnum = 0;
  let float = false;
  for (const ch of hex) {
    const c = Number.parseInt(ch, 16);
    // PHP skips a character that is not a digit of the base.
    if (Number.isNaN(c)) continue;
    if (!float) {
      const d = BigInt(c);
      if (num < cutoff || (num === cutoff && d <= cutlim)) {
        num = num * 16n + d;
        continue;
      }
      fnum = Number(num);
      float = true;
    }
    fnum = fnum * 16 + c;
  }
  if (!float) return num.toString(10);
  // _php_math_zvaltobase: floor, then one digit per fmod(value, 10), dividing by 10 each time.
  let value = Math.floor(fnum);
  let out = '';
  do {
    out = String(Math.trunc(value % 10)) + out;
    value /= 10;
  } while (out.length < 64 && Math.abs(value) >= 1);
  return out;
}

/** Fault codes by error code: a handful of codes exist, each computed once. */
const faultCodes = new Map<string, number>();

/**
 * Moodle's faultCode (webservice/xmlrpc/locallib.php, generate_error): the first 8 digits of
 * base_convert(md5($errorcode), 16, 10) as an int, 404 when there is no error code.
 */
export function moodleFaultCode(errorcode: string): number {
  if (!errorcode) return 404;
  let code = faultCodes.get(errorcode);
  if (code === undefined) {
    code = Number(phpBaseConvertHexToDecimal(createHash('md5').update(errorcode).digest('hex')).slice(0, 8));
    if (faultCodes.size < 1000) faultCodes.set(errorcode, code);
  }
  return code;
}

const FAULT_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>';
const FAULT_STRING = '</int></value></member><member><name>faultString</name><value><string>';
const FAULT_END = '</string></value></member></struct></value></fault></methodResponse>';

/**
 * Moodle's fault, byte for byte as PHP's xmlrpc_encode_request writes it with Moodle's options
 * (encoding UTF-8, no white space, markup escaping): a struct of faultCode and faultString and
 * nothing else. faultString is the message, then " | DEBUG INFO: <debuginfo>" when debugging
 * shows it, then " | ERRORCODE: <errorcode>", where clients read the error code from.
 */
function faultXml(e: PublicError): string {
  const debug = e.debuginfo ? ` | DEBUG INFO: ${e.debuginfo}` : '';
  const text = e.errorcode ? `${e.message}${debug} | ERRORCODE: ${e.errorcode}` : e.message;
  return `${FAULT_HEAD}${moodleFaultCode(e.errorcode)}${FAULT_STRING}${escapeXmlMarkup(text)}${FAULT_END}`;
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

function reply(c: Context<AppEnv>, xml: string, status: ErrorStatus) {
  return c.body(xml, status, { 'Content-Type': 'text/xml; charset=utf-8' });
}

/**
 * /webservice/xmlrpc/server.php: a methodCall whose method name is the function name. The
 * token (query string or Authorization header) is checked before the body is read; a body
 * without one is read only up to MAX_ANONYMOUS_XML_BYTES. Every error is a fault with HTTP 200
 * (413 for a body over the limit).
 */
export const xmlrpc: ProtocolAdapter<Uint8Array> = {
  protocol: 'xmlrpc',
  maxBytes: MAX_XML_BYTES,
  maxAnonymousBytes: MAX_ANONYMOUS_XML_BYTES,
  postOnly: 'XML-RPC calls are POST requests',
  status: { refused: 200, invalid: 200 },
  read: readBodyLimited,
  decode(deps, _c, _request, body, call) {
    const root = parseXmlBody(body);
    if (root.name !== 'methodCall') throw new RpcError('The document is not an XML-RPC methodCall');
    const methodName = child(root, 'methodName')?.text.trim() ?? '';
    const values = (child(root, 'params')?.children ?? [])
      .filter((p) => p.name === 'param')
      .map((p) => {
        const v = child(p, 'value');
        if (!v) throw new RpcError('A param needs a value');
        return decodeValue(v);
      });
    call.functionName = methodName;
    call.args = argumentsFor(deps.catalogue, methodName, values);
    return undefined;
  },
  encodeResult(c, _state, fn, value) {
    return reply(
      c,
      `${HEAD}<methodResponse><params><param>${encodeValue(value, fn.returns)}</param></params></methodResponse>\n`,
      200,
    );
  },
  encodeError(c, _state, error, status) {
    return reply(c, faultXml(error), status);
  },
};
