import { createHash } from 'node:crypto';
import type { ExternalDescription } from '@gatehouse/shared';
import { builtOnce } from '../../lib/built-once';
import { readBodyLimited } from '../params';
import { argumentsFor } from './arguments';
import type { Exchange } from './exchange';
import { type ErrorStatus, type ProtocolAdapter, ProtocolRequestError, type PublicError } from './route';
import {
  child,
  escapeXmlMarkup,
  MAX_ANONYMOUS_XML_BYTES,
  MAX_XML_BYTES,
  parseXmlBody,
  phpDouble,
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
      for (const m of typed.children) {
        if (m.name !== 'member') continue;
        const name = child(m, 'name');
        const value = child(m, 'value');
        if (!name || !value) throw new RpcError('A struct member needs a name and a value');
        if (name.text === '__proto__') continue;
        out[name.text] = decodeValue(value);
      }
      return out;
    }
    case 'array': {
      const out: unknown[] = [];
      for (const c of child(typed, 'data')?.children ?? NO_NODES) if (c.name === 'value') out.push(decodeValue(c));
      return out;
    }
    default:
      throw new RpcError(`Unknown XML-RPC type <${typed.name}>`);
  }
}

/**
 * A return value as Moodle's XML-RPC server writes it: xmlrpc_encode_request(null, $values,
 * ["encoding" => "UTF-8", "verbosity" => "no_white_space", "escaping" => ["markup"]]) of what
 * clean_returnvalue made (webservice/xmlrpc/locallib.php, prepare_response), that is PHP's
 * xmlrpc-epi (xml_to_xmlrpc.c, XMLRPC_to_xml_element_worker; xml_element.c):
 * - the zval's type, which clean_returnvalue sets from the description: an int `<int>` ("%i"),
 *   a float `<double>` ("%.*G" with PHP's precision, 14: phpDouble), a bool `<boolean>1/0`,
 *   anything else `<string>`;
 * - null as an empty string (xmlrpc-epi's xmlrpc_empty: "treat null value as empty string"),
 *   and an element without content as `<x/>`: `<string/>`, `<struct/>`, `<array><data/></array>`;
 * - a structure's members in the description's order, the keys left out that are unset; a
 *   structure with none is an empty PHP array, which xmlrpc-epi writes as an array;
 * - & < > " as decimal character references (markup escaping), all else as it is.
 * Differences, on purpose: an int outside 32 bits is written as `<i8>` (xmlrpc-epi's "%i" of a
 * C int would wrap it), and characters XML cannot carry are dropped rather than written.
 */
type Encode = (value: unknown) => string;

/**
 * Each description's encoder, built once (on first use) and kept with the description: the walk
 * along the description (which type, which keys in which order, their escaped names) is done
 * when compiling, so a call only writes the value. A structure's encoder is generated code that
 * reads each key by name. Descriptions are built once and never changed.
 */
const encoderFor = builtOnce(
  (desc: ExternalDescription): Encode =>
    desc.kind === 'value'
      ? valueEncoder(desc.type)
      : desc.kind === 'multiple'
        ? listEncoder(desc)
        : structEncoder(desc.keys),
);

const EMPTY_STRING = '<value><string/></value>';

function valueEncoder(type: string): Encode {
  switch (type) {
    case 'int':
      return (value) => {
        if (value === null || value === undefined) return EMPTY_STRING;
        const n = Number(value);
        return n >= -2_147_483_648 && n <= 2_147_483_647
          ? `<value><int>${n}</int></value>`
          : `<value><i8>${n}</i8></value>`;
      };
    case 'float':
      return (value) =>
        value === null || value === undefined ? EMPTY_STRING : `<value><double>${phpDouble(value)}</double></value>`;
    case 'bool':
      return (value) =>
        value === null || value === undefined
          ? EMPTY_STRING
          : value
            ? '<value><boolean>1</boolean></value>'
            : '<value><boolean>0</boolean></value>';
    default:
      return (value) => {
        if (value === null || value === undefined) return EMPTY_STRING;
        const text = typeof value === 'string' ? value : String(value);
        return text === '' ? EMPTY_STRING : `<value><string>${escapeXmlMarkup(text)}</string></value>`;
      };
  }
}

function listEncoder(desc: ExternalDescription & { kind: 'multiple' }): Encode {
  let item: Encode | undefined;
  return (value) => {
    if (!Array.isArray(value) || value.length === 0) return EMPTY_ARRAY;
    item ??= encoderFor(desc.content);
    let items = '<value><array><data>';
    for (let i = 0; i < value.length; i++) items += item(value[i]);
    return `${items}</data></array></value>`;
  };
}

function structEncoder(keys: Record<string, ExternalDescription>): Encode {
  const names: string[] = [];
  for (const k in keys) names.push(k);
  const subs = names.map((k) => keys[k] as ExternalDescription);
  // Sub-encoders are looked up on first use: a description may refer to itself through a list.
  const encs: (Encode | undefined)[] = names.map(() => undefined);
  const sub = (i: number): Encode => {
    let e = encs[i];
    if (e === undefined) {
      e = encoderFor(subs[i] as ExternalDescription);
      encs[i] = e;
    }
    return e;
  };
  const heads = names.map((k) => `<member><name>${escapeXmlMarkup(k)}</name>`);
  const lines = names.map(
    (k, i) =>
      `x = o[${JSON.stringify(k)}]; if (x !== undefined) m += h[${i}] + (e[${i}] ?? sub(${i}))(x) + "</member>";`,
  );
  try {
    const make = new Function(
      'h',
      'e',
      'sub',
      'EMPTY',
      `"use strict";
return function encode(o) {
  if (o === null || o === undefined) return EMPTY;
  let m = "";
  let x;
  ${lines.join('\n  ')}
  return m === "" ? EMPTY : "<value><struct>" + m + "</struct></value>";
};`,
    ) as (h: string[], e: (Encode | undefined)[], sub: (i: number) => Encode, empty: string) => Encode;
    return make(heads, encs, sub, EMPTY_ARRAY);
  } catch {
    return (value) => {
      if (value === null || value === undefined) return EMPTY_ARRAY;
      const obj = value as Record<string, unknown>;
      let members = '';
      for (let i = 0; i < names.length; i++) {
        const v = obj[names[i] as string];
        if (v !== undefined) members += `${heads[i]}${sub(i)(v)}</member>`;
      }
      return members === '' ? EMPTY_ARRAY : `<value><struct>${members}</struct></value>`;
    };
  }
}

const EMPTY_ARRAY = '<value><array><data/></array></value>';

const RESULT_HEAD = '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param>';
const RESULT_TAIL = '</param></params></methodResponse>';

/**
 * A call's answer, byte for byte as Moodle's (see encoderFor). A function without a return
 * description: Moodle sends an empty body, which most XML-RPC clients cannot read; Gatehouse
 * answers `<nil/>` (the nil extension, which PHP's xmlrpc_decode reads as null too).
 */
export function xmlrpcResult(value: unknown, returns: ExternalDescription | null): string {
  return `${RESULT_HEAD}${returns === null ? '<value><nil/></value>' : encoderFor(returns)(value)}${RESULT_TAIL}`;
}

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

const NO_NODES: readonly XNode[] = [];

function reply(x: Exchange, xml: string, status: ErrorStatus) {
  return x.text(xml, status, 'text/xml; charset=utf-8');
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
    const values: unknown[] = [];
    for (const p of child(root, 'params')?.children ?? NO_NODES) {
      if (p.name !== 'param') continue;
      const v = child(p, 'value');
      if (!v) throw new RpcError('A param needs a value');
      values.push(decodeValue(v));
    }
    call.functionName = methodName;
    call.args = argumentsFor(deps.catalogue, methodName, values);
    return undefined;
  },
  encodeResult(x, _state, fn, value) {
    return reply(x, xmlrpcResult(value, fn.returns), 200);
  },
  encodeError(x, _state, error, status) {
    return reply(x, faultXml(error), status);
  },
};
