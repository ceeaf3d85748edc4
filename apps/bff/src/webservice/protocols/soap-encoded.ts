import type { ExternalDescription, ExternalSingle } from '@gatehouse/shared';
import { ProtocolRequestError, type PublicError } from './route';
import type { PhpType } from './soap-wsdl';
import { libxmlAttr, libxmlText, SOAP_ENC } from './soap-wsdl';
import { child, NS, phpDouble, type XNode } from './xml';

// SOAP 1.1 RPC/encoded as Moodle's server speaks it: Moodle's SoapServer is PHP's ext/soap reading
// Moodle's WSDL (webservice/soap/classes/wsdl.php), so requests are decoded as ext/soap decodes
// them (xsi:type, SOAP-ENC:Array, Apache maps, multi-references) and answers are written as
// ext/soap writes them (php_encoding.c: to_xml_object / to_xml_array / to_xml_map, namespaces
// declared on the envelope as they are first used).

export class SoapRequestError extends ProtocolRequestError {}

/** How deep an encoded value may nest (the parser's own cap is the document's). */
const MAX_DEPTH = 64;
/** How many elements decoding may visit, multi-references followed (the parser's element cap). */
const MAX_VISITS = 25_000;

interface Refs {
  /** Where multi-reference targets are looked for: the SOAP Body. */
  readonly body: XNode;
  ids: Map<string, XNode> | undefined;
  visits: number;
}

/** The local part of a QName attribute value (`ns2:Map` → `Map`). */
function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

/** An `href="#id"` multi-reference (SOAP 1.1 section 5), resolved within the Body. */
function resolveHref(node: XNode, refs: Refs): XNode {
  const href = node.attrs.href;
  if (href === undefined) return node;
  if (!href.startsWith('#'))
    throw new SoapRequestError(`<${node.name}> refers to ${href}, which is not in the message`);
  if (!refs.ids) {
    const ids = new Map<string, XNode>();
    const stack = [refs.body];
    for (let n = stack.pop(); n; n = stack.pop()) {
      const id = n.attrs.id;
      if (id !== undefined && !ids.has(id)) ids.set(id, n);
      for (const c of n.children) stack.push(c);
    }
    refs.ids = ids;
  }
  const target = refs.ids.get(href.slice(1));
  if (!target || target.attrs.href !== undefined)
    throw new SoapRequestError(`<${node.name}> refers to ${href}, which is not in the message`);
  return target;
}

const isNil = (n: XNode) => n.attrs.nil === 'true' || n.attrs.nil === '1';
const isMap = (n: XNode) => n.attrs.type !== undefined && localName(n.attrs.type) === 'Map';

/** An Apache map's entries (`<item><key>…</key><value>…</value></item>`), as ext/soap's to_zval_map reads them. */
function mapEntries(node: XNode): [string, XNode | undefined][] {
  const out: [string, XNode | undefined][] = [];
  for (const item of node.children) {
    if (item.name !== 'item') continue;
    const key = child(item, 'key');
    if (!key) throw new SoapRequestError(`<${node.name}>: can't decode apache map, missing key`);
    if (key.children.length) throw new SoapRequestError(`<${node.name}>: a map key must be a string or an integer`);
    out.push([key.text, child(item, 'value')]);
  }
  return out;
}

/** Reads one RPC/encoded value, guided by its description and the element's xsi:type. */
function decodeEncoded(raw: XNode, desc: ExternalDescription, refs: Refs, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new SoapRequestError('The SOAP message is nested too deeply');
  if (++refs.visits > MAX_VISITS) throw new SoapRequestError('The SOAP message refers to too many elements');
  const node = resolveHref(raw, refs);
  if (isNil(node)) return null;
  if (desc.kind === 'value') {
    if (node.children.length) throw new SoapRequestError(`<${raw.name}> must hold a value, not elements`);
    return desc.type === 'bool' ? node.text.trim() : node.text;
  }
  if (desc.kind === 'multiple') {
    // A SOAP-ENC:Array (its items, whatever their names), or a map: PHP sends an array whose
    // keys are not 0, 1, 2, … (array_filter'ed, say) as one. Moodle reads only the values.
    if (isMap(node))
      return mapEntries(node).map(([, v]) => (v ? decodeEncoded(v, desc.content, refs, depth + 1) : null));
    const out = new Array(node.children.length);
    for (let i = 0; i < node.children.length; i++)
      out[i] = decodeEncoded(node.children[i] as XNode, desc.content, refs, depth + 1);
    return out;
  }
  const out = Object.create(null) as Record<string, unknown>;
  if (isMap(node)) {
    for (const [key, v] of mapEntries(node)) {
      if (Object.hasOwn(out, key)) throw new SoapRequestError(`<${raw.name}>: the key ${key} appears twice`);
      const sub = Object.hasOwn(desc.keys, key) ? desc.keys[key] : undefined;
      // Unknown keys are passed on so that validation names them.
      out[key] = v === undefined ? null : sub ? decodeEncoded(v, sub, refs, depth + 1) : v.text;
    }
    return out;
  }
  for (const c of node.children) {
    if (Object.hasOwn(out, c.name)) throw new SoapRequestError(`<${c.name}> appears twice`);
    const sub = Object.hasOwn(desc.keys, c.name) ? desc.keys[c.name] : undefined;
    out[c.name] = sub ? decodeEncoded(c, sub, refs, depth + 1) : c.text;
  }
  return out;
}

const POSITIONAL = /^param(\d{1,3})$/;

/**
 * A call's arguments from an RPC/encoded operation element: one part per parameter, by name
 * (what a client reading Moodle's WSDL sends) or, from a PHP SoapClient without a WSDL, by
 * position (`param0`, `param1`, …). A multiple-structure part repeated (node-soap's way of
 * sending an array of structures) is read as one item per element.
 */
export function decodeRpcArgs(op: XNode, body: XNode, params: ExternalSingle): Record<string, unknown> {
  const refs: Refs = { body, ids: undefined, visits: 0 };
  const keys = params.keys;
  const out = Object.create(null) as Record<string, unknown>;
  const children = op.children;
  let counts: Map<string, number> | undefined;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as XNode;
    let key = c.name;
    let desc = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (!desc) {
      const m = POSITIONAL.exec(key);
      const named = m ? Object.keys(keys)[Number(m[1])] : undefined;
      if (named !== undefined) {
        key = named;
        desc = keys[named];
      }
    }
    if (!desc) {
      // Unknown parts are passed on as text so that validation names them.
      if (Object.hasOwn(out, key)) throw new SoapRequestError(`<${key}> appears twice`);
      out[key] = c.text;
      continue;
    }
    if (desc.kind === 'multiple') counts ??= countNames(children);
    if (desc.kind === 'multiple' && (counts?.get(c.name) ?? 0) > 1) {
      if (!Object.hasOwn(out, key)) out[key] = [];
      (out[key] as unknown[]).push(decodeEncoded(c, desc.content, refs, 1));
      continue;
    }
    if (Object.hasOwn(out, key)) throw new SoapRequestError(`<${key}> appears twice`);
    out[key] = decodeEncoded(c, desc, refs, 1);
  }
  return out;
}

/** How many parts have each name: counted once, when a repeated part would matter. */
function countNames(children: readonly XNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of children) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  return counts;
}

// ---- answers ---------------------------------------------------------------------------------

const XSD = 1;
const XSI = 2;
const ENC = 4;
const MAP = 8;
const APACHE = 'http://xml.apache.org/xml-soap';

/** The namespaces an answer has used so far, declared on the envelope in that order (encode_add_ns). */
interface Ns {
  used: number;
  decls: string;
}

function use(ns: Ns, which: number): void {
  if (ns.used & which) return;
  ns.used |= which;
  ns.decls +=
    which === XSD
      ? ` xmlns:xsd="${NS.xsd}"`
      : which === XSI
        ? ` xmlns:xsi="${NS.xsi}"`
        : which === ENC
          ? ` xmlns:SOAP-ENC="${SOAP_ENC}"`
          : ` xmlns:ns2="${APACHE}"`;
}

/** A PHP value's type as ext/soap's get_array_type and guess_xml_convert see it. */
type ZKind = 'null' | 'long' | 'double' | 'true' | 'false' | 'string' | 'map' | 'array';

/** What clean_returnvalue makes of a described value in PHP: the zval type ext/soap then guesses from. */
function zkind(v: unknown, desc: ExternalDescription | undefined): ZKind {
  if (v === null || v === undefined) return 'null';
  if (!desc) return typeof v === 'string' ? 'string' : typeof v === 'boolean' ? (v ? 'true' : 'false') : 'long';
  if (desc.kind === 'value') {
    if (desc.type === 'int') return 'long';
    if (desc.type === 'float') return 'double';
    if (desc.type === 'bool') return v ? 'true' : 'false';
    return 'string';
  }
  if (desc.kind === 'multiple') return 'array';
  // A structure is a PHP array with string keys (a map), unless it has no key at all.
  for (const k in v as object) if ((v as Record<string, unknown>)[k] !== undefined) return 'map';
  return 'array';
}

/** get_type_str for an encoder of that kind, declaring its namespace. */
function typeName(kind: ZKind, ns: Ns): string {
  switch (kind) {
    case 'null':
      use(ns, XSI);
      return 'xsi:nil';
    case 'map':
      use(ns, MAP);
      return 'ns2:Map';
    case 'array':
      use(ns, ENC);
      return 'SOAP-ENC:Array';
    default:
      use(ns, XSD);
      return kind === 'long'
        ? 'xsd:int'
        : kind === 'double'
          ? 'xsd:float'
          : kind === 'string'
            ? 'xsd:string'
            : 'xsd:boolean';
  }
}

/** PHP's (int) of a value, as to_xml_long writes it. */
function phpLong(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.trunc(v)) : '0';
  if (typeof v === 'boolean') return v ? '1' : '0';
  const n = Number.parseInt(String(v), 10);
  return Number.isNaN(n) ? '0' : String(n);
}

const phpString = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? '1' : '') : String(v));

function element(name: string, attrs: string, content: string): string {
  return content ? `<${name}${attrs}>${content}</${name}>` : `<${name}${attrs}/>`;
}

function nil(name: string, ns: Ns): string {
  use(ns, XSI);
  return `<${name} xsi:nil="true"/>`;
}

/** A scalar with its xsi:type: the type's namespace, then xsi's (set_ns_and_type). */
function scalar(name: string, type: string, text: string, ns: Ns): string {
  use(ns, XSD);
  use(ns, XSI);
  return `<${name} xsi:type="${type}">${text}</${name}>`;
}

/** A value ext/soap has no WSDL type for (items of a SOAP-ENC:Array, values of a map): typed by its zval. */
function guessed(name: string, v: unknown, desc: ExternalDescription | undefined, kind: ZKind, ns: Ns): string {
  switch (kind) {
    case 'null':
      return nil(name, ns);
    case 'long':
      return scalar(name, 'xsd:int', phpLong(v), ns);
    case 'double':
      return scalar(name, 'xsd:float', phpDouble(v), ns);
    case 'true':
    case 'false':
      return scalar(name, 'xsd:boolean', kind, ns);
    case 'string':
      return scalar(name, 'xsd:string', libxmlText(phpString(v)), ns);
    case 'map': {
      // to_xml_map: the entries first, then the map's own type.
      const obj = v as Record<string, unknown>;
      const keys = desc?.kind === 'single' ? desc.keys : undefined;
      let items = '';
      use(ns, XSI);
      for (const k in obj) {
        const value = obj[k];
        if (value === undefined) continue;
        const sub = keys && Object.hasOwn(keys, k) ? keys[k] : undefined;
        items += `<item><key xsi:type="xsd:string">${libxmlText(k)}</key>${guessed('value', value, sub, zkind(value, sub), ns)}</item>`;
      }
      use(ns, MAP);
      use(ns, XSI);
      return element(name, ' xsi:type="ns2:Map"', items);
    }
    default:
      return array(name, Array.isArray(v) ? v : [], desc?.kind === 'multiple' ? desc.content : undefined, ns);
  }
}

/** to_xml_array for a soap-enc:Array without a declared item type: the items' common type, or ur-type. */
function array(name: string, items: readonly unknown[], content: ExternalDescription | undefined, ns: Ns): string {
  const n = items.length;
  let kind: ZKind | undefined;
  let different = n === 0;
  const kinds = new Array<ZKind>(n);
  for (let i = 0; i < n; i++) {
    const k = zkind(items[i], content);
    kinds[i] = k;
    if (kind === undefined) kind = k;
    else if (k !== kind) different = true;
  }
  const itemType = different || kind === undefined ? 'xsd:ur-type' : typeName(kind, ns);
  use(ns, ENC);
  if (different) use(ns, XSD);
  let out = '';
  for (let i = 0; i < n; i++) out += guessed('item', items[i], content, kinds[i] as ZKind, ns);
  use(ns, XSI);
  return element(name, ` SOAP-ENC:arrayType="${itemType}[${n}]" xsi:type="SOAP-ENC:Array"`, out);
}

/** A value of a type Moodle's WSDL declares (a part, or a field of a struct class). */
function modelled(name: string, p: PhpType, v: unknown, ns: Ns): string {
  if (v === null || v === undefined) return nil(name, ns);
  switch (p.t) {
    case 'int':
      return scalar(name, 'xsd:int', phpLong(v), ns);
    case 'double':
      return scalar(name, 'xsd:double', phpDouble(v), ns);
    case 'string':
      return scalar(name, 'xsd:string', libxmlText(phpString(v)), ns);
    case 'array':
      return array(name, Array.isArray(v) ? v : [], p.desc.content, ns);
    default: {
      // to_xml_object with the struct's model: every field, absent ones nil, then the type.
      const obj = v as Record<string, unknown>;
      let fields = '';
      for (const [k, fp] of p.fields) fields += modelled(k, fp, obj[k], ns);
      use(ns, XSI);
      return element(name, ` xsi:type="ns1:${p.name}"`, fields);
    }
  }
}

/**
 * The answer to a call, as PHP's SoapServer writes it for Moodle's WSDL: the response element
 * `ns1:{function}Response` in the endpoint's namespace with one `return` part typed per the WSDL.
 */
export function rpcResponse(fnName: string, returns: PhpType | null, value: unknown, namespace: string): string {
  const ns: Ns = { used: 0, decls: '' };
  const ret = returns ? modelled('return', returns, value, ns) : '';
  use(ns, XSD);
  use(ns, ENC);
  return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soapEnvelope}" xmlns:ns1="${libxmlAttr(namespace)}"${ns.decls} SOAP-ENV:encodingStyle="${SOAP_ENC}"><SOAP-ENV:Body>${element(`ns1:${fnName}Response`, '', ret)}</SOAP-ENV:Body></SOAP-ENV:Envelope>
`;
}

const FAULT_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soapEnvelope}"><SOAP-ENV:Body><SOAP-ENV:Fault>`;
const FAULT_TAIL = '</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>\n';

/**
 * A fault raised during a call, as webservice_soap_server::fault() hands it to SoapServer::fault
 * (webservice/soap/locallib.php): faultcode Receiver, faultstring `<message> | ERRORCODE: <code>`
 * with the message only when debugging (else Moodle's "Unknown error"), the error code as the
 * faultactor, the debug info as the detail when debugging.
 */
export function moodleFault(e: PublicError, debugging: boolean): string {
  const message = debugging ? e.message : 'Unknown error';
  const detail = debugging && e.debuginfo ? `<detail>${libxmlText(e.debuginfo)}</detail>` : '';
  return `${FAULT_HEAD}<faultcode>Receiver</faultcode><faultstring>${libxmlText(
    `${message} | ERRORCODE: ${e.errorcode}`,
  )}</faultstring><faultactor>${libxmlText(e.errorcode)}</faultactor>${detail}${FAULT_TAIL}`;
}

/**
 * A refusal before the call (the token's part of the chain), as webservice_soap_server::send_error
 * writes it (webservice/soap/locallib.php, a DOMDocument): faultcode MOODLE:error, the message
 * with ` - <debuginfo>` when debugging, no faultactor; Moodle answers it with HTTP 200.
 */
export function moodleSendError(e: PublicError): string {
  const info = e.debuginfo ? `${e.message} - ${e.debuginfo}` : e.message;
  return `${FAULT_HEAD}<faultcode>MOODLE:error</faultcode><faultstring>${libxmlText(info)}</faultstring>${FAULT_TAIL}`;
}
