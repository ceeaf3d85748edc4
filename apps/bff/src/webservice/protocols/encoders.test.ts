import { type ExternalDescription, multiple, single, value } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../functions';
import { documentResponse } from './soap';
import { rpcResponse } from './soap-encoded';
import { libxmlAttr, libxmlText, type PhpType, rpcModel, SOAP_ENC, type WsdlFunction } from './soap-wsdl';
import { escapeXml, escapeXmlMarkup, NS, phpDouble } from './xml';
import { xmlrpcResult } from './xmlrpc';

// The result encoders are built once per return description (xmlrpc.ts, soap.ts, soap-encoded.ts).
// The walkers they replaced, kept here verbatim as the reference: on every function's return
// description in the catalogue, with generated values, both write the same bytes.

// ---- reference: XML-RPC (xmlrpc.ts before the encoders were compiled) ---------------------------

function refEncodeValue(value: unknown, desc: ExternalDescription): string {
  if (desc.kind === 'value') {
    if (value === null || value === undefined) return '<value><string/></value>';
    switch (desc.type) {
      case 'int': {
        const n = Number(value);
        return n >= -2_147_483_648 && n <= 2_147_483_647
          ? `<value><int>${n}</int></value>`
          : `<value><i8>${n}</i8></value>`;
      }
      case 'float':
        return `<value><double>${phpDouble(value)}</double></value>`;
      case 'bool':
        return value ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>';
      default: {
        const text = typeof value === 'string' ? value : String(value);
        return text === '' ? '<value><string/></value>' : `<value><string>${escapeXmlMarkup(text)}</string></value>`;
      }
    }
  }
  if (desc.kind === 'multiple') {
    if (!Array.isArray(value) || value.length === 0) return EMPTY_ARRAY;
    let items = '';
    for (const v of value) items += refEncodeValue(v, desc.content);
    return `<value><array><data>${items}</data></array></value>`;
  }
  if (value === null || value === undefined) return EMPTY_ARRAY;
  const obj = value as Record<string, unknown>;
  let members = '';
  for (const k in desc.keys) {
    const v = obj[k];
    if (v === undefined) continue;
    members += `<member><name>${escapeXmlMarkup(k)}</name>${refEncodeValue(v, desc.keys[k] as ExternalDescription)}</member>`;
  }
  return members === '' ? EMPTY_ARRAY : `<value><struct>${members}</struct></value>`;
}

const EMPTY_ARRAY = '<value><array><data/></array></value>';

const REF_RESULT_HEAD = '<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param>';
const REF_RESULT_TAIL = '</param></params></methodResponse>';

function refXmlrpcResult(value: unknown, returns: ExternalDescription | null): string {
  return `${REF_RESULT_HEAD}${returns === null ? '<value><nil/></value>' : refEncodeValue(value, returns)}${REF_RESULT_TAIL}`;
}

// ---- reference: SOAP document/literal (soap.ts) --------------------------------------------------

function refEncodeElement(name: string, value: unknown, desc: ExternalDescription): string {
  if (value === undefined) return '';
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (desc.kind === 'value')
    return `<${name}>${escapeXml(typeof value === 'string' ? value : String(value))}</${name}>`;
  let inner = '';
  if (desc.kind === 'multiple') {
    if (Array.isArray(value)) for (const v of value) inner += refEncodeElement('item', v, desc.content);
  } else {
    const obj = value as Record<string, unknown>;
    for (const k in desc.keys) inner += refEncodeElement(k, obj[k], desc.keys[k] as ExternalDescription);
  }
  return `<${name}>${inner}</${name}>`;
}

function refEnvelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soapEnvelope}" xmlns:xsi="${NS.xsi}"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

function refDocumentResponse(fn: { name: string; returns: ExternalDescription | null }, value: unknown): string {
  const ret = fn.returns ? refEncodeElement('return', value, fn.returns) : '';
  return refEnvelope(`<${fn.name}Response xmlns="${NS.gatehouse}">${ret}</${fn.name}Response>`);
}

// ---- reference: SOAP RPC/encoded (soap-encoded.ts) -----------------------------------------------

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
function refRpcResponse(fnName: string, returns: PhpType | null, value: unknown, namespace: string): string {
  const ns: Ns = { used: 0, decls: '' };
  const ret = returns ? modelled('return', returns, value, ns) : '';
  use(ns, XSD);
  use(ns, ENC);
  return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soapEnvelope}" xmlns:ns1="${libxmlAttr(namespace)}"${ns.decls} SOAP-ENV:encodingStyle="${SOAP_ENC}"><SOAP-ENV:Body>${element(`ns1:${fnName}Response`, '', ret)}</SOAP-ENV:Body></SOAP-ENV:Envelope>
`;
}

// ---- generated values ----------------------------------------------------------------------------

/** A small seeded generator (mulberry32): the same values on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const INTS = [
  0,
  1,
  -1,
  42,
  2_147_483_647,
  2_147_483_648,
  -2_147_483_648,
  -2_147_483_649,
  Number.MAX_SAFE_INTEGER,
  -9_007_199_254_740_991,
  1_700_000_000,
];
const FLOATS = [
  0,
  -0,
  1,
  1.5,
  -2.25,
  0.1 + 0.2,
  1e25,
  1e-5,
  0.0001,
  123456789012345,
  99999999999999.95,
  2.5e-7,
  1e14,
  -1e-300,
];
const TEXTS = [
  '',
  'plain',
  '<b>bold</b> & "quoted" \'single\'',
  'a > b < c &amp; &#38;',
  'Ünïcödé — 日本語 — Ελληνικά — 🎉',
  'line\nbreak\r\nand\ttab',
  'control\u0001\u0008\u000B\uFFFE chars',
  ' leading and trailing ',
  '0',
  '12345',
  'https://example.org/pluginfile.php?file=%2F1%2Fa&b=c',
];

/** A value fitting a description (as clean_returnvalue hands it over), now and then null or unset. */
function valueFor(d: ExternalDescription, r: Rng, depth: number): unknown {
  if (r.chance(0.08)) return null;
  if (d.kind === 'value') {
    switch (d.type) {
      case 'int':
        return r.chance(0.8) ? r.pick(INTS) : Math.floor((r.next() - 0.5) * 1e6);
      case 'float':
        return r.chance(0.8) ? r.pick(FLOATS) : (r.next() - 0.5) * 10 ** Math.floor(r.next() * 30 - 10);
      case 'bool':
        return r.chance(0.5);
      default:
        return r.chance(0.85) ? r.pick(TEXTS) : `${r.pick(TEXTS)}${r.pick(TEXTS)}`;
    }
  }
  if (d.kind === 'multiple') {
    const n = depth > 4 || r.chance(0.25) ? 0 : 1 + Math.floor(r.next() * 4);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(valueFor(d.content, r, depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  const skip = r.chance(0.1) ? 1 : 0.15;
  for (const [k, sub] of Object.entries(d.keys)) {
    if (r.next() < skip) continue;
    out[k] = r.chance(0.03) ? undefined : valueFor(sub, r, depth + 1);
  }
  // A key the description does not name: RPC/encoded maps write every key of the array.
  if (r.chance(0.05)) out.extra_key = r.pick(TEXTS);
  return out;
}

const RUNS = 40;
const withReturns = FUNCTIONS.filter((f) => f.returns !== null);

/** Shapes the catalogue may not have (yet), run the same way. */
const every = {
  i: value('int', 'i'),
  f: value('float', 'f'),
  b: value('bool', 'b'),
  t: value('text', 't', { optional: true }),
  r: value('raw', 'r'),
};
const SHAPES: WsdlFunction[] = [
  ['local_shape_int', value('int', 'n')],
  ['local_shape_float', value('float', 'x')],
  ['local_shape_bool', value('bool', 'b')],
  ['local_shape_text', value('text', 't')],
  ['local_shape_struct', single({ ...every, nested: single(every), list: multiple(value('float', 'f')) })],
  ['local_shape_nokeys', single({})],
  ['local_shape_lists', multiple(multiple(single({ a: value('int', 'a'), b: multiple(value('bool', 'b')) })))],
  ['local_shape_structs', multiple(single({ empty: single({}), one: single({ x: value('float', 'x') }) }))],
  ['local_shape_values', multiple(value('bool', 'b'))],
].map(([name, returns]) => ({
  name: name as string,
  description: '',
  parameters: single({}),
  returns: returns as ExternalDescription,
}));

describe('the compiled result encoders write what the walkers wrote', () => {
  it('covers the catalogue', () => {
    expect(withReturns.length).toBeGreaterThan(40);
  });

  // One model for the whole catalogue (struct classes numbered across it) and one per function.
  const service = rpcModel([...FUNCTIONS, ...SHAPES]);

  // What the outputs held, over the catalogue: the cases the values were generated to reach.
  const seen = new Set<string>();
  const MARKS = [
    '<i8>',
    '<int>',
    '<double>',
    '<boolean>',
    '<string/>',
    '&#60;',
    '<array><data/>',
    '<struct>',
    'xsi:nil',
    '&lt;',
    'ns2:Map',
    'xsd:ur-type',
    'SOAP-ENC:arrayType="ns2:Map',
    'xsd:double',
    'xsd:float',
    'xsd:boolean',
    '>extra_key<',
    '日本語',
  ];
  const note = (out: string) => {
    for (const m of MARKS) if (out.includes(m)) seen.add(m);
  };

  for (const fn of [...withReturns, ...SHAPES]) {
    it(fn.name, () => {
      const returns = fn.returns as ExternalDescription;
      const own = rpcModel([fn]).methods[0]?.returns ?? null;
      const inService = service.byName.get(fn.name)?.returns ?? null;
      const r = rng([...fn.name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));
      const samples: unknown[] = [null, undefined, [], {}];
      for (let i = 0; i < RUNS; i++) samples.push(valueFor(returns, r, 0));
      for (const v of samples) {
        const xmlrpc = xmlrpcResult(v, returns);
        expect(xmlrpc).toBe(refXmlrpcResult(v, returns));
        const doc = documentResponse(fn, v);
        expect(doc).toBe(refDocumentResponse(fn, v));
        const namespace = 'https://gatehouse.example/webservice/soap/server.php?wstoken=abc&x="1"';
        const rpc = rpcResponse(fn.name, own, v, namespace);
        expect(rpc).toBe(refRpcResponse(fn.name, own, v, namespace));
        expect(rpcResponse(fn.name, inService, v, namespace)).toBe(refRpcResponse(fn.name, inService, v, namespace));
        note(xmlrpc);
        note(doc);
        note(rpc);
      }
    });
  }

  it('reached every case (after the functions above)', () => {
    expect([...seen].sort()).toEqual([...MARKS].sort());
  });

  it('a function without a return description', () => {
    const fn = { name: 'local_none', returns: null };
    expect(xmlrpcResult(1, null)).toBe(refXmlrpcResult(1, null));
    expect(documentResponse(fn, 1)).toBe(refDocumentResponse(fn, 1));
    expect(rpcResponse(fn.name, null, 1, 'urn:x')).toBe(refRpcResponse(fn.name, null, 1, 'urn:x'));
  });
});
