import { type ExternalDescription, PARAM_PATTERNS, xsdPattern } from '@gatehouse/shared';
import type { ExternalFunction } from '../types';
import { escapeXml, NS } from './xml';

/** What a WSDL needs of a function. */
export type WsdlFunction = Pick<ExternalFunction, 'name' | 'description' | 'parameters' | 'returns'>;

export const SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/';

// ---- Moodle's contract: RPC/encoded, as webservice/soap/classes/wsdl.php writes it -------------

/**
 * A described value as Moodle's SOAP server types it (webservice/lib.php get_phpdoc_type):
 * PARAM_BOOL and PARAM_INT are `int`, PARAM_FLOAT `double`, every other value `string`; a
 * multiple structure is `array` (soap-enc:Array: its content is not described, PHP guesses
 * each item's type); a single structure is a generated struct class, one per occurrence.
 */
export type PhpType =
  | { readonly t: 'int' | 'double' | 'string' }
  | { readonly t: 'array'; readonly desc: ExternalDescription & { kind: 'multiple' } }
  | { readonly t: 'struct'; readonly name: string; readonly fields: readonly (readonly [string, PhpType])[] };

interface RpcMethod {
  readonly name: string;
  readonly description: string;
  readonly params: readonly (readonly [string, PhpType])[];
  readonly returns: PhpType | null;
}

/** The service as Moodle's SOAP server sees it: its struct classes and methods, in Moodle's order. */
export interface RpcModel {
  /** The generated struct classes, in the order they were made (nested ones before their parent). */
  readonly structs: readonly { readonly name: string; readonly fields: readonly (readonly [string, PhpType])[] }[];
  readonly methods: readonly RpcMethod[];
  readonly byName: ReadonlyMap<string, RpcMethod>;
}

/** Moodle's virtual service class: the first (and only) one its server makes per request. */
const RPC_SERVICE_CLASS = 'webservices_virtual_class_000000';

/**
 * The model Moodle's server builds for a service (webservice_base_server::init_service_class,
 * get_virtual_method_code, get_phpdoc_type, generate_simple_struct_class): functions by name
 * (webservice::get_external_functions orders them so), each function's parameters then its
 * return value typed in turn; a struct's fields are typed before the struct takes the next
 * free name `webservices_struct_class_000000`, `…000001`, … (PHP's string increment).
 */
export function rpcModel(functions: readonly WsdlFunction[]): RpcModel {
  const structs: { name: string; fields: (readonly [string, PhpType])[] }[] = [];
  const typeOf = (d: ExternalDescription): PhpType => {
    if (d.kind === 'value') return d.type === 'int' || d.type === 'bool' ? INT : d.type === 'float' ? DOUBLE : STRING;
    if (d.kind === 'multiple') return { t: 'array', desc: d };
    const fields = Object.entries(d.keys).map(([k, sub]) => [k, typeOf(sub)] as const);
    const name = `webservices_struct_class_${String(structs.length).padStart(6, '0')}`;
    structs.push({ name, fields });
    return { t: 'struct', name, fields };
  };
  const methods = [...functions]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f): RpcMethod => {
      const params = Object.entries(f.parameters.keys).map(([k, d]) => [k, typeOf(d)] as const);
      return { name: f.name, description: f.description, params, returns: f.returns ? typeOf(f.returns) : null };
    });
  return { structs, methods, byName: new Map(methods.map((m) => [m.name, m])) };
}

const INT: PhpType = { t: 'int' };
const DOUBLE: PhpType = { t: 'double' };
const STRING: PhpType = { t: 'string' };

/** wsdl.php get_soap_type. */
function soapType(p: PhpType): string {
  if (p.t === 'struct') return `tns:${p.name}`;
  if (p.t === 'array') return 'soap-enc:Array';
  return `xsd:${p.t}`;
}

// libxml's escaping, as SimpleXMLElement::asXML writes attribute values and text.
const ATTR_SPECIAL = /[&<>"\n\r\t]/;
const TEXT_SPECIAL = /[&<>\r]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot carry
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, to test for
const HAS_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ATTR_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

/** An attribute value as libxml writes it. */
export function libxmlAttr(s: string): string {
  const clean = HAS_INVALID.test(s) ? s.replace(INVALID_XML_CHARS, '') : s;
  return ATTR_SPECIAL.test(clean) ? clean.replace(/[&<>"\n\r\t]/g, (c) => ATTR_ESCAPES[c] ?? c) : clean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: what libxmlText changes, in one test
const TEXT_CHANGES = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Element text as libxml writes it (quotes stay as they are). */
export function libxmlText(s: string): string {
  // Most text has nothing to change: one scan, and it is returned as it is.
  if (!TEXT_CHANGES.test(s)) return s;
  const clean = HAS_INVALID.test(s) ? s.replace(INVALID_XML_CHARS, '') : s;
  return TEXT_SPECIAL.test(clean) ? clean.replace(/[&<>\r]/g, (c) => ATTR_ESCAPES[c] ?? c) : clean;
}

/**
 * The WSDL of a service, byte for byte as Moodle's webservice_soap\wsdl writes it
 * (webservice/soap/classes/wsdl.php: a SimpleXMLElement built in this order, then asXML()):
 * the definitions with their namespaces, the types (one xsd:complexType with xsd:all per struct
 * class, every element nillable, since generate_simple_struct_class marks any value that
 * allows null or not), the portType, the rpc binding (soap:body use="encoded" with the endpoint
 * URL as namespace), the service, then the messages, one part per parameter, appended as each
 * method registers. `namespace` is the endpoint URL with the token, which Moodle uses as the
 * target namespace, the soapAction base and the address.
 */
export function buildRpcWsdl(model: RpcModel, namespace: string): string {
  const ns = libxmlAttr(namespace);
  const cls = RPC_SERVICE_CLASS;
  const complexTypes = model.structs
    .map(
      (s) =>
        `<xsd:complexType name="${s.name}"><xsd:all>${s.fields
          .map(([k, p]) => `<xsd:element name="${libxmlAttr(k)}" type="${soapType(p)}" nillable="true"/>`)
          .join('')}</xsd:all></xsd:complexType>`,
    )
    .join('');
  const schema = complexTypes
    ? `<xsd:schema targetNamespace="${ns}">${complexTypes}</xsd:schema>`
    : `<xsd:schema targetNamespace="${ns}"/>`;
  const body = `<soap:body use="encoded" encodingStyle="${SOAP_ENC}" namespace="${ns}"/>`;
  let ops = '';
  let bindings = '';
  let messages = '';
  for (const m of model.methods) {
    const hasIn = m.params.length > 0;
    const hasOut = m.returns !== null;
    const doc = m.description ? `<documentation>${libxmlText(m.description)}</documentation>` : '<documentation/>';
    ops += `<operation name="${m.name}">${doc}${hasIn ? `<input message="tns:${m.name}In"/>` : ''}${
      hasOut ? `<output message="tns:${m.name}Out"/>` : ''
    }</operation>`;
    bindings += `<operation name="${m.name}"><soap:operation soapAction="${ns}#${m.name}"/>${
      hasIn ? `<input>${body}</input>` : ''
    }${hasOut ? `<output>${body}</output>` : ''}</operation>`;
    if (hasIn) {
      messages += `<message name="${m.name}In">${m.params
        .map(([k, p]) => `<part name="${libxmlAttr(k)}" type="${soapType(p)}"/>`)
        .join('')}</message>`;
    }
    if (m.returns)
      messages += `<message name="${m.name}Out"><part name="return" type="${soapType(m.returns)}"/></message>`;
  }
  const portType = ops ? `<portType name="${cls}Port">${ops}</portType>` : `<portType name="${cls}Port"/>`;
  return `<?xml version="1.0"?>
<definitions xmlns="${NS.wsdl}" xmlns:tns="${ns}" xmlns:soap="${NS.wsdlSoap}" xmlns:xsd="${NS.xsd}" xmlns:soap-enc="${SOAP_ENC}" xmlns:wsdl="${NS.wsdl}" name="${cls}" targetNamespace="${ns}"><types>${schema}</types>${portType}<binding name="${cls}Binding" type="tns:${cls}Port"><soap:binding style="rpc" transport="${NS.soapHttp}"/>${bindings}</binding><service name="${cls}Service"><port name="${cls}Port" binding="tns:${cls}Binding"><soap:address location="${ns}"/></port></service>${messages}</definitions>
`;
}

// ---- Gatehouse's opt-in contract: document/literal (wrapped) -----------------------------------

function xsdType(desc: ExternalDescription & { kind: 'value' }): string {
  if (desc.type === 'int') return 'xsd:long';
  if (desc.type === 'float') return 'xsd:double';
  if (desc.type === 'bool') return 'xsd:boolean';
  if (PARAM_PATTERNS[desc.type]) return `tns:PARAM_${desc.type.toUpperCase()}`;
  return 'xsd:string';
}

/** The string types with a pattern, as simple types with the validator's own patterns (PARAM_PATTERNS). */
const PATTERN_TYPES = Object.entries(PARAM_PATTERNS)
  .map(
    ([type, re]) =>
      `<xsd:simpleType name="PARAM_${type.toUpperCase()}"><xsd:restriction base="xsd:string"><xsd:pattern value="${escapeXml(xsdPattern(re))}"/></xsd:restriction></xsd:simpleType>`,
  )
  .join('');

/** An element declaration for a described value; `input` marks optional and defaulted keys as minOccurs=0. */
function xsdElement(name: string, desc: ExternalDescription, input: boolean, occurs = ''): string {
  const optional = desc.presence === 'optional' || (input && desc.presence === 'default');
  const min = occurs || (optional ? ' minOccurs="0"' : '');
  const doc = desc.desc
    ? `<xsd:annotation><xsd:documentation>${escapeXml(desc.desc)}</xsd:documentation></xsd:annotation>`
    : '';
  if (desc.kind === 'value') {
    const nillable = desc.allowNull ? ' nillable="true"' : '';
    return `<xsd:element name="${name}" type="${xsdType(desc)}"${min}${nillable}>${doc}</xsd:element>`;
  }
  if (desc.kind === 'multiple') {
    return `<xsd:element name="${name}"${min}>${doc}<xsd:complexType><xsd:sequence>${xsdElement('item', desc.content, input, ' minOccurs="0" maxOccurs="unbounded"')}</xsd:sequence></xsd:complexType></xsd:element>`;
  }
  const keys = Object.entries(desc.keys)
    .map(([k, sub]) => xsdElement(k, sub, input))
    .join('');
  return `<xsd:element name="${name}"${min}>${doc}<xsd:complexType><xsd:sequence>${keys}</xsd:sequence></xsd:complexType></xsd:element>`;
}

/** WSDL 1.1, SOAP 1.1 document/literal (wrapped), for the functions of one service (`&style=document`). */
export function buildDocumentWsdl(functions: readonly WsdlFunction[], location: string, serviceName: string): string {
  const elements = functions
    .map((f) => {
      const params = Object.entries(f.parameters.keys)
        .map(([k, d]) => xsdElement(k, d, true))
        .join('');
      const ret = f.returns ? xsdElement('return', f.returns, false) : '';
      return `<xsd:element name="${f.name}"><xsd:complexType><xsd:sequence>${params}</xsd:sequence></xsd:complexType></xsd:element><xsd:element name="${f.name}Response"><xsd:complexType><xsd:sequence>${ret}</xsd:sequence></xsd:complexType></xsd:element>`;
    })
    .join('\n');
  const messages = functions
    .map(
      (f) =>
        `<message name="${f.name}Request"><part name="parameters" element="tns:${f.name}"/></message><message name="${f.name}Response"><part name="parameters" element="tns:${f.name}Response"/></message>`,
    )
    .join('\n');
  const ops = functions
    .map(
      (f) =>
        `<operation name="${f.name}"><documentation>${escapeXml(f.description)}</documentation><input message="tns:${f.name}Request"/><output message="tns:${f.name}Response"/></operation>`,
    )
    .join('\n');
  const bindings = functions
    .map(
      (f) =>
        `<operation name="${f.name}"><soap:operation soapAction="${NS.gatehouse}#${f.name}" style="document"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="${NS.wsdl}" xmlns:soap="${NS.wsdlSoap}" xmlns:xsd="${NS.xsd}" xmlns:tns="${NS.gatehouse}" targetNamespace="${NS.gatehouse}" name="${escapeXml(serviceName)}">
<types><xsd:schema targetNamespace="${NS.gatehouse}" elementFormDefault="qualified">
${PATTERN_TYPES}
${elements}
</xsd:schema></types>
${messages}
<portType name="GatehousePortType">
${ops}
</portType>
<binding name="GatehouseBinding" type="tns:GatehousePortType"><soap:binding style="document" transport="${NS.soapHttp}"/>
${bindings}
</binding>
<service name="GatehouseService"><port name="GatehousePort" binding="tns:GatehouseBinding"><soap:address location="${escapeXml(location)}"/></port></service>
</definitions>
`;
}
