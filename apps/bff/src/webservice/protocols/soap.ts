import { type ExternalDescription, PARAM_PATTERNS, xsdPattern } from '@gatehouse/shared';
import type { Context } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import { cachedToken, checkProtocol, checkService, checkToken, loadToken } from '../access';
import type { CallRequest } from '../call';
import { readBodyLimited } from '../params';
import type { ExternalFunction } from '../types';
import { type ErrorStatus, type ProtocolAdapter, ProtocolRequestError, type PublicError } from './route';
import { child, escapeXml, MAX_ANONYMOUS_XML_BYTES, MAX_XML_BYTES, NS, parseXmlBody, type XNode } from './xml';

class SoapRequestError extends ProtocolRequestError {}

// ---- WSDL ------------------------------------------------------------------------------------

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

/** WSDL 1.1, SOAP 1.1 document/literal (wrapped), for the functions of one service. */
function buildWsdl(functions: readonly ExternalFunction[], location: string, serviceName: string): string {
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

// ---- requests and responses ------------------------------------------------------------------

/** Reads a function's arguments from the operation element, guided by the description. */
export function decodeElement(node: XNode, desc: ExternalDescription): unknown {
  if (node.attrs.nil === 'true' || node.attrs.nil === '1') return null;
  if (desc.kind === 'value') {
    if (node.children.length) throw new SoapRequestError(`<${node.name}> must hold a value, not elements`);
    if (desc.type === 'bool') return node.text.trim();
    return node.text;
  }
  if (desc.kind === 'multiple') return node.children.map((c) => decodeElement(c, desc.content));
  return decodeStruct(node, desc.keys);
}

function decodeStruct(node: XNode, keys: Record<string, ExternalDescription>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const c of node.children) {
    if (Object.hasOwn(out, c.name)) throw new SoapRequestError(`<${c.name}> appears twice`);
    const sub = keys[c.name];
    // Unknown elements are passed on as text so that validation names them.
    out[c.name] = sub && Object.hasOwn(keys, c.name) ? decodeElement(c, sub) : c.text;
  }
  return out;
}

function encodeElement(name: string, value: unknown, desc: ExternalDescription): string {
  if (value === undefined) return '';
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (desc.kind === 'value') {
    return `<${name}>${escapeXml(String(value))}</${name}>`;
  }
  if (desc.kind === 'multiple') {
    const items = Array.isArray(value) ? value : [];
    return `<${name}>${items.map((v) => encodeElement('item', v, desc.content)).join('')}</${name}>`;
  }
  const obj = value as Record<string, unknown>;
  return `<${name}>${Object.entries(desc.keys)
    .map(([k, sub]) => encodeElement(k, obj[k], sub))
    .join('')}</${name}>`;
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soapEnvelope}" xmlns:xsi="${NS.xsi}"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

function soapResponse(fn: ExternalFunction, value: unknown): string {
  const ret = fn.returns ? encodeElement('return', value, fn.returns) : '';
  return envelope(`<${fn.name}Response xmlns="${NS.gatehouse}">${ret}</${fn.name}Response>`);
}

/** A SOAP 1.1 fault: the Moodle error code as faultcode, the message as faultstring, all of it in detail. */
function soapFault(e: PublicError): string {
  const detail = `<exception xmlns="${NS.gatehouse}"><exception>${escapeXml(e.exception)}</exception><errorcode>${escapeXml(
    e.errorcode,
  )}</errorcode><message>${escapeXml(e.message)}</message>${e.debuginfo ? `<debuginfo>${escapeXml(e.debuginfo)}</debuginfo>` : ''}</exception>`;
  return envelope(
    `<SOAP-ENV:Fault><faultcode>${escapeXml(e.errorcode)}</faultcode><faultstring>${escapeXml(e.message)}</faultstring><detail>${detail}</detail></SOAP-ENV:Fault>`,
  );
}

function xml(c: Context<AppEnv>, body: string, status: ErrorStatus) {
  return c.body(body, status, { 'Content-Type': 'text/xml; charset=utf-8' });
}

/** Where SOAP clients send their calls: the public URL (GATEHOUSE_WWWROOT), never the request's Host. */
function serviceAddress(deps: Deps, wstoken: string | null): string {
  return `${deps.env.wwwroot}/webservice/soap/server.php${wstoken ? `?wstoken=${encodeURIComponent(wstoken)}` : ''}`;
}

/** `?wsdl=1`: the WSDL of the token's service, after the token's and the service's part of the chain. */
async function wsdlAnswer(deps: Deps, c: Context<AppEnv>, call: CallRequest, query: URLSearchParams) {
  checkProtocol(deps, 'soap');
  const found = checkToken(deps, 'soap', cachedToken(deps, call.token) ?? (await loadToken(deps, call.token)), call.ip);
  const service = checkService(deps, found, call.ip);
  const fns = service.functions.map((n) => deps.catalogue.get(n)).filter((f): f is ExternalFunction => !!f);
  const location = serviceAddress(deps, query.get('wstoken'));
  return xml(c, buildWsdl(fns, location, `gatehouse_${service.shortname}`), 200);
}

/**
 * /webservice/soap/server.php: SOAP 1.1 document/literal. `?wsdl=1` returns the WSDL of the
 * token's service, generated from the catalogue; faults carry Moodle's error codes (HTTP 500,
 * 413 for a body over the limit). The token (query string or Authorization header) is checked
 * before the body is read; a body without one is read only up to MAX_ANONYMOUS_XML_BYTES.
 */
export const soap: ProtocolAdapter<Uint8Array> = {
  protocol: 'soap',
  maxBytes: MAX_XML_BYTES,
  maxAnonymousBytes: MAX_ANONYMOUS_XML_BYTES,
  postOnly: 'SOAP calls are POST requests (or GET ?wsdl=1 for the WSDL)',
  status: { refused: 500, invalid: 500 },
  answer(deps, c, call, query) {
    if (!query?.has('wsdl') || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return undefined;
    return wsdlAnswer(deps, c, call, query);
  },
  read: readBodyLimited,
  decode(deps, _c, _request, body, call) {
    const root = parseXmlBody(body);
    if (root.name !== 'Envelope') throw new SoapRequestError('The document is not a SOAP envelope');
    const op = child(root, 'Body')?.children[0];
    if (!op) throw new SoapRequestError('The SOAP body holds no operation');
    call.functionName = op.name;
    const fn = deps.catalogue.get(op.name);
    call.args = fn ? decodeStruct(op, fn.parameters.keys) : {};
    return undefined;
  },
  encodeResult(c, _state, fn, value) {
    return xml(c, soapResponse(fn, value), 200);
  },
  encodeError(c, _state, error, status) {
    return xml(c, soapFault(error), status);
  },
};
