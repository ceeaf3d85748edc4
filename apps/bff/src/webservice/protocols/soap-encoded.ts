import type { ExternalDescription, ExternalSingle } from '@gatehouse/shared';
import { builtOnce } from '../../lib/built-once';
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

/**
 * Reads one RPC/encoded value: the element's xsi:type and multi-references say how, its
 * description what. Built once per description (encodedReaderFor), so a call walks only its XML.
 */
type EncodedReader = (raw: XNode, refs: Refs, depth: number) => unknown;

const encodedReaderFor = builtOnce((desc: ExternalDescription): EncodedReader => makeEncodedReader(desc));

/** The element a value is read from (its multi-reference followed), or null for a nil one; the caps checked. */
function target(raw: XNode, refs: Refs, depth: number): XNode | null {
  if (depth > MAX_DEPTH) throw new SoapRequestError('The SOAP message is nested too deeply');
  if (++refs.visits > MAX_VISITS) throw new SoapRequestError('The SOAP message refers to too many elements');
  const node = resolveHref(raw, refs);
  return isNil(node) ? null : node;
}

function makeEncodedReader(desc: ExternalDescription): EncodedReader {
  if (desc.kind === 'value') {
    const trim = desc.type === 'bool';
    return (raw, refs, depth) => {
      const node = target(raw, refs, depth);
      if (!node) return null;
      if (node.children.length) throw new SoapRequestError(`<${raw.name}> must hold a value, not elements`);
      return trim ? node.text.trim() : node.text;
    };
  }
  if (desc.kind === 'multiple') {
    const item = encodedReaderFor(desc.content);
    return (raw, refs, depth) => {
      const node = target(raw, refs, depth);
      if (!node) return null;
      // A SOAP-ENC:Array (its items, whatever their names), or a map: PHP sends an array whose
      // keys are not 0, 1, 2, … (array_filter'ed, say) as one. Moodle reads only the values.
      if (isMap(node)) return mapEntries(node).map(([, v]) => (v ? item(v, refs, depth + 1) : null));
      const children = node.children;
      const out = new Array(children.length);
      for (let i = 0; i < children.length; i++) out[i] = item(children[i] as XNode, refs, depth + 1);
      return out;
    };
  }
  // The keys' readers, by name (own keys only: `__proto__` is an unknown key).
  const keys = desc.keys;
  const byName = new Map(Object.keys(keys).map((k) => [k, encodedReaderFor(keys[k] as ExternalDescription)]));
  return (raw, refs, depth) => {
    const node = target(raw, refs, depth);
    if (!node) return null;
    const out = Object.create(null) as Record<string, unknown>;
    if (isMap(node)) {
      for (const [key, v] of mapEntries(node)) {
        if (Object.hasOwn(out, key)) throw new SoapRequestError(`<${raw.name}>: the key ${key} appears twice`);
        const read = byName.get(key);
        // Unknown keys are passed on so that validation names them.
        out[key] = v === undefined ? null : read ? read(v, refs, depth + 1) : v.text;
      }
      return out;
    }
    for (const c of node.children) {
      if (Object.hasOwn(out, c.name)) throw new SoapRequestError(`<${c.name}> appears twice`);
      const read = byName.get(c.name);
      out[c.name] = read ? read(c, refs, depth + 1) : c.text;
    }
    return out;
  };
}

const POSITIONAL = /^param(\d{1,3})$/;

/**
 * A call's arguments from an RPC/encoded operation element: one part per parameter, by name
 * (what a client reading Moodle's WSDL sends) or, from a PHP SoapClient without a WSDL, by
 * position (`param0`, `param1`, …). A multiple-structure part repeated (node-soap's way of
 * sending an array of structures) is read as one item per element.
 */
export function decodeRpcArgs(op: XNode, body: XNode, params: ExternalSingle): Record<string, unknown> {
  const { byName, names } = partsOf(params);
  const refs: Refs = { body, ids: undefined, visits: 0 };
  const out = Object.create(null) as Record<string, unknown>;
  const children = op.children;
  let counts: Map<string, number> | undefined;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as XNode;
    let key = c.name;
    let part = byName.get(key);
    if (!part) {
      const m = POSITIONAL.exec(key);
      const named = m ? names[Number(m[1])] : undefined;
      if (named !== undefined) {
        key = named;
        part = byName.get(named);
      }
    }
    if (!part) {
      // Unknown parts are passed on as text so that validation names them.
      if (Object.hasOwn(out, key)) throw new SoapRequestError(`<${key}> appears twice`);
      out[key] = c.text;
      continue;
    }
    if (part.item) {
      counts ??= countNames(children);
      if ((counts.get(c.name) ?? 0) > 1) {
        if (!Object.hasOwn(out, key)) out[key] = [];
        (out[key] as unknown[]).push(part.item(c, refs, 1));
        continue;
      }
    }
    if (Object.hasOwn(out, key)) throw new SoapRequestError(`<${key}> appears twice`);
    out[key] = part.read(c, refs, 1);
  }
  return out;
}

/** A function's parts: each parameter's reader (and, for a list, its items'), and their order for `paramN`. */
interface RpcParts {
  byName: Map<string, { read: EncodedReader; item?: EncodedReader }>;
  names: string[];
}

const partsOf = builtOnce((params: ExternalSingle): RpcParts => {
  const names = Object.keys(params.keys);
  const byName = new Map(
    names.map((k) => {
      const desc = params.keys[k] as ExternalDescription;
      const item = desc.kind === 'multiple' ? encodedReaderFor(desc.content) : undefined;
      return [k, { read: encodedReaderFor(desc), item }];
    }),
  );
  return { byName, names };
});

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

/**
 * How a value is written where ext/soap has no WSDL type for it (items of a SOAP-ENC:Array,
 * values of a map), for one description (or none): `kind` is what clean_returnvalue makes of the
 * value in PHP, the zval type ext/soap then guesses from; `write` writes it typed by that kind.
 * Built once per description (guessFor) with the description's decisions taken.
 */
interface Guess {
  kind(v: unknown): ZKind;
  write(t: Tags, v: unknown, kind: ZKind, ns: Ns): string;
}

const guessOf = builtOnce(makeGuess);

function guessFor(desc: ExternalDescription | undefined): Guess {
  return desc === undefined ? UNDESCRIBED : guessOf(desc);
}

/** An item's or a map value's element (the only names ext/soap gives untyped values), its tags written in. */
interface Tags {
  readonly name: string;
  /** Every kind but a map and an array (guessed's scalars). */
  scalar(v: unknown, kind: ZKind, ns: Ns): string;
}

function tags(name: string): Tags {
  const nilTag = `<${name} xsi:nil="true"/>`;
  const close = `</${name}>`;
  const long = `<${name} xsi:type="xsd:int">`;
  const double = `<${name} xsi:type="xsd:float">`;
  const bool = `<${name} xsi:type="xsd:boolean">`;
  const string = `<${name} xsi:type="xsd:string">`;
  return {
    name,
    scalar(v, kind, ns) {
      if (kind === 'null') {
        use(ns, XSI);
        return nilTag;
      }
      use(ns, XSD);
      use(ns, XSI);
      switch (kind) {
        case 'long':
          return long + phpLong(v) + close;
        case 'double':
          return double + phpDouble(v) + close;
        case 'true':
        case 'false':
          return bool + kind + close;
        default:
          return string + libxmlText(phpString(v)) + close;
      }
    },
  };
}

const ITEM = tags('item');
const VALUE = tags('value');

/** to_xml_map: the entries first (each value guessed by its key's description, if any), then the map's own type. */
function writeMap(name: string, obj: Record<string, unknown>, entry: (k: string) => Entry, ns: Ns): string {
  let items = '';
  use(ns, XSI);
  for (const k in obj) {
    const value = obj[k];
    if (value === undefined) continue;
    const e = entry(k);
    items += `${e.head}${e.guess.write(VALUE, value, e.guess.kind(value), ns)}</item>`;
  }
  use(ns, MAP);
  use(ns, XSI);
  return element(name, ' xsi:type="ns2:Map"', items);
}

/** A map entry's opening (its key) and how its value is guessed. */
interface Entry {
  readonly head: string;
  readonly guess: Guess;
}

const entryHead = (k: string) => `<item><key xsi:type="xsd:string">${libxmlText(k)}</key>`;
/** An entry for a key no description names: made when met (its text is the data's). */
const undescribedEntry = (k: string): Entry => ({ head: entryHead(k), guess: UNDESCRIBED });

/** A value without a description: typed by its JavaScript type. */
const UNDESCRIBED: Guess = {
  kind: (v) =>
    v === null || v === undefined
      ? 'null'
      : typeof v === 'string'
        ? 'string'
        : typeof v === 'boolean'
          ? v
            ? 'true'
            : 'false'
          : 'long',
  write(t, v, kind, ns) {
    if (kind === 'map') return writeMap(t.name, v as Record<string, unknown>, undescribedEntry, ns);
    if (kind === 'array') return array(t.name, Array.isArray(v) ? v : [], UNDESCRIBED, ns);
    return t.scalar(v, kind, ns);
  },
};

function makeGuess(desc: ExternalDescription): Guess {
  if (desc.kind === 'value') {
    const t = desc.type;
    const fixed: ZKind = t === 'int' ? 'long' : t === 'float' ? 'double' : t === 'bool' ? 'true' : 'string';
    return {
      kind:
        t === 'bool'
          ? (v) => (v === null || v === undefined ? 'null' : v ? 'true' : 'false')
          : (v) => (v === null || v === undefined ? 'null' : fixed),
      write: (t, v, kind, ns) => {
        if (kind === 'map') return writeMap(t.name, v as Record<string, unknown>, undescribedEntry, ns);
        if (kind === 'array') return array(t.name, Array.isArray(v) ? v : [], UNDESCRIBED, ns);
        return t.scalar(v, kind, ns);
      },
    };
  }
  if (desc.kind === 'multiple') {
    let content: Guess | undefined;
    return {
      kind: (v) => (v === null || v === undefined ? 'null' : 'array'),
      write: (t, v, kind, ns) => {
        if (kind === 'map') return writeMap(t.name, v as Record<string, unknown>, undescribedEntry, ns);
        if (kind === 'array') {
          content ??= guessFor(desc.content);
          return array(t.name, Array.isArray(v) ? v : [], content, ns);
        }
        return t.scalar(v, kind, ns);
      },
    };
  }
  const keys = desc.keys;
  const entries = new Map<string, Entry>();
  const entry = (k: string): Entry => {
    let e = entries.get(k);
    if (e === undefined) {
      if (!Object.hasOwn(keys, k)) return undescribedEntry(k);
      e = { head: entryHead(k), guess: guessFor(keys[k]) };
      entries.set(k, e);
    }
    return e;
  };
  return {
    // A structure is a PHP array with string keys (a map), unless it has no key at all.
    kind: (v) => {
      if (v === null || v === undefined) return 'null';
      for (const k in v as object) if ((v as Record<string, unknown>)[k] !== undefined) return 'map';
      return 'array';
    },
    write: (t, v, kind, ns) => {
      if (kind === 'map') return writeMap(t.name, v as Record<string, unknown>, entry, ns);
      if (kind === 'array') return array(t.name, Array.isArray(v) ? v : [], UNDESCRIBED, ns);
      return t.scalar(v, kind, ns);
    },
  };
}

/** to_xml_array for a soap-enc:Array without a declared item type: the items' common type, or ur-type. */
function array(name: string, items: readonly unknown[], content: Guess, ns: Ns): string {
  const n = items.length;
  let kind: ZKind | undefined;
  let different = n === 0;
  const kinds = new Array<ZKind>(n);
  for (let i = 0; i < n; i++) {
    const k = content.kind(items[i]);
    kinds[i] = k;
    if (kind === undefined) kind = k;
    else if (k !== kind) different = true;
  }
  const itemType = different || kind === undefined ? 'xsd:ur-type' : typeName(kind, ns);
  use(ns, ENC);
  if (different) use(ns, XSD);
  let out = '';
  for (let i = 0; i < n; i++) out += content.write(ITEM, items[i], kinds[i] as ZKind, ns);
  use(ns, XSI);
  return element(name, ` SOAP-ENC:arrayType="${itemType}[${n}]" xsi:type="SOAP-ENC:Array"`, out);
}

/** A value of a type Moodle's WSDL declares, under one element name: its tags written in. */
type Modelled = (v: unknown, ns: Ns) => string;

/** Each struct class's writer of its fields, built once (on first use) per class. */
const structFields = new WeakMap<PhpType, Modelled>();
/** Each return type's writer of the `return` part. */
const returnWriters = new WeakMap<PhpType, Modelled>();

/** A value of a type Moodle's WSDL declares (a part, or a field of a struct class), under `name`. */
function modelled(name: string, p: PhpType): Modelled {
  const nilTag = `<${name} xsi:nil="true"/>`;
  const nilOf = (ns: Ns) => {
    use(ns, XSI);
    return nilTag;
  };
  const close = `</${name}>`;
  switch (p.t) {
    case 'int': {
      const open = `<${name} xsi:type="xsd:int">`;
      return (v, ns) => {
        if (v === null || v === undefined) return nilOf(ns);
        use(ns, XSD);
        use(ns, XSI);
        return open + phpLong(v) + close;
      };
    }
    case 'double': {
      const open = `<${name} xsi:type="xsd:double">`;
      return (v, ns) => {
        if (v === null || v === undefined) return nilOf(ns);
        use(ns, XSD);
        use(ns, XSI);
        return open + phpDouble(v) + close;
      };
    }
    case 'string': {
      const open = `<${name} xsi:type="xsd:string">`;
      return (v, ns) => {
        if (v === null || v === undefined) return nilOf(ns);
        use(ns, XSD);
        use(ns, XSI);
        return open + libxmlText(phpString(v)) + close;
      };
    }
    case 'array': {
      let content: Guess | undefined;
      const desc = p.desc;
      return (v, ns) => {
        if (v === null || v === undefined) return nilOf(ns);
        content ??= guessFor(desc.content);
        return array(name, Array.isArray(v) ? v : [], content, ns);
      };
    }
    default: {
      // to_xml_object with the struct's model: every field, absent ones nil, then the type.
      const open = `<${name} xsi:type="ns1:${p.name}">`;
      const empty = `<${name} xsi:type="ns1:${p.name}"/>`;
      let fields: Modelled | undefined;
      return (v, ns) => {
        if (v === null || v === undefined) return nilOf(ns);
        fields ??= fieldsOf(p);
        const inner = fields(v, ns);
        use(ns, XSI);
        return inner ? open + inner + close : empty;
      };
    }
  }
}

/** A struct class's fields in order, as generated code that reads each field by name. */
function fieldsOf(p: PhpType & { t: 'struct' }): Modelled {
  let w = structFields.get(p);
  if (w !== undefined) return w;
  const writers = p.fields.map(([k, fp]) => modelled(k, fp));
  const lines = p.fields.map(([k], i) => `out += w[${i}](o[${JSON.stringify(k)}], ns);`);
  try {
    w = new Function(
      'w',
      `"use strict";\nreturn function fields(o, ns) {\n  let out = "";\n  ${lines.join('\n  ')}\n  return out;\n};`,
    )(writers) as Modelled;
  } catch {
    const names = p.fields.map(([k]) => k);
    w = (v, ns) => {
      const obj = v as Record<string, unknown>;
      let out = '';
      for (let i = 0; i < names.length; i++) out += (writers[i] as Modelled)(obj[names[i] as string], ns);
      return out;
    };
  }
  structFields.set(p, w);
  return w;
}

/**
 * The answer to a call, as PHP's SoapServer writes it for Moodle's WSDL: the response element
 * `ns1:{function}Response` in the endpoint's namespace with one `return` part typed per the WSDL.
 * The writer of each return type is built once (modelled) and kept with the type.
 */
export function rpcResponse(fnName: string, returns: PhpType | null, value: unknown, namespace: string): string {
  const ns: Ns = { used: 0, decls: '' };
  let ret = '';
  if (returns) {
    let write = returnWriters.get(returns);
    if (write === undefined) {
      write = modelled('return', returns);
      returnWriters.set(returns, write);
    }
    ret = write(value, ns);
  }
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
